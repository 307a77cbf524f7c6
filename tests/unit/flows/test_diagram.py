"""Flow diagrams: every bundled sample draws a valid PNG whose layout holds every node's title and every option's
label; procedural flows are a vertical chain; huge flows are cut and say so; folders normalise."""

from __future__ import annotations

import struct

import pytest

from bot.flows.diagram import PNG_SIGNATURE, layout, render, title_of, wrap
from bot.flows.folders import children, folder_counts, normalise_folder
from bot.flows.loader import load_bundled
from bot.flows.model import Flow, FlowKind, Node, NodeType

SAMPLES = load_bundled()


@pytest.mark.parametrize("flow", SAMPLES, ids=[f.key for f in SAMPLES])
def test_every_sample_draws_a_png_with_every_title(flow: Flow) -> None:
    png, plan = render(flow)
    assert png.startswith(PNG_SIGNATURE)
    width, height = struct.unpack(">II", png[16:24])
    assert 300 <= width <= 6000 and 100 <= height <= 6000
    drawn = " ".join(plan.texts())
    for node in flow.nodes:
        assert " ".join(wrap(title_of(node))).rstrip("…")[:20] in drawn or title_of(node)[:10] in drawn
    assert set(plan.boxes) == {n.id for n in flow.nodes}
    for node in flow.nodes:
        for option in node.options:
            assert any(a.source == node.id and a.label == option.label for a in plan.arrows)


def test_procedural_flows_are_a_vertical_chain() -> None:
    flow = next(f for f in SAMPLES if f.kind is FlowKind.PROCEDURAL)
    plan = layout(flow)
    ys = [plan.boxes[n.id].y for n in flow.nodes]
    assert ys == sorted(ys)


def test_huge_flows_are_cut_and_say_so() -> None:
    nodes = tuple(Node(f"s{i}", NodeType.PROCEDURE_STEP, title=f"Step {i} " + "long words " * 8) for i in range(90))
    flow = Flow("big", "Big", FlowKind.PROCEDURAL, nodes)
    png, plan = render(flow, max_nodes=20)
    assert png.startswith(PNG_SIGNATURE) and len(plan.boxes) == 20
    assert "Showing 20 of 90 steps" in plan.note
    assert all(len(b.lines) <= 4 for b in plan.boxes.values())


@pytest.mark.parametrize(
    ("raw", "folder", "bad"),
    [(" Network / VPN/ ", "network/vpn", False), ("", "", False), ("a/b/c/d/e", "", True), ("bad!name", "", True)],
)
def test_folders_normalise(raw: str, folder: str, bad: bool) -> None:
    assert normalise_folder(raw)[0] == folder and bool(normalise_folder(raw)[1]) is bad


def test_folder_counts_include_parents() -> None:
    counts = folder_counts(SAMPLES)
    assert counts["network"] == 2 and counts["network/vpn"] == 1
    assert children(counts, "network") == {"network/drives": 1, "network/vpn": 1}
