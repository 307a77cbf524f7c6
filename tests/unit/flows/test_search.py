"""Keyword search and close matches."""

from __future__ import annotations

from bot.flows.model import Flow, FlowKind, Node, NodeType
from bot.flows.search import close_matches, search, terms

LEAF = (Node("a", NodeType.SOLUTION, resolution="x"),)
FLOWS = [
    Flow("vpn-wont-connect", "VPN will not connect", FlowKind.TROUBLESHOOTING, LEAF, keywords=("anyconnect", "tunnel")),
    Flow("printer-offline", "Printer offline", FlowKind.TROUBLESHOOTING, LEAF, tags=("printing", "spooler")),
    Flow(
        "outlook-mailbox-not-syncing",
        "Outlook mailbox not syncing",
        FlowKind.TROUBLESHOOTING,
        LEAF,
        category="Microsoft 365",
        keywords=("ost", "exchange"),
    ),
]


def test_terms_fold_plurals_and_drop_stop_words() -> None:
    assert terms("The printers are offline!") == ["printer", "offline"]


def test_search_ranks_the_right_flow_first() -> None:
    assert search(FLOWS, "outlook won't sync mailbox")[0][0].key == "outlook-mailbox-not-syncing"
    assert search(FLOWS, "anyconnect tunnel drops")[0][0].key == "vpn-wont-connect"
    assert search(FLOWS, "printers spooler")[0][0].key == "printer-offline"
    assert search(FLOWS, "kubernetes") == []


def test_close_matches_by_key_and_name() -> None:
    assert close_matches("printr-offline", FLOWS) == ["printer-offline"]
    assert "vpn-wont-connect" in close_matches("vpn will not connect", FLOWS)
