"""Platform-neutral views of the flow library: a flow's summary, its versions, folders, and a browsable list."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from bot.engine.events import ActionId
from bot.engine.flowlib import texts
from bot.engine.replies import Block, Button, Buttons, Context, Header, Style, Text, View
from bot.flows.folders import children, folder_counts
from bot.flows.model import Flow
from bot.flows.versions import FlowVersion

PAGE = 12  # flows listed in one browse view (two blocks each)
FOLDER_BUTTONS = 5


def version_line(v: FlowVersion) -> str:
    """``v3 · published · 2026-03-01`` (public copies say so)."""
    where = " · public" if v.public else ""
    return f"v{v.version} · {v.status.value} · {v.created_at:%Y-%m-%d}{where}"


def flow_buttons(flow: Flow) -> Buttons:
    """Start and Show for one flow."""
    return Buttons(
        (
            Button("Start", ActionId.START_FLOW, "", 0, flow.key, Style.PRIMARY),
            Button("Show", ActionId.FLOW_SHOW, "", 0, flow.key),
        )
    )


def summary_view(flow: Flow, versions: Sequence[FlowVersion]) -> View:
    """Name, kind, version and status, where it sits (category, folder, tags), size, and its versions."""
    facts = [f"*Kind:* {flow.kind.value}", f"*Status:* {flow.status.value}", f"*Steps:* {len(flow.nodes)}"]
    place = [f"*Category:* {flow.category or '—'}", f"*Folder:* {flow.folder or '—'}"]
    place.append(f"*Tags:* {', '.join(flow.tags) if flow.tags else '—'}")
    history = ", ".join(version_line(v) for v in versions[-8:])
    blocks: list[Block] = [
        Header(texts.SUMMARY_TITLE.format(name=flow.name, key=flow.key, version=flow.version)[:150]),
        Text(" · ".join(facts) + "\n" + " · ".join(place)),
    ]
    if flow.description:
        blocks.append(Text(flow.description[:600]))
    blocks.append(Context(f"Versions: {history}" + (f" (and {len(versions) - 8} older)" if len(versions) > 8 else "")))
    blocks.append(flow_buttons(flow))
    return View(tuple(blocks), f"{flow.name} ({flow.key} v{flow.version})")


def versions_view(flow: Flow, versions: Sequence[FlowVersion]) -> View:
    """Every version, newest first."""
    lines = "\n".join(f"• {version_line(v)}" for v in reversed(versions))
    blocks = (Header(f"Versions of {flow.name}"[:150]), Text(lines), Context(f"`flow restore {flow.key} vN`"))
    return View(blocks, f"{len(versions)} versions of {flow.key}")


def _folder_buttons(counts: dict[str, int], folder: str) -> Buttons | None:
    under = children(counts, folder)
    buttons = tuple(
        Button(f"📁 {path.rsplit('/', 1)[-1]} ({n})", ActionId.FLOW_BROWSE, "", 0, path)
        for path, n in list(under.items())[:FOLDER_BUTTONS]
    )
    return Buttons(buttons) if buttons else None


def browse_view(flows: Sequence[Flow], folder: str) -> View:
    """The flows of one folder (Start/Show each) and its sub-folders (buttons); "" is the top level."""
    counts = folder_counts(flows)
    here = sorted((f for f in flows if f.folder == folder), key=lambda f: f.name.lower())
    blocks: list[Block] = [Header(f"Flow library: {folder or 'top level'}"[:150])]
    if folder:
        parent = folder.rsplit("/", 1)[0] if "/" in folder else ""
        blocks.append(Buttons((Button(f"⬆ {parent or 'top level'}", ActionId.FLOW_BROWSE, "", 0, parent),)))
    sub = _folder_buttons(counts, folder)
    if sub is not None:
        blocks.append(sub)
    for flow in here[:PAGE]:
        tags = f" · {', '.join(flow.tags)}" if flow.tags else ""
        blocks.append(Text(f"*{flow.name}* — `{flow.key}` · {flow.kind.value}{tags}"))
        blocks.append(flow_buttons(flow))
    if len(here) > PAGE:
        blocks.append(Context(texts.MORE_FLOWS.format(count=len(here) - PAGE, folder=folder)))
    if not here and sub is None:
        blocks.append(Context(texts.NO_FLOWS))
    return View(tuple(blocks), f"Flow library: {folder or 'top level'}")


def folders_view(flows: Sequence[Flow]) -> View:
    """Every folder and every category, with how many flows each holds."""
    counts = folder_counts(flows)
    categories = Counter(f.category or "(none)" for f in flows)
    blocks: list[Block] = [Header("Flow library folders")]
    if counts:
        blocks.append(Text("\n".join(f"{'  ' * p.count('/')}• `{p}` ({n})" for p, n in counts.items())))
    else:
        blocks.append(Context(texts.NO_FOLDERS))
    blocks.append(Text("*Categories:* " + ", ".join(f"{c} ({n})" for c, n in sorted(categories.items()))))
    top = _folder_buttons(counts, "")
    if top is not None:
        blocks.append(top)
    blocks.append(Context("`flow browse <folder>` · `search folder:<folder> <words>`"))
    return View(tuple(blocks), "Flow library folders")


def home_section(flows: Sequence[Flow], top: int = 5) -> list[Block]:
    """The App Home / Teams home card's "Flow library" section: at most five blocks."""
    if not flows:
        return [Header("Flow library"), Context(texts.NO_FLOWS)]
    counts = children(folder_counts(flows), "")
    categories = Counter(f.category for f in flows if f.category)
    parts = [f"*{len(flows)} flows*"]
    if counts:
        parts.append("Folders: " + ", ".join(f"{p} ({n})" for p, n in counts.items()))
    if categories:
        parts.append("Categories: " + ", ".join(f"{c} ({n})" for c, n in sorted(categories.items())))
    chosen = sorted(flows, key=lambda f: f.name.lower())[:top]
    starts = Buttons(tuple(Button(f"Start {f.name}"[:75], ActionId.START_FLOW, "", 0, f.key) for f in chosen))
    blocks: list[Block] = [Header("Flow library"), Text(" · ".join(parts)[:2900]), starts]
    browse = _folder_buttons(folder_counts(flows), "")
    blocks.append(browse or Buttons((Button("Browse all flows", ActionId.FLOW_BROWSE, "", 0, ""),)))
    return blocks
