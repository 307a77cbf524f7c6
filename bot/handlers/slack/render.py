"""Neutral views -> Slack Block Kit dicts (pure: no network, no bolt).

Blocks are built with ``slack_sdk.models.blocks`` so the SDK's validators check every limit we rely on
(platforms.md §1.6). Long text is split at line boundaries, long messages into continuation messages whose
last one carries the buttons, and anything user-typed is mrkdwn-escaped (only ``&``, ``<`` and ``>``); the text
helpers live in ``mrkdwn``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.views import View as SlackView

from bot.engine.replies import (
    Block,
    Button,
    Buttons,
    Code,
    Context,
    Divider,
    Fields,
    Header,
    Input,
    Mention,
    OpenForm,
    Select,
    Style,
    Text,
    View,
)
from bot.handlers.slack import ids, texts
from bot.handlers.slack.mrkdwn import escape_mrkdwn, escape_within, split_lines, truncate

SECTION_TEXT, FIELD_TEXT, FIELDS_PER_SECTION, HEADER_TEXT = 3000, 2000, 10, 150  # platforms.md §1.6
BUTTON_TEXT, OPTION_TEXT, OPTION_VALUE, OPTIONS, ACTION_ELEMENTS, PLACEHOLDER = 75, 75, 150, 100, 25, 150
MESSAGE_BLOCKS, MESSAGE_CHARS, SURFACE_BLOCKS = 50, 12_000, 100
MODAL_TEXT, INPUT_LABEL, INPUT_VALUE = 24, 2000, 3000
NOTIFICATION_TEXT = 150  # a fallback this short is a notification line, and escaping must not make it longer
FENCE = "```"
PLATFORM = "slack"
USER = re.compile(r"^[UW][A-Z0-9]+$")  # a Slack user id: nothing else goes inside a mention


@dataclass(frozen=True, slots=True)
class RenderedMessage:
    """One Slack message: the notification/accessibility ``text`` and its ``blocks``."""

    text: str
    blocks: list[dict[str, Any]]


def _section(text: str) -> dict[str, Any]:
    return SectionBlock(text=MarkdownTextObject(text=text)).to_dict()


def _text_blocks(block: Text) -> list[dict[str, Any]]:
    return [_section(part) for part in split_lines(escape_mrkdwn(block.text), SECTION_TEXT) if part.strip()]


def _mention_blocks(block: Mention) -> list[dict[str, Any]]:
    """``<@U…>`` for each Slack user mentioned (a real mention notifies them), then the text, escaped."""
    tags = " ".join(
        f"<@{a.platform_user_id}>" for a in block.people if a.platform == PLATFORM and USER.match(a.platform_user_id)
    )
    text = f"{tags} {escape_mrkdwn(block.text)}".strip() if tags else escape_mrkdwn(block.text)
    return [_section(part) for part in split_lines(text, SECTION_TEXT) if part.strip()]


def _code_blocks(block: Code, *, truncate_long: bool) -> list[dict[str, Any]]:
    label = f"*{escape_mrkdwn(block.label)}*\n" if block.label else ""
    code = escape_mrkdwn(block.code.strip("\n")) or " "
    room = SECTION_TEXT - len(label) - 2 * len(FENCE) - 2
    if truncate_long and len(code) > room:
        room -= len(texts.TRUNCATED) + 1
        return [_section(f"{label}{FENCE}\n{split_lines(code, room)[0]}\n{FENCE}\n{texts.TRUNCATED}")]
    pieces = split_lines(code, room)
    return [_section(f"{label if i == 0 else ''}{FENCE}\n{piece}\n{FENCE}") for i, piece in enumerate(pieces)]


def _fields_blocks(block: Fields) -> list[dict[str, Any]]:
    fields = [
        MarkdownTextObject(text=truncate(f"*{escape_mrkdwn(label)}*\n{escape_mrkdwn(value) or ' '}", FIELD_TEXT))
        for label, value in block.items
    ]
    return [
        SectionBlock(fields=fields[i : i + FIELDS_PER_SECTION]).to_dict()
        for i in range(0, len(fields), FIELDS_PER_SECTION)
    ]


def _button(button: Button, index: int) -> ButtonElement:
    style = {Style.PRIMARY: "primary", Style.DANGER: "danger"}.get(button.style)
    return ButtonElement(
        text=truncate(button.label, BUTTON_TEXT),
        action_id=ids.action_id(button.action, index),
        value=ids.ButtonValue(button.session_id, button.state_version, button.value).encode(),
        style=style,
    )


def _select(block: Select, index: int) -> StaticSelectElement:
    if len(block.options) > OPTIONS:
        raise ValueError(f"a select holds at most {OPTIONS} options, got {len(block.options)}")
    options = []
    for option in block.options:
        value = ids.ButtonValue(block.session_id, block.state_version, option.value).encode()
        if len(value) > OPTION_VALUE:
            raise ValueError(f"select option value is {len(value)} characters (max {OPTION_VALUE}): {option.value!r}")
        options.append(Option(text=truncate(option.label, OPTION_TEXT), value=value))
    return StaticSelectElement(
        placeholder=truncate(block.placeholder, PLACEHOLDER),
        action_id=ids.action_id(block.action, index),
        options=options,
    )


def _input(block: Input) -> dict[str, Any]:
    element = PlainTextInputElement(
        action_id=ids.INPUT_ACTION,
        multiline=block.multiline,
        initial_value=truncate(block.initial, INPUT_VALUE) or None,
        placeholder=truncate(block.placeholder, PLACEHOLDER) or None,
    )
    label = truncate(block.label, INPUT_LABEL) or block.name
    return InputBlock(block_id=block.name, label=label, element=element, optional=block.optional).to_dict()


def render_blocks(blocks: tuple[Block, ...], *, in_modal: bool = False) -> list[dict[str, Any]]:
    """Block Kit dicts for neutral blocks; action ids are numbered uniquely across the whole list.

    ``Input`` blocks become ``input`` blocks only ``in_modal``; in a message they are left out. In a modal a long
    ``Code`` block is truncated rather than split.
    """
    out: list[dict[str, Any]] = []
    counter = 0
    for block in blocks:
        if isinstance(block, Header):
            if block.text.strip():  # Slack refuses an empty header (a blank title must not fail the whole message)
                out.append(HeaderBlock(text=truncate(block.text, HEADER_TEXT)).to_dict())
        elif isinstance(block, Mention):
            out.extend(_mention_blocks(block))
        elif isinstance(block, Text):
            out.extend(_text_blocks(block))
        elif isinstance(block, Context):
            text = escape_within(block.text, SECTION_TEXT)
            out.append(ContextBlock(elements=[MarkdownTextObject(text=text)]).to_dict())
        elif isinstance(block, Fields):
            out.extend(_fields_blocks(block))
        elif isinstance(block, Code):
            out.extend(_code_blocks(block, truncate_long=in_modal))
        elif isinstance(block, Divider):
            out.append(DividerBlock().to_dict())
        elif isinstance(block, Buttons):
            for start in range(0, len(block.buttons), ACTION_ELEMENTS):
                row = block.buttons[start : start + ACTION_ELEMENTS]
                out.append(ActionsBlock(elements=[_button(b, counter + i) for i, b in enumerate(row)]).to_dict())
                counter += len(row)
        elif isinstance(block, Select):
            out.append(ActionsBlock(elements=[_select(block, counter)]).to_dict())
            counter += 1
        elif isinstance(block, Input) and in_modal:
            out.append(_input(block))
    return out


def _weight(value: Any) -> int:
    """Characters of visible text inside a block dict (what Slack's total-size check counts, roughly)."""
    if isinstance(value, dict):
        return sum(len(v) if k == "text" and isinstance(v, str) else _weight(v) for k, v in value.items())
    if isinstance(value, list):
        return sum(_weight(v) for v in value)
    return 0


def _fits(blocks: list[dict[str, Any]]) -> bool:
    return len(blocks) <= MESSAGE_BLOCKS and sum(_weight(b) for b in blocks) <= MESSAGE_CHARS


def _pack(blocks: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    groups: list[list[dict[str, Any]]] = []
    current: list[dict[str, Any]] = []
    for block in blocks:
        if current and not _fits([*current, block]):
            groups.append(current)
            current = []
        current.append(block)
    if current:
        groups.append(current)
    return groups


def _split(blocks: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Blocks grouped into messages; every ``actions`` block ends up in the last message."""
    if _fits(blocks):
        return [blocks]
    first_action = next((i for i, b in enumerate(blocks) if b["type"] == "actions"), len(blocks))
    head, tail = blocks[:first_action], blocks[first_action:]
    if _fits(tail):
        groups = _pack(head)
        if groups and tail and _fits(groups[-1] + tail):
            groups[-1] = groups[-1] + tail
        elif tail:
            groups.append(tail)
        return groups
    actions = [b for b in blocks if b["type"] == "actions"]
    return _pack([b for b in blocks if b["type"] != "actions"]) + _pack(actions)


def _fallback(view: View) -> str:
    text = view.fallback.strip()
    if not text:
        text = next((b.text for b in view.blocks if isinstance(b, Header | Text | Context) and b.text.strip()), "")
    return text.strip() or texts.FALLBACK


def _notification(text: str) -> str:
    """Escaped; a short text stays within ``NOTIFICATION_TEXT``, a long one (read out by screen readers, which
    skip the blocks) within a section's length."""
    return escape_within(text, NOTIFICATION_TEXT if len(text) <= NOTIFICATION_TEXT else SECTION_TEXT)


def fallback_text(view: View) -> str:
    """The message's ``text``: the view's fallback, else its first header/text, escaped; never empty. A fallback of
    up to 150 characters (a notification line, like a step's) stays within 150 once escaped; longer ones are cut
    at 3000."""
    return _notification(_fallback(view))


def render_message(view: View) -> list[RenderedMessage]:
    """One or more Slack messages for a view (continuation messages when it exceeds 50 blocks / ~12,000 chars).

    Action blocks are kept in the last message, so the buttons stay at the bottom.
    """
    text = fallback_text(view)
    groups = _split(render_blocks(view.blocks))
    if not groups:
        return [RenderedMessage(text, [])]
    more = _notification(f"{texts.CONTINUED} {_fallback(view)}")
    return [RenderedMessage(text if i == 0 else more, group) for i, group in enumerate(groups)]


def _fit_surface(blocks: list[dict[str, Any]], limit: int, marker: str) -> list[dict[str, Any]]:
    if len(blocks) <= limit:
        return blocks
    kept = blocks[: limit - 1]
    note = marker.format(n=len(blocks) - len(kept))
    return [*kept, ContextBlock(elements=[MarkdownTextObject(text=note)]).to_dict()]


def render_modal(form: OpenForm, metadata: ids.FormMetadata) -> dict[str, Any]:
    """A modal view dict for ``views.open``: intro blocks, then one ``input`` block per input (≤100 blocks)."""
    inputs = [_input(i) for i in form.inputs][:SURFACE_BLOCKS]
    room = SURFACE_BLOCKS - len(inputs)
    intro = _fit_surface(render_blocks(form.intro, in_modal=True), room, texts.TRUNCATED) if room > 1 else []
    view = SlackView(
        type="modal",
        callback_id=ids.callback_id(form.form),
        title=truncate(form.title, MODAL_TEXT) or texts.FALLBACK,
        submit=truncate(form.submit_label, MODAL_TEXT) or texts.SUBMIT,
        close=texts.MODAL_CLOSE,
        private_metadata=metadata.encode(),
        blocks=[*intro, *inputs],
    )
    return view.to_dict()


def render_home(sections: list[View]) -> dict[str, Any]:
    """The App Home view: each section's blocks, dividers between sections, at most 100 blocks."""
    combined: list[Block] = []
    for i, section in enumerate(sections):
        if i:
            combined.append(Divider())
        combined.extend(section.blocks)
    blocks = render_blocks(tuple(combined))
    return {"type": "home", "blocks": _fit_surface(blocks, SURFACE_BLOCKS, texts.MORE)}
