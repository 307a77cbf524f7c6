"""Whatever people type, once rendered to a Teams card it can't mention anyone or hide a link's target: no
``<at>`` tag, no ``[text](url)`` or reference link in any card text, and no mention entity the engine didn't ask
for."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from hypothesis import example, given

from bot.handlers.teams import markdown, render
from tests.fuzz.strategies import every_block_view, long_texts, texts

ATTACK = "<at>Admin</at> [https://bank.example](https://evil.example) [bank][1]\n[1]: https://evil.example"
HIDDEN_LINK = re.compile(r"\]\s*[(\[:]")
MENTION_TAG = re.compile(r"<\s*/?\s*at\b", re.IGNORECASE)


def card_texts(value: Any) -> Iterator[str]:
    """Every markdown string of a card: TextBlock/TextRun ``text``, FactSet ``title``/``value`` (action titles and
    code snippets are shown literally)."""
    if isinstance(value, dict):
        if value.get("type") in ("TextBlock", "TextRun") and isinstance(value.get("text"), str):
            yield value["text"]
        if value.get("type") == "FactSet":
            for fact in value.get("facts", []):
                yield from (fact["title"], fact["value"])
        for item in value.values():
            yield from card_texts(item)
    elif isinstance(value, list):
        for item in value:
            yield from card_texts(item)


def assert_inert(text: str) -> None:
    assert not HIDDEN_LINK.search(text), text
    assert not MENTION_TAG.search(text), text


@given(long_texts, long_texts, texts, texts, texts, long_texts, texts)
@example(ATTACK, ATTACK, ATTACK, ATTACK, ATTACK, ATTACK, ATTACK)
def test_user_text_renders_inert(
    title: str, body: str, context: str, label: str, value: str, code: str, fallback: str
) -> None:
    view = every_block_view(title, body, context, label, value, code, fallback)
    for message in render.render_message(view):
        assert not [e for e in message.card.get("msteams", {}).get("entities", []) if e.get("type") == "mention"]
        for text in card_texts(message.card.get("body", [])):
            assert_inert(text)


@given(long_texts)
@example(ATTACK)
def test_card_markdown_is_inert_and_keeps_the_words(text: str) -> None:
    rendered = markdown.to_card_markdown(text)
    assert_inert(rendered)
    assert_inert(markdown.neutralise(text))
    words = {w for w in re.split(r"[\s*_\-•◦▪\u2060\[\]<>()]+", text) if w.isalnum()}
    assert all(word in rendered for word in words)
