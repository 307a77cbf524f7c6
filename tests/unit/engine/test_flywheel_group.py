"""Grouping: by the node a flow was left at, by embeddings when the retriever can embed, else by keywords."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.engine.flywheel.group import group_sessions, signature, terms
from bot.engine.flywheel.records import Digest, Outcome

AT = datetime(2026, 11, 20, tzinfo=UTC)


def digest(sid: str, title: str, outcome: Outcome = Outcome.UNKNOWN, **fields: str) -> Digest:
    return Digest(session_id=sid, title=title, problem="", ended_at=AT, outcome=outcome, **fields)  # type: ignore[arg-type]


def test_keywords_group_similar_sessions_and_leave_the_rest() -> None:
    found = group_sessions(
        [
            digest("a", "VPN certificate expired on the laptop"),
            digest("b", "Expired VPN certificate, AnyConnect fails"),
            digest("c", "Outlook signature missing"),
            digest("d", "Mailbox full", Outcome.WORKED),
        ]
    )
    assert [[d.session_id for d in g.digests] for g in found] == [["a", "b"], ["d"]]  # c: alone and unproven


def test_embeddings_decide_when_given() -> None:
    items = [digest("a", "one"), digest("b", "two"), digest("c", "three")]
    found = group_sessions(items, [[1.0, 0.0], [0.95, 0.1], [0.0, 1.0]])
    assert [[d.session_id for d in g.digests] for g in found] == [["a", "b"]]


def test_sessions_that_left_a_flow_group_by_node_and_sign_stably() -> None:
    items = [
        digest("a", "x", flow_key="printer-offline", node_id="prints-now"),
        digest("b", "y", flow_key="printer-offline", node_id="prints-now"),
        digest("c", "z", flow_key="printer-offline", node_id="user-prints"),
    ]
    [group] = group_sessions(items)
    assert signature(group, "public-1") == "branch:printer-offline@public-1:prints-now"
    assert signature(group_sessions(items[:2][::-1])[0], "public-1") == signature(group, "public-1")


def test_terms_drop_stop_words_and_plurals() -> None:
    assert set(terms("The printers status is offline for users")) == {"printer", "status", "offline"}
