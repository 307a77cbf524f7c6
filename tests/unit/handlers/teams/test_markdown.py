"""Card markdown: the engine's light markdown translated; links, mentions and card markup people typed neutralised."""

from __future__ import annotations

import re

import pytest

from bot.handlers.teams.markdown import JOINER, neutralise, plain, split_lines, to_card_markdown, truncate

LINK = re.compile(r"\[[^\]]*\]\(")  # what CommonMark needs for an inline link: "](" adjacent
REF = re.compile(r"\]\[|\]:")


@pytest.mark.parametrize(
    ("raw", "converted"),
    [
        ("*bold*", "**bold**"),
        ("a *b c* d", "a **b c** d"),
        ("_italic_", "_italic_"),
        ("**already**", "**already**"),
        ("2 * 3 * 4", "2 * 3 * 4"),
        ("file_name_here", "file_name_here"),
        ("`code`", "`code`"),
        ("line one\nline two", "line one\n\nline two"),
        ("intro\n• one\n• two\nafter", "intro\n\n- one\n- two\n\nafter"),
        ("* star item\n- dash item", "- star item\n- dash item"),
        ("1. first\n2. second", "1. first\n2. second"),
        ("a\n\n\nb", "a\n\nb"),
        ("a\r\nb", "a\n\nb"),
        ("<b>html</b> & co", "<b>html</b> & co"),  # HTML is not rendered in cards: nothing to escape
    ],
)
def test_light_markdown_is_translated(raw: str, converted: str) -> None:
    assert to_card_markdown(raw) == converted


@pytest.mark.parametrize(
    "typed",
    [
        "[click](https://evil.example)",
        "see [the docs] (https://x) and [here](https://evil)",
        "[x][ref]\n\n[ref]: https://evil.example",
        "![img](https://evil.example/pixel.png)",
    ],
)
def test_links_with_hidden_targets_cannot_be_injected(typed: str) -> None:
    out = to_card_markdown(typed)
    assert not LINK.search(out) and not REF.search(out)
    assert out.replace(JOINER, "").replace("\n\n", "\n") == typed.replace("\n\n", "\n")  # nothing visible changes


@pytest.mark.parametrize("typed", ["<at>Everyone</at>", "<AT>Dana</AT> hi", "<at >x</at >"])
def test_mentions_cannot_be_injected(typed: str) -> None:
    out = neutralise(typed)
    assert not re.search(r"<\s*/?\s*at\b", out, re.IGNORECASE)
    assert out.replace(JOINER, "") == typed


def test_bare_urls_stay_visible() -> None:
    assert to_card_markdown("see https://example.com/kb/123") == "see https://example.com/kb/123"


def test_truncate_and_split_lines() -> None:
    assert truncate("abcdef", 4) == "abc…"
    assert truncate("abc", 4) == "abc"
    assert truncate("abcdef", 5, "~~") == "abc~~"
    assert split_lines("aa\nbb\ncc", 5) == ["aa\nbb", "cc"]
    assert split_lines("x" * 12, 5) == ["xxxxx", "xxxxx", "xx"]
    assert all(len(p) <= 7 for p in split_lines("one two\nthree four five six\nseven", 7))


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("*New user onboarding* starts", "New user onboarding starts"),
        ("`resume` picks it up", "resume picks it up"),
        ("_maybe_ later", "maybe later"),
        ("file_name_here and 2 * 3 * 4", "file_name_here and 2 * 3 * 4"),
    ],
)
def test_plain_drops_the_engines_emphasis_markers(raw: str, shown: str) -> None:
    assert plain(raw) == shown
