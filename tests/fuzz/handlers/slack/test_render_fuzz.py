"""Whatever people type, once rendered to Slack it can't ping anyone or hide a link: no ``<!channel>``, ``<!here>``,
``<@U…>``, ``<#C…>`` or ``<url|other text>`` in any mrkdwn text or in the message's ``text`` — every ``<`` and ``>``
of user text arrives as ``&lt;``/``&gt;``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from hypothesis import example, given
from hypothesis import strategies as st

from bot.handlers.slack import mrkdwn, render
from tests.fuzz.strategies import every_block_view, long_texts, texts

ATTACK = "<!channel> <https://evil.example|https://bank.example> <@U0ADMIN> &lt;!here&gt;"


def mrkdwn_texts(value: Any) -> Iterator[str]:
    """Every string Slack parses as mrkdwn: ``mrkdwn`` text objects (at any depth)."""
    if isinstance(value, dict):
        if value.get("type") == "mrkdwn" and isinstance(value.get("text"), str):
            yield value["text"]
        for item in value.values():
            yield from mrkdwn_texts(item)
    elif isinstance(value, list):
        for item in value:
            yield from mrkdwn_texts(item)


def assert_inert(text: str) -> None:
    assert "<" not in text and ">" not in text, text
    assert all(entity in ("&lt;", "&gt;", "&amp;") for entity in _entities(text)), text


def _entities(text: str) -> Iterator[str]:
    start = text.find("&")
    while start >= 0:
        yield text[start : start + 4] if text.startswith(("&lt;", "&gt;"), start) else text[start : start + 5]
        start = text.find("&", start + 1)


@given(long_texts, long_texts, texts, texts, texts, long_texts, texts)
@example(ATTACK, ATTACK, ATTACK, ATTACK, ATTACK, ATTACK, ATTACK)
@example("", "", "", "", "", "", "").via("found: an empty Header made slack_sdk raise SlackObjectFormationError")
def test_user_text_renders_inert(
    title: str, body: str, context: str, label: str, value: str, code: str, fallback: str
) -> None:
    view = every_block_view(title, body, context, label, value, code, fallback)
    for message in render.render_message(view):
        assert_inert(message.text)
        for text in mrkdwn_texts(message.blocks):
            assert_inert(text)


@given(long_texts, st.integers(min_value=0, max_value=400))
@example("a&b<c>" * 10, 7)
def test_escaping_within_a_limit_never_cuts_an_entity(text: str, limit: int) -> None:
    escaped = mrkdwn.escape_within(text, limit)
    assert len(escaped) <= max(limit, len(mrkdwn.texts.ELLIPSIS))
    assert_inert(escaped.removesuffix(mrkdwn.texts.ELLIPSIS))
