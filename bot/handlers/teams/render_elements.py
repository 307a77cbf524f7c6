"""Adaptive Card elements for the engine's neutral blocks (pure: dicts in the Adaptive Cards 1.5 JSON shape).

One function per block type; ``render`` (messages) and ``render_form`` (form cards) assemble them into cards.
Every text property that Teams renders as markdown goes through ``markdown.to_card_markdown`` (the engine's light
markdown translated, links and mentions neutralised); plain-text properties (action titles, input labels, choice
titles, placeholders) are only cut to size. Limits marked "ours" are not Teams limits but keep one element well
inside a message's budget (see ``render``).
"""

from __future__ import annotations

from typing import Any

from bot.engine.events import Actor
from bot.engine.replies import Button, Code, Context, Fields, Header, Input, Mention, Select, Style, Text
from bot.handlers.teams import ids, texts
from bot.handlers.teams.markdown import neutralise, split_lines, to_card_markdown, truncate, wire_len

# Sizes are in wire bytes (``markdown.wire_len``: non-ASCII costs 6 bytes, emoji 12), all ours; Teams counts a
# message as UTF-16, twice that, so each element stays well under ``render.MESSAGE_BYTES`` (a code chunk is sent twice:
# the CodeBlock and its fallback).
HEADER_BYTES, CONTEXT_BYTES, TEXT_BYTES, CODE_BYTES = 600, 3000, 8000, 4000
FACT_TITLE_BYTES, FACT_VALUE_BYTES, FACTS_PER_SET = 200, 1000, 8
NAME_CHARS = 100  # a mentioned person's name (ours)
BOT_ID_PREFIX = "28:"  # Teams ids of bots; never mentioned
# Plain-text properties, in characters (ours).
BUTTON_TEXT, CHOICE_TEXT, PLACEHOLDER, INPUT_LABEL, INPUT_VALUE = 50, 150, 150, 200, 5000
ACTIONS_PER_SET = 6  # Teams shows up to six primary actions (cards-format docs, "Adaptive Cards overflow menu")
FILTERED_CHOICES = 10  # more options than this get Teams' type-ahead ("filtered") choice set
STYLES = {Style.PRIMARY: "positive", Style.DANGER: "destructive"}
CODE_LANGUAGES = {
    "bash": "Bash", "sh": "Bash", "shell": "Bash", "zsh": "Bash", "c": "C", "cpp": "C++", "c++": "C++",
    "csharp": "C#", "cs": "C#", "c#": "C#", "css": "CSS", "cmd": "DOS", "bat": "DOS", "batch": "DOS", "dos": "DOS",
    "go": "Go", "graphql": "GraphQL", "html": "HTML", "java": "Java", "javascript": "JavaScript", "js": "JavaScript",
    "json": "JSON", "perl": "Perl", "php": "PHP", "powershell": "PowerShell", "ps1": "PowerShell",
    "pwsh": "PowerShell", "python": "Python", "py": "Python", "sql": "SQL", "typescript": "TypeScript",
    "ts": "TypeScript", "vb": "VbNet", "vbnet": "VbNet", "xml": "XML",
}  # fmt: skip  # the CodeBlock languages Teams highlights; anything else is PlainText


def text_block(text: str, **props: Any) -> dict[str, Any]:
    """A wrapping ``TextBlock`` of card markdown that is already converted."""
    return {"type": "TextBlock", "text": text, "wrap": True, **props}


def header(block: Header) -> dict[str, Any]:
    """A bold heading line."""
    text = to_card_markdown(truncate(block.text, HEADER_BYTES, measure=wire_len))
    return text_block(text or " ", weight="bolder", size="medium", style="heading")


def paragraphs(block: Text) -> list[dict[str, Any]]:
    """One ``TextBlock`` per chunk of up to ``TEXT_BYTES``, cut at line boundaries."""
    pieces = [to_card_markdown(part) for part in split_lines(block.text, TEXT_BYTES, wire_len)]
    return [text_block(piece) for piece in pieces if piece.strip()]


def mention_entity(actor: Actor) -> tuple[str, dict[str, Any]]:
    """``<at>Name</at>`` and the ``mention`` entity that makes it notify ``actor`` (a Teams person: ``29:`` or Entra
    object id). The name loses the characters that would break the tag or its markdown."""
    raw = actor.display_name or actor.platform_user_id
    name = " ".join("".join(c for c in raw if c not in "<>[]").split())[:NAME_CHARS] or actor.platform_user_id
    tag = f"<at>{name}</at>"
    return tag, {"type": "mention", "text": tag, "mentioned": {"id": actor.platform_user_id, "name": name}}


def mentionable(actor: Actor) -> bool:
    """Whether ``actor`` is a Teams person we can @mention (not someone from another platform, not a bot)."""
    user_id = actor.platform_user_id
    return actor.platform == ids.PLATFORM and bool(user_id) and not user_id.startswith(BOT_ID_PREFIX)


def mention(block: Mention) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """A ``Mention``: its paragraphs with a real @mention of each Teams person in front of the first (and the
    entities those need), people from other platforms as a plain ``@Name``."""
    names: list[str] = []
    entities: list[dict[str, Any]] = []
    for person in block.people:
        if mentionable(person):
            tag, entity = mention_entity(person)
            names.append(tag)
            if entity not in entities:
                entities.append(entity)
        else:
            name = " ".join((person.display_name or person.platform_user_id).split())[:NAME_CHARS]
            names.append(to_card_markdown(f"@{name}") if name else "")
    prefix = " ".join(n for n in names if n)
    elements = paragraphs(Text(block.text))
    if not prefix:
        return elements, []
    if not elements:
        return [text_block(prefix)], entities
    return [text_block(f"{prefix} {elements[0]['text']}"), *elements[1:]], entities


def context(block: Context) -> dict[str, Any]:
    """A small, subtle line."""
    text = to_card_markdown(truncate(block.text, CONTEXT_BYTES, measure=wire_len))
    return text_block(text or " ", isSubtle=True, size="small")


def fact_sets(block: Fields) -> list[dict[str, Any]]:
    """``FactSet``s of up to ``FACTS_PER_SET`` label/value pairs."""
    facts = [
        {
            "title": to_card_markdown(truncate(label, FACT_TITLE_BYTES, measure=wire_len)) or " ",
            "value": to_card_markdown(truncate(value, FACT_VALUE_BYTES, measure=wire_len)) or " ",
        }
        for label, value in block.items
    ]
    return [{"type": "FactSet", "facts": facts[i : i + FACTS_PER_SET]} for i in range(0, len(facts), FACTS_PER_SET)]


def _code_fallback(code: str) -> dict[str, Any]:
    """What clients without Teams' ``CodeBlock`` show: monospace text on an emphasis background (markdown still
    applies there, so links and mentions are neutralised and every line is its own paragraph)."""
    lines = [neutralise(line) for line in code.split("\n")]
    body = text_block("\n\n".join(lines) or " ", fontType="monospace", size="small")
    return {"type": "Container", "style": "emphasis", "items": [body]}


def code_blocks(block: Code, *, truncate_long: bool = False) -> list[list[dict[str, Any]]]:
    """Groups of elements for a code block: Teams' ``CodeBlock`` (literal text, no markdown) per chunk of up to
    ``CODE_BYTES`` cut at line boundaries, line numbers continuing; the label (bold) travels with the
    first chunk. ``truncate_long`` keeps only the first chunk, marked as truncated (forms cannot be split)."""
    code = block.code.strip("\n") or " "
    pieces = split_lines(code, CODE_BYTES, wire_len)
    if truncate_long and len(pieces) > 1:
        pieces = [pieces[0] + "\n" + texts.TRUNCATED]
    language = CODE_LANGUAGES.get(block.language.strip().lower(), "PlainText")
    label_text = to_card_markdown(truncate(block.label, HEADER_BYTES, measure=wire_len))
    label = [text_block(label_text, weight="bolder", size="small")] if label_text.strip() else []
    groups: list[list[dict[str, Any]]] = []
    line = 1
    for i, piece in enumerate(pieces):
        element = {
            "type": "CodeBlock",
            "codeSnippet": piece,
            "language": language,
            "startLineNumber": line,
            "fallback": _code_fallback(piece),
        }
        line += piece.count("\n") + 1
        groups.append([*(label if i == 0 else []), element])
    return groups


def execute(title: str, data: dict[str, Any], *, style: str = "", with_inputs: bool = False) -> dict[str, Any]:
    """An ``Action.Execute`` (verb from ``data``) with an ``Action.Submit`` fallback for clients without Universal
    Actions. Only ``with_inputs`` actions collect (and validate) the card's inputs."""
    common: dict[str, Any] = {
        "title": truncate(title, BUTTON_TEXT) or texts.FALLBACK,
        "data": data,
        "associatedInputs": "auto" if with_inputs else "none",
    }
    if style:
        common["style"] = style
    fallback = {"type": "Action.Submit", **common}
    return {"type": "Action.Execute", "verb": data[ids.VERB_KEY], **common, "fallback": fallback}


def button(button: Button, *, home: bool = False) -> dict[str, Any]:
    """One button: an ``Action.Execute`` whose verb names the engine's action."""
    data = ids.ButtonData(button.session_id, button.state_version, button.value, home=home).to_data(button.action)
    return execute(button.label, data, style=STYLES.get(button.style, ""))


def action_sets(buttons: tuple[Button, ...], *, home: bool = False) -> list[dict[str, Any]]:
    """``ActionSet``s of up to ``ACTIONS_PER_SET`` buttons each."""
    return [
        {"type": "ActionSet", "actions": [button(b, home=home) for b in buttons[i : i + ACTIONS_PER_SET]]}
        for i in range(0, len(buttons), ACTIONS_PER_SET)
    ]


def select(block: Select, index: int, *, home: bool = False) -> list[dict[str, Any]]:
    """A drop-down and the button that submits it (Teams cards cannot submit on change): an ``Input.ChoiceSet``
    holding the raw option values, and an ``Action.Execute`` whose data names the choice set."""
    choice_set = {
        "type": "Input.ChoiceSet",
        "id": ids.select_id(index),
        "style": "filtered" if len(block.options) > FILTERED_CHOICES else "compact",
        "isMultiSelect": False,
        "placeholder": truncate(block.placeholder, PLACEHOLDER),
        "choices": [{"title": truncate(o.label, CHOICE_TEXT) or o.value, "value": o.value} for o in block.options],
    }
    payload = ids.ButtonData(block.session_id, block.state_version, input_id=ids.select_id(index), home=home)
    submit = execute(texts.CHOOSE, payload.to_data(block.action), with_inputs=True)
    return [choice_set, {"type": "ActionSet", "actions": [submit]}]


def text_input(block: Input, *, secret: bool = False) -> dict[str, Any]:
    """An ``Input.Text`` for a form (required unless optional; masked when ``secret``)."""
    element: dict[str, Any] = {
        "type": "Input.Text",
        "id": ids.input_id(block.name),
        "label": truncate(block.label, INPUT_LABEL) or block.name,
        "isMultiline": block.multiline,
        "isRequired": not block.optional,
    }
    if block.initial:
        element["value"] = truncate(block.initial, INPUT_VALUE, texts.TRUNCATED)
    if block.placeholder:
        element["placeholder"] = truncate(block.placeholder, PLACEHOLDER)
    if not block.optional:
        element["errorMessage"] = texts.REQUIRED
    if secret:
        element["style"] = "password"
    return element
