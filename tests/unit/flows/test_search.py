"""Keyword search and close matches."""

from __future__ import annotations

import pytest

from bot.flows.loader import load_bundled
from bot.flows.model import Flow, FlowKind, Node, NodeType
from bot.flows.search import close_matches, fold, search, terms

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


def test_folding() -> None:
    assert terms("Syncing printers, mapped drives; policies") == ["sync", "printer", "mapp", "drive", "policy"]
    assert fold("access") == "access" and fold("need") == "need"


def test_scores_are_between_zero_and_one_best_first() -> None:
    hits = search(FLOWS, "printer offline outlook", limit=5)
    scores = [s for _, s in hits]
    assert all(0 < s <= 1 for s in scores) and scores == sorted(scores, reverse=True)
    assert search(FLOWS, "printer", limit=1)[0][0].key == "printer-offline"
    assert search(FLOWS, "the and of") == [] and search([], "vpn") == []


@pytest.mark.parametrize(
    ("query", "key"),
    [
        ("user locked out", "password-reset-mfa"),
        ("forgot password", "password-reset-mfa"),
        ("authenticator app on new phone", "mfa-reenrolment"),
        ("outlook not receiving email", "outlook-mailbox-not-syncing"),
        ("emails stuck in outbox", "outlook-mailbox-not-syncing"),
        ("anyconnect keeps dropping", "vpn-wont-connect"),
        ("cant print", "printer-offline"),
        ("laptop freezing", "slow-workstation"),
        ("S: drive gone after login", "mapped-drive-missing"),
        ("new starter monday", "new-user-onboarding"),
        ("patch tuesday servers", "monthly-server-patching"),
    ],
)
def test_bundled_library_answers_everyday_wording(query: str, key: str) -> None:
    assert search(load_bundled(), query)[0][0].key == key


def test_close_matches_by_substring() -> None:
    assert close_matches("outlook", load_bundled()) == ["outlook-mailbox-not-syncing"]
    assert close_matches("", FLOWS) == [] and close_matches("zzzz", FLOWS) == []
