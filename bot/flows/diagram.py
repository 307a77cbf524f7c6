"""Flow diagrams: a flow drawn as a PNG picture, in pure Python (no Graphviz binary needed).

Troubleshooting flows are laid out as layered graphs (grandalf's Sugiyama layout): decisions are blue boxes marked
"?", actions white, solutions green with a thick border, sub-flows violet; every option's label sits on its edge.
Procedural and maintenance flows are a vertical chain of steps with their section headers as dark bands. Long
titles are wrapped; a flow bigger than ``MAX_NODES`` is cut to the nodes nearest its start and the picture says so.
``layout`` is the pure part (positions and labels, what the tests read); ``render`` draws it with pillow.
"""

from __future__ import annotations

import io
import textwrap
from collections import deque
from dataclasses import dataclass, field

from grandalf.graphs import Edge, Graph, Vertex  # type: ignore[import-untyped]
from grandalf.layouts import SugiyamaLayout  # type: ignore[import-untyped]
from PIL import Image, ImageDraw, ImageFont

from bot.flows.model import Flow, FlowKind, Node, NodeType

MAX_NODES = 60
WRAP = 26  # characters per title line
MAX_LINES = 4
LINE_H = 16
BOX_W = 200
PAD = 10
GAP_X, GAP_Y = 40, 60
MARGIN = 30
MAX_SIDE = 6000  # pixels: a bigger picture is scaled down
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

FILL = {
    NodeType.DECISION: "#dbeafe",
    NodeType.ACTION: "#ffffff",
    NodeType.SOLUTION: "#bbf7d0",
    NodeType.SUBFLOW: "#ede9fe",
    NodeType.PROCEDURE_STEP: "#ffffff",
    NodeType.SECTION_HEADER: "#1e293b",
    NodeType.PROCEDURE_END: "#bbf7d0",
}
MARK = {NodeType.DECISION: "? ", NodeType.SUBFLOW: "-> "}  # plain ASCII: the bundled font has no symbols


@dataclass(frozen=True, slots=True)
class Box:
    """One node drawn as a box: its centre, size and wrapped title lines."""

    id: str
    type: NodeType
    lines: tuple[str, ...]
    x: float
    y: float
    w: float
    h: float


@dataclass(frozen=True, slots=True)
class Arrow:
    """An edge from one box to another, with the option label it carries ("" for a plain next step)."""

    source: str
    target: str
    label: str = ""


@dataclass(slots=True)
class Layout:
    """Where everything goes: boxes by node id, arrows, the picture's size, and a note when the flow was cut."""

    boxes: dict[str, Box] = field(default_factory=dict)
    arrows: list[Arrow] = field(default_factory=list)
    width: int = 0
    height: int = 0
    note: str = ""

    def texts(self) -> list[str]:
        """Every text drawn, box titles (lines joined) and edge labels (for tests and alt text)."""
        return [" ".join(b.lines) for b in self.boxes.values()] + [a.label for a in self.arrows if a.label]


def title_of(node: Node) -> str:
    """The text a node is drawn with: its title, else its question, else its id."""
    return node.title or node.question or node.id


def wrap(text: str, width: int = WRAP, max_lines: int = MAX_LINES) -> tuple[str, ...]:
    """``text`` wrapped to ``width`` characters, at most ``max_lines`` lines (the last one ends in "…" if cut)."""
    lines = textwrap.wrap(" ".join(text.split()), width, break_long_words=True) or [""]
    if len(lines) > max_lines:
        lines = [*lines[: max_lines - 1], lines[max_lines - 1][: width - 1].rstrip() + "…"]
    return tuple(lines)


def _edges(node: Node) -> list[tuple[str, str]]:
    if node.type is NodeType.DECISION:
        return [(o.next, o.label) for o in node.options]
    return [(node.next, "")] if node.next else []


def _nearest(flow: Flow, limit: int) -> list[Node]:
    """At most ``limit`` nodes, breadth first from the start (then any unreachable ones, in source order)."""
    seen: dict[str, None] = {}
    queue = deque([flow.first])
    while queue and len(seen) < limit:
        node_id = queue.popleft()
        if node_id in seen or not flow.has_node(node_id):
            continue
        seen[node_id] = None
        queue.extend(target for target, _ in _edges(flow.node(node_id)))
    for node in flow.nodes:
        if len(seen) >= limit:
            break
        seen.setdefault(node.id, None)
    return [flow.node(node_id) for node_id in seen]


def _box(node: Node, x: float, y: float, w: float = BOX_W) -> Box:
    lines = wrap(MARK.get(node.type, "") + title_of(node), WRAP if w == BOX_W else int(w / 8))
    return Box(node.id, node.type, lines, x, y, w, len(lines) * LINE_H + 2 * PAD)


class _View:
    """The size grandalf reads and the centre it writes."""

    def __init__(self, w: float, h: float) -> None:
        self.w, self.h = w, h
        self.xy = (0.0, 0.0)


def _graph_layout(flow: Flow, nodes: list[Node], out: Layout) -> None:
    shown = {n.id for n in nodes}
    boxes = {n.id: _box(n, 0, 0) for n in nodes}
    vertices = {n.id: Vertex(n.id) for n in nodes}
    for node_id, vertex in vertices.items():
        vertex.view = _View(boxes[node_id].w, boxes[node_id].h)
    edges = []
    for node in nodes:
        for target, label in _edges(node):
            if target in shown:
                out.arrows.append(Arrow(node.id, target, label))
                if target != node.id:
                    edges.append(Edge(vertices[node.id], vertices[target]))
    graph = Graph(list(vertices.values()), edges)
    offset = 0.0
    for core in graph.C:
        roots = [v for v in core.sV if v.data == flow.first] or [v for v in core.sV if not v.e_in()][:1]
        sugiyama = SugiyamaLayout(core)
        sugiyama.xspace, sugiyama.yspace = GAP_X, GAP_Y
        sugiyama.init_all(roots=roots or None)
        sugiyama.draw()
        xs = [v.view.xy[0] - v.view.w / 2 for v in core.sV]
        left = min(xs)
        right = max(v.view.xy[0] + v.view.w / 2 for v in core.sV)
        for v in core.sV:
            b = boxes[v.data]
            out.boxes[v.data] = Box(b.id, b.type, b.lines, v.view.xy[0] - left + offset, v.view.xy[1], b.w, b.h)
        offset += right - left + GAP_X
    _fit(out)


def _chain_layout(nodes: list[Node], out: Layout) -> None:
    y = 0.0
    previous = ""
    for node in nodes:
        wide = node.type is NodeType.SECTION_HEADER
        box = _box(node, 0, 0, BOX_W * 2 if wide else BOX_W * 1.5)
        out.boxes[node.id] = Box(box.id, box.type, box.lines, BOX_W, y + box.h / 2, box.w, box.h)
        if previous and not wide:
            out.arrows.append(Arrow(previous, node.id))
        if not wide:
            previous = node.id
        y += box.h + GAP_Y / 2
    _fit(out)


def _fit(out: Layout) -> None:
    """Shift everything so the picture starts at the margin, and size it."""
    if not out.boxes:
        out.width, out.height = 2 * MARGIN + BOX_W, 2 * MARGIN + LINE_H
        return
    left = min(b.x - b.w / 2 for b in out.boxes.values())
    top = min(b.y - b.h / 2 for b in out.boxes.values())
    dx, dy = MARGIN - left, MARGIN + (LINE_H * 2 if out.note else 0) - top
    out.boxes = {k: Box(b.id, b.type, b.lines, b.x + dx, b.y + dy, b.w, b.h) for k, b in out.boxes.items()}
    out.width = int(max(b.x + b.w / 2 for b in out.boxes.values()) + MARGIN)
    out.height = int(max(b.y + b.h / 2 for b in out.boxes.values()) + MARGIN)


def layout(flow: Flow, max_nodes: int = MAX_NODES) -> Layout:
    """Positions of every node (at most ``max_nodes``, nearest the start first) and every edge of the flow."""
    nodes = _nearest(flow, max_nodes) if flow.kind is FlowKind.TROUBLESHOOTING else list(flow.nodes[:max_nodes])
    out = Layout()
    if len(nodes) < len(flow.nodes):
        out.note = f"Showing {len(nodes)} of {len(flow.nodes)} steps (the ones nearest the start)."
    if flow.kind is FlowKind.TROUBLESHOOTING:
        _graph_layout(flow, nodes, out)
    else:
        _chain_layout(nodes, out)
    return out


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


def _border(box: Box, toward: tuple[float, float]) -> tuple[float, float]:
    """Where the line from the box's centre toward ``toward`` leaves the box."""
    dx, dy = toward[0] - box.x, toward[1] - box.y
    if dx == 0 and dy == 0:
        return box.x, box.y
    scale = min(box.w / 2 / abs(dx) if dx else float("inf"), box.h / 2 / abs(dy) if dy else float("inf"))
    return box.x + dx * scale, box.y + dy * scale


def _arrow(
    draw: ImageDraw.ImageDraw, arrow: Arrow, layout_: Layout, font: ImageFont.FreeTypeFont | ImageFont.ImageFont
) -> None:
    a, b = layout_.boxes[arrow.source], layout_.boxes[arrow.target]
    if a.id == b.id:  # a step that loops on itself: a small hook on its right
        x, y = a.x + a.w / 2, a.y
        draw.line([(x, y - 6), (x + 18, y - 6), (x + 18, y + 6), (x, y + 6)], fill="#64748b", width=2)
        return
    start, end = _border(a, (b.x, b.y)), _border(b, (a.x, a.y))
    colour = "#64748b" if b.y > a.y else "#f59e0b"  # upward edges (loops back) stand out
    draw.line([start, end], fill=colour, width=2)
    dx, dy = end[0] - start[0], end[1] - start[1]
    length = max((dx * dx + dy * dy) ** 0.5, 1.0)
    ux, uy = dx / length, dy / length
    tip = [
        end,
        (end[0] - 10 * ux + 5 * uy, end[1] - 10 * uy - 5 * ux),
        (end[0] - 10 * ux - 5 * uy, end[1] - 10 * uy + 5 * ux),
    ]
    draw.polygon(tip, fill=colour)
    if arrow.label:
        label = wrap(arrow.label, 22, 1)[0]
        mx, my = start[0] + dx * 0.5, start[1] + dy * 0.5
        left, top, right, bottom = draw.textbbox((mx, my), label, font=font, anchor="mm")
        draw.rectangle((left - 3, top - 2, right + 3, bottom + 2), fill="#fffbeb", outline="#fcd34d")
        draw.text((mx, my), label, fill="#78350f", font=font, anchor="mm")


def _draw_box(draw: ImageDraw.ImageDraw, box: Box, font: ImageFont.FreeTypeFont | ImageFont.ImageFont) -> None:
    rect = (box.x - box.w / 2, box.y - box.h / 2, box.x + box.w / 2, box.y + box.h / 2)
    solution = box.type in (NodeType.SOLUTION, NodeType.PROCEDURE_END)
    outline = "#15803d" if solution else "#2563eb" if box.type is NodeType.DECISION else "#475569"
    draw.rounded_rectangle(rect, radius=8, fill=FILL[box.type], outline=outline, width=4 if solution else 2)
    ink = "#ffffff" if box.type is NodeType.SECTION_HEADER else "#0f172a"
    top = box.y - (len(box.lines) * LINE_H) / 2 + LINE_H / 2
    for i, line in enumerate(box.lines):
        draw.text((box.x, top + i * LINE_H), line, fill=ink, font=font, anchor="mm")


def render(flow: Flow, max_nodes: int = MAX_NODES) -> tuple[bytes, Layout]:
    """The flow's diagram as PNG bytes, and the layout it was drawn from."""
    plan = layout(flow, max_nodes)
    image = Image.new("RGB", (max(plan.width, 320), max(plan.height, 120)), "#f8fafc")
    draw = ImageDraw.Draw(image)
    font, small = _font(13), _font(11)
    draw.text((MARGIN, 8), f"{flow.name} (v{flow.version})", fill="#0f172a", font=_font(15))
    if plan.note:
        draw.text((MARGIN, 28), plan.note, fill="#b45309", font=small)
    for arrow in plan.arrows:
        _arrow(draw, arrow, plan, small)
    for box in plan.boxes.values():
        _draw_box(draw, box, font)
    if max(image.size) > MAX_SIDE:
        ratio = MAX_SIDE / max(image.size)
        image = image.resize((max(1, int(image.width * ratio)), max(1, int(image.height * ratio))))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue(), plan
