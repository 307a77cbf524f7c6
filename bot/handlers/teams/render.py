"""Neutral views -> Teams messages carrying one Adaptive Card each (pure: no network, no SDK objects).

A view becomes one or more messages: each is an Adaptive Card 1.5 (``msteams.width: Full``) plus a plain summary
for notifications. Elements come from ``render_elements`` (one concept per block type). A view too large for one
message is split into continuation messages whose last one carries the actions, as on Slack.

Limits (platforms.md §2.5): a bot message is documented at ~100 KB (older revisions 40 KB) and other Teams paths cap
at ~28 KB, counted over the message's content (text, summary, attachments, entities) *encoded as UTF-16*. Every
message here stays within ``MESSAGE_BYTES`` = 28,000 bytes counted that way over the JSON the SDK sends
(``json.dumps``, ASCII-escaped, so two bytes a character: about 14,000 characters of card JSON), less
``ENVELOPE_BYTES`` for the activity fields the SDK adds (from, recipient, conversation, serviceUrl, replyToId).
Teams shows up to six primary actions per set, so button rows are cut at six. An element that alone would not fit
(only pathological text gets there past the per-element limits in ``render_elements``) is replaced by a short notice
rather than sent to fail with HTTP 413 ``MessageSizeTooBig``.

A ``Mention`` block is a paragraph with a real @mention of each Teams person in front (``<at>Name</at>`` in the text
and a ``mention`` entity in the card's ``msteams.entities``, which is what makes Teams notify them); people from
another platform are named in plain text. The entities travel with the message that holds their paragraph.

``Input`` blocks are left out of messages (forms are rendered by ``render_form``). A ``Divider`` becomes the
``separator`` of the element after it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from bot.engine.replies import Block, Buttons, Code, Context, Divider, Fields, Header, Mention, Select, Text, View
from bot.handlers.teams import render_elements as el
from bot.handlers.teams import texts
from bot.handlers.teams.markdown import plain, to_card_markdown, truncate

SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
CARD_VERSION = "1.5"
CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
MESSAGE_BYTES, ENVELOPE_BYTES = 28_000, 2_000
SUMMARY_CHARS = 150  # a notification line
STREAM_CHARS = 12_000  # streamed text shown before the finished card replaces it (within MESSAGE_BYTES as UTF-16)
CURSOR = "▍"  # the neutral streaming view's "still writing" mark


def wire_size(value: Any) -> int:
    """Bytes of ``value`` as Teams counts a message: the JSON the SDK puts on the wire (aiohttp's ``json.dumps``,
    ASCII-escaped) encoded as UTF-16."""
    return len(json.dumps(value).encode("utf-16-le"))


SEPARATOR = wire_size(", ")  # between two elements of a JSON list


@dataclass(frozen=True, slots=True)
class RenderedMessage:
    """One Teams message: the notification ``summary`` and its Adaptive Card."""

    summary: str
    card: dict[str, Any]

    def attachment(self) -> dict[str, Any]:
        """The activity attachment (``CardFactory.adaptive_card`` shape)."""
        return {"contentType": CARD_CONTENT_TYPE, "content": self.card}

    def activity(self) -> dict[str, Any]:
        """The message activity's own fields (``Activity.model_validate`` accepts it; the sender adds the rest).
        No ``text``: Teams would show it above the card; ``summary`` feeds notifications."""
        return {"type": "message", "summary": self.summary, "attachments": [self.attachment()]}


def card(body: list[dict[str, Any]], summary: str = "", entities: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """An Adaptive Card 1.5 around ``body``; ``fallbackText`` for hosts that cannot render it; the ``mention``
    ``entities`` of the ``<at>`` tags in its text."""
    content: dict[str, Any] = {"type": "AdaptiveCard", "$schema": SCHEMA, "version": CARD_VERSION, "body": body}
    content["msteams"] = {"width": "Full"} | ({"entities": entities} if entities else {})
    if summary:
        content["fallbackText"] = summary
    return content


@dataclass(slots=True)
class Unit:
    """Elements that stay in the same message (a select and its submit; a code label and its first chunk), and the
    mention entities their text needs."""

    elements: list[dict[str, Any]]
    actions: bool = False
    entities: list[dict[str, Any]] = field(default_factory=list)
    size: int = field(default=0, compare=False)

    def __post_init__(self) -> None:
        parts = [*self.elements, *self.entities]
        self.size = sum(wire_size(e) for e in parts) + SEPARATOR * max(len(parts) - 1, 0)


def entities_of(units: list[Unit]) -> list[dict[str, Any]]:
    """The mention entities of ``units``, each person once."""
    seen: dict[tuple[str, str], dict[str, Any]] = {}
    for unit in units:
        for entity in unit.entities:
            seen.setdefault((str(entity.get("text")), str(entity.get("mentioned", {}).get("id"))), entity)
    return list(seen.values())


def units_of(blocks: tuple[Block, ...], *, home: bool = False, truncate_code: bool = False) -> list[Unit]:
    """The view's blocks as units, in order. Selects are numbered across the whole list (input ids stay unique)."""
    units: list[Unit] = []
    selects = 0
    separate = False
    for block in blocks:
        before = len(units)
        if isinstance(block, Header):
            units.append(Unit([el.header(block)]))
        elif isinstance(block, Mention):
            elements, entities = el.mention(block)
            units.extend(Unit([e], entities=entities if i == 0 else []) for i, e in enumerate(elements))
        elif isinstance(block, Text):
            units.extend(Unit([e]) for e in el.paragraphs(block))
        elif isinstance(block, Context):
            units.append(Unit([el.context(block)]))
        elif isinstance(block, Fields):
            units.extend(Unit([e]) for e in el.fact_sets(block))
        elif isinstance(block, Code):
            units.extend(Unit(group) for group in el.code_blocks(block, truncate_long=truncate_code))
        elif isinstance(block, Buttons):
            units.extend(Unit([e], actions=True) for e in el.action_sets(block.buttons, home=home))
        elif isinstance(block, Select):
            units.append(Unit(el.select(block, selects, home=home), actions=True))
            selects += 1
        elif isinstance(block, Divider):
            separate = True
        if separate and len(units) > before:
            first = units[before]
            first.elements[0] = {**first.elements[0], "separator": True, "spacing": "medium"}
            units[before] = Unit(first.elements, first.actions, first.entities)
            separate = False
    return units


def render_blocks(blocks: tuple[Block, ...]) -> list[dict[str, Any]]:
    """Card body elements for neutral blocks (``Input`` blocks are left out: see ``render_form``)."""
    return [e for unit in units_of(blocks) for e in unit.elements]


def budget(summary: str) -> int:
    """Bytes left for the body elements of a message with this summary."""
    empty = RenderedMessage(summary, card([], summary)).activity()
    return MESSAGE_BYTES - ENVELOPE_BYTES - wire_size(empty)


def _size(units: list[Unit]) -> int:
    return sum(u.size for u in units) + SEPARATOR * max(len(units) - 1, 0)


def _fit_alone(unit: Unit, room: int) -> Unit:
    if unit.size <= room:
        return unit
    return Unit([el.text_block(texts.TOO_LARGE, isSubtle=True)], actions=False)


def _pack(units: list[Unit], room: int) -> list[list[Unit]]:
    groups: list[list[Unit]] = []
    current: list[Unit] = []
    for unit in units:
        if current and _size([*current, unit]) > room:
            groups.append(current)
            current = []
        current.append(unit)
    if current:
        groups.append(current)
    return groups


def split(units: list[Unit], room: int) -> list[list[Unit]]:
    """Units grouped into messages of at most ``room`` bytes; every action unit ends up in the last message(s)."""
    units = [_fit_alone(u, room) for u in units]
    if _size(units) <= room:
        return [units] if units else []
    first_action = next((i for i, u in enumerate(units) if u.actions), len(units))
    head, tail = units[:first_action], units[first_action:]
    if _size(tail) <= room:
        groups = _pack(head, room)
        if groups and tail and _size(groups[-1] + tail) <= room:
            groups[-1] = groups[-1] + tail
        elif tail:
            groups.append(tail)
        return groups
    return _pack([u for u in units if not u.actions], room) + _pack([u for u in units if u.actions], room)


def _fallback(view: View) -> str:
    text = view.fallback.strip()
    if not text:
        text = next((b.text for b in view.blocks if isinstance(b, Header | Text | Context) and b.text.strip()), "")
    return text.strip() or texts.FALLBACK


def summary_of(view: View) -> str:
    """The message's notification summary: the view's fallback, else its first header/text; never empty, at most
    ``SUMMARY_CHARS``. Plain text (Teams does not render markdown there): the engine's emphasis markers are dropped,
    and nothing needs escaping."""
    return truncate(" ".join(plain(_fallback(view)).split()), SUMMARY_CHARS)


def render_message(view: View) -> list[RenderedMessage]:
    """One or more Teams messages for a view; continuation messages say so in their summary, and the buttons stay
    in the last one. An ``Update`` of a posted card uses the last message (the one with the buttons)."""
    first = summary_of(view)
    more = truncate(f"{texts.CONTINUED} {first}", SUMMARY_CHARS)
    groups = split(units_of(view.blocks), min(budget(first), budget(more)))
    if not groups:
        return [RenderedMessage(first, card([], first))]
    out = []
    for i, group in enumerate(groups):
        summary = first if i == 0 else more
        out.append(RenderedMessage(summary, card([e for u in group for e in u.elements], summary, entities_of(group))))
    return out


def fit(units: list[Unit], room: int, marker: str = texts.MORE) -> list[Unit]:
    """The leading units that fit in ``room``, and a subtle ``marker`` line (``{n}`` = units left out) when cut."""
    if _size(units) <= room:
        return units
    kept: list[Unit] = []
    for i, unit in enumerate(units):
        note = Unit([el.text_block(marker.format(n=len(units) - i), isSubtle=True, size="small")])
        if _size([*kept, unit, note]) > room:
            return [*kept, note]
        kept.append(unit)
    return kept  # pragma: no cover - everything fitting was handled above


def stream_text(view: View, limit: int = STREAM_CHARS) -> str:
    """What a Teams stream shows of a view still being written (``View.partial``): its paragraphs as Teams
    markdown, without the status line and without the trailing cursor (``▍``) the neutral streaming view ends with --
    Teams draws its own progress, and streamed text may only grow. Cut (no marker, so it stays a prefix of what
    follows) at ``limit`` characters."""
    paragraphs = "\n\n".join(b.text for b in view.blocks if isinstance(b, Text) and b.text.strip())
    return to_card_markdown(paragraphs.rstrip().removesuffix(CURSOR).rstrip())[:limit]


def render_home(sections: list[View]) -> RenderedMessage:
    """The personal "home" card (Slack's App Home): each section's blocks, dividers between sections, cut to one
    message with "…and N more". Its buttons are marked as home buttons (their clicks carry no conversation)."""
    combined: list[Block] = []
    for i, section in enumerate(sections):
        if i:
            combined.append(Divider())
        combined.extend(section.blocks)
    summary = summary_of(sections[0]) if sections else texts.FALLBACK
    units = fit(units_of(tuple(combined), home=True), budget(summary))
    return RenderedMessage(summary, card([e for u in units for e in u.elements], summary, entities_of(units)))


def render_notice(text: str) -> dict[str, Any]:
    """A one-line card (markdown converted) to replace a card after an action, e.g. a closed form."""
    return card(el.paragraphs(Text(text)) or [el.text_block(" ")], summary_of(View((Text(text),))))
