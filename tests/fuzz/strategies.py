"""Strategies shared by the fuzz properties: JSON-ish values, and realistic payloads with parts spoilt.

Pure random JSON rarely gets past a parser's first check, so most properties start from a real payload
(``tests/fixtures/slack``, the Teams payload builders) and let ``mutated`` keep, drop or replace each part at any
depth with random JSON, strings with markup in them, or a value of another type.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from bot.engine.events import ActionId
from bot.engine.replies import Button, Buttons, Code, Context, Fields, Header, Text, View

HOSTILE_WORDS = (
    "<!channel>",
    "<!here>",
    "<!everyone>",
    "<@U0ADMIN>",
    "<#C0SECRET>",
    "<!subteam^S1>",
    "<https://evil.example|https://bank.example>",
    "<mailto:a@evil.example|boss>",
    "[https://bank.example](https://evil.example)",
    "<at>Admin</at>",
    "&lt;!channel&gt;",
    "&amp;lt;",
    "\u202e",
    "\x00",
    "\u2060",
    "{{DATE(2025-01-01T00:00:00Z)}}",
    "```",
    "*",
    "_",
    "~",
    "`",
    "]",
    "[",
    "(",
    ")",
    ";messageid=",
    "rf1.",
    "%",
    "..",
    "\n",
    "\r\n",
)

texts = st.one_of(
    st.text(max_size=80),
    st.lists(st.sampled_from(HOSTILE_WORDS) | st.text(max_size=6), max_size=8).map("".join),
)
"""Short strings: random Unicode, or a mix of markup fragments (mentions, links, entities, control characters)."""

long_texts = texts | st.lists(texts, max_size=60).map(" ".join)


def every_block_view(title: str, body: str, context: str, label: str, value: str, code: str, fallback: str) -> View:
    """A view with one block of every kind, each carrying user text: what the render properties feed each
    platform's renderer."""
    return View(
        blocks=(
            Header(title),
            Text(body),
            Context(context),
            Fields(((label, value),)),
            Code(code, label=label),
            Buttons((Button(label or "x", ActionId.CHOOSE, "sess-1", 1, value),)),
        ),
        fallback=fallback,
    )


scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63),
    st.floats(allow_nan=False, allow_infinity=False),
    texts,
)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(texts, inner, max_size=4),
    max_leaves=12,
)
"""Any JSON value (as ``json.loads`` gives it), kept small."""


def mutated(value: Any) -> st.SearchStrategy[Any]:
    """``value`` (a parsed JSON payload) with each part kept, or replaced by random JSON, at every depth; mapping
    keys may also disappear and random keys appear."""
    if isinstance(value, dict):
        return mutated_mapping(value) | json_values.filter(lambda v: not isinstance(v, dict))
    if isinstance(value, list):
        return st.one_of(st.tuples(*[mutated(item) for item in value]).map(list), st.lists(json_values, max_size=3))
    return st.one_of(st.just(value), st.just(value), json_values, texts)


def mutated_mapping(value: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    """Like ``mutated`` but always a mapping (a request body that parsed as a JSON object)."""
    parts = {
        key: st.one_of(st.just(_MISSING), mutated(item), mutated(item), mutated(item)) for key, item in value.items()
    }
    return st.tuples(st.fixed_dictionaries(parts), st.dictionaries(texts, json_values, max_size=2)).map(
        lambda pair: {k: v for k, v in pair[0].items() if v is not _MISSING} | pair[1]
    )


_MISSING = object()
