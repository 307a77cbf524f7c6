"""Step messages: their notification (fallback) text names the step and what it asks, in at most 150 characters."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.engine.model import Session
from bot.engine.replies import Post
from bot.engine.views import FALLBACK_CHARS, answered_view, shorten, step_fallback
from bot.flows.model import Node, NodeType, Option
from tests.fakes.chat import Chat

N = NodeType
AT = datetime(2026, 1, 5, 14, 0, tzinfo=UTC)


def session(**variables: str) -> Session:
    return Session(
        id="s1",
        team_id="t1",
        engineer_id="u1",
        conversation={},
        conversation_key="test:C1:T1",
        started_at=AT,
        updated_at=AT,
        variables=variables,
    )


def step_posts(chat: Chat) -> list[Post]:
    return [r for r in chat.last if isinstance(r, Post) and ":step:" in r.ref]


async def test_step_posts_carry_the_question_and_the_title(alice: Chat) -> None:
    await alice.say("/start vpn-test")
    (first,) = step_posts(alice)
    assert first.view.fallback == "Step 1: Does the internet work without the VPN?"
    await alice.click("Yes")
    (second,) = step_posts(alice)
    assert second.view.fallback == "Step 2 · Restart the VPN client"


@pytest.mark.parametrize(
    ("node", "expected"),
    [
        (
            Node("q", N.DECISION, question="Is it plugged in?", options=(Option("Y", "a"), Option("N", "b"))),
            "Step 3: Is it plugged in?",
        ),
        (
            Node("q", N.DECISION, title="Power", question="Is [VAR:host] on?", options=(Option("Y", "a"),)),
            "Step 3 · Power: Is FS01 on?",
        ),
        (Node("a", N.ACTION, instructions="\nReboot the  router.\nThen wait."), "Step 3: Reboot the router."),
        (Node("a", N.ACTION), "Step 3"),
    ],
)
def test_step_fallback(node: Node, expected: str) -> None:
    header = "Step 3" + (f" · {node.title}" if node.title else "")
    assert step_fallback(header, node, session(host="FS01")) == expected


def test_a_long_question_is_cut_at_a_word_within_150_characters() -> None:
    question = "Does the user see " + "the error about the certificate chain " * 10 + "when connecting?"
    node = Node("q", N.DECISION, question=question, options=(Option("Y", "a"),))
    text = step_fallback("Step 12", node, session())
    assert (
        len(text) <= FALLBACK_CHARS and text.startswith("Step 12: Does the user see the error") and text.endswith("…")
    )
    assert text[:-1].split()[-1] in question.split()  # no word cut in half


def test_shorten_and_answered_view() -> None:
    assert shorten("  a \n b  ") == "a b"
    assert shorten("x" * 400) == "x" * 149 + "…"
    view = answered_view("Does the internet work " * 10, "Yes", "Alice", AT)
    assert len(view.fallback) <= FALLBACK_CHARS
