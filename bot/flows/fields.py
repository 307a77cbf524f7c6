"""Which fields each part of a flow file may have, and a builder that converts them while collecting errors."""

from __future__ import annotations

from enum import StrEnum
from typing import Any, TypeVar

from bot.flows.errors import FlowError, suggest
from bot.flows.model import (
    Command,
    ContentType,
    Node,
    NodeType,
    Option,
    Target,
    Variable,
    VerificationType,
)
from bot.flows.yaml_lines import LineDict

E = TypeVar("E", bound=StrEnum)

TOP_FIELDS = (
    "key",
    "name",
    "kind",
    "version",
    "status",
    "visibility",
    "category",
    "folder",
    "description",
    "tags",
    "keywords",
    "start",
    "nodes",
    "steps",
    "variables",
    "targets",
    "schedule",
    "ticket",
    "deadline",
)

_STEP = (
    "id",
    "type",
    "title",
    "description",
    "content_type",
    "commands",
    "expected_outcome",
    "verification_type",
    "verification_prompt",
    "warning",
    "estimated_minutes",
    "reference_url",
    "step",
)
NODE_FIELDS: dict[NodeType, tuple[str, ...]] = {
    NodeType.DECISION: ("id", "type", "title", "question", "options"),
    NodeType.ACTION: ("id", "type", "title", "instructions", "commands", "expected_outcome", "next", "step"),
    NodeType.SOLUTION: ("id", "type", "title", "resolution", "followups"),
    NodeType.SUBFLOW: ("id", "type", "title", "flow", "next"),
    NodeType.PROCEDURE_STEP: _STEP,
    NodeType.SECTION_HEADER: ("id", "type", "title", "description"),
    NodeType.PROCEDURE_END: ("id", "type", "title", "description", "warning"),
}
OPTION_FIELDS = ("label", "next", "value")
COMMAND_FIELDS = ("code", "label", "language")
VARIABLE_FIELDS = ("name", "label", "required", "default", "description")
TARGET_FIELDS = ("label", "notes")
BOOL_HINT = 'YAML reads unquoted yes/no/on/off as true/false, so write it in quotes ("Yes")'


class Builder:
    """Converts raw YAML values into model values; every problem becomes a ``FlowError``."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.errors: list[FlowError] = []
        # lines of list items such as "targets.1" or "variables.0", kept in ``Flow.field_lines``
        self.item_lines: dict[str, int] = {}

    def error(self, line: int, message: str, code: str) -> None:
        """Record a problem."""
        self.errors.append(FlowError(self.path, line, message, code))

    def _unknown(self, raw: LineDict, allowed: tuple[str, ...], what: str) -> None:
        for name in raw:
            if name not in allowed:
                self.error(
                    raw.line_of(name), f"unknown field {name!r} in {what}{suggest(name, allowed)}", "unknown-field"
                )

    def text(self, raw: LineDict, name: str, required: bool = False, what: str = "the flow") -> str:
        """A string field."""
        value = raw.get(name)
        if value is None:
            if required:
                self.error(raw.line, f"missing required field {name!r} in {what}", "missing-field")
            return ""
        if isinstance(value, (dict, list)):
            shape = "list" if isinstance(value, list) else "mapping"
            self.error(raw.line_of(name), f"{name!r} must be text, not a {shape}", "bad-type")
            return ""
        if isinstance(value, bool):
            self.error(raw.line_of(name), f"{name!r} reads as {str(value).lower()}; {BOOL_HINT}", "bad-type")
            return ""
        return str(value).strip()

    def ticket(self, raw: LineDict) -> int | None:
        """A ticket number (``12345`` or ``"#12345"``), or None when the field is absent."""
        value = raw.get("ticket")
        if value is None:
            return None
        text = str(value).strip().lstrip("#") if not isinstance(value, bool) else ""
        if not text.isdigit() or int(text) <= 0:
            self.error(raw.line_of("ticket"), "'ticket' must be a ticket number such as 12345", "bad-type")
            return None
        return int(text)

    def integer(self, raw: LineDict, name: str, default: int) -> int:
        """A whole-number field."""
        value = raw.get(name, default)
        if isinstance(value, bool) or not isinstance(value, int):
            self.error(raw.line_of(name), f"{name!r} must be a whole number", "bad-type")
            return default
        return value

    def enum(self, raw: LineDict, name: str, kind: type[E], required: bool = False, what: str = "the flow") -> E | None:
        """A field with a fixed set of values."""
        value = raw.get(name)
        if value is None:
            if required:
                self.error(raw.line, f"missing required field {name!r} in {what}", "missing-field")
            return None
        try:
            return kind(str(value))
        except ValueError:
            choices = [k.value for k in kind]
            self.error(
                raw.line_of(name),
                f"{name!r} is {value!r}; use one of {', '.join(choices)}{suggest(str(value), choices)}",
                "bad-value",
            )
            return None

    def strings(self, raw: LineDict, name: str) -> tuple[str, ...]:
        """A list of strings."""
        value = raw.get(name)
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(v, (str, int, float)) for v in value):
            self.error(raw.line_of(name), f"{name!r} must be a list of text items", "bad-type")
            return ()
        if any(isinstance(v, bool) for v in value):
            self.error(raw.line_of(name), f"{name!r} has an item that reads as true/false; {BOOL_HINT}", "bad-type")
            return ()
        return tuple(str(v) for v in value)

    def _mappings(self, raw: LineDict, name: str) -> list[LineDict]:
        value = raw.get(name)
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(v, LineDict) for v in value):
            self.error(raw.line_of(name), f"{name!r} must be a list of mappings", "bad-type")
            return []
        return list(value)

    def variables(self, raw: LineDict) -> tuple[Variable, ...]:
        """The intake-form variables."""
        out = []
        for i, item in enumerate(self._mappings(raw, "variables")):
            self.item_lines[f"variables.{i}"] = item.line
            self._unknown(item, VARIABLE_FIELDS, "a variable")
            required = item.get("required", True)
            if not isinstance(required, bool):
                self.error(item.line_of("required"), "'required' must be true or false", "bad-type")
                required = True
            out.append(
                Variable(
                    self.text(item, "name", True, "a variable"),
                    self.text(item, "label"),
                    required,
                    self.text(item, "default"),
                    self.text(item, "description"),
                )
            )
        return tuple(out)

    def targets(self, raw: LineDict) -> tuple[Target, ...]:
        """The maintenance targets."""
        out = []
        for i, item in enumerate(self._mappings(raw, "targets")):
            self.item_lines[f"targets.{i}"] = item.line
            self._unknown(item, TARGET_FIELDS, "a target")
            out.append(Target(self.text(item, "label", True, "a target"), self.text(item, "notes")))
        return tuple(out)

    def _commands(self, raw: LineDict) -> tuple[Command, ...]:
        value = raw.get("commands")
        if value is None:
            return ()
        if not isinstance(value, list):
            self.error(raw.line_of("commands"), "'commands' must be a list", "bad-type")
            return ()
        out = []
        for item in value:
            if isinstance(item, str):
                out.append(Command(item))
            elif isinstance(item, LineDict):
                self._unknown(item, COMMAND_FIELDS, "a command")
                out.append(
                    Command(
                        self.text(item, "code", True, "a command"),
                        self.text(item, "label"),
                        self.text(item, "language") or "powershell",
                    )
                )
            else:
                self.error(raw.line_of("commands"), "each command is text or a mapping with 'code'", "bad-type")
        return tuple(out)

    def _options(self, raw: LineDict) -> tuple[Option, ...]:
        out = []
        for item in self._mappings(raw, "options"):
            self._unknown(item, OPTION_FIELDS, "an option")
            out.append(
                Option(
                    self.text(item, "label", True, "an option"),
                    self.text(item, "next", True, "an option"),
                    self.text(item, "value"),
                )
            )
        return tuple(out)

    def node(self, raw: Any, list_line: int) -> Node | None:
        """One node or step."""
        if not isinstance(raw, LineDict):
            self.error(list_line, "each node/step must be a mapping with 'id' and 'type'", "bad-type")
            return None
        node_type = self.enum(raw, "type", NodeType, required=True, what="a node")
        node_id = self.text(raw, "id", required=True, what="a node")
        if node_type is None:
            return None
        article = "an" if node_type.value[0] in "aeiou" else "a"
        self._unknown(raw, NODE_FIELDS[node_type], f"{article} {node_type.value} node")
        minutes = raw.get("estimated_minutes")
        if minutes is not None and (isinstance(minutes, bool) or not isinstance(minutes, int) or minutes < 0):
            self.error(raw.line_of("estimated_minutes"), "'estimated_minutes' must be a whole number ≥ 0", "bad-type")
            minutes = None
        next_id = self.text(raw, "next")
        procedural = node_type in (NodeType.PROCEDURE_STEP, NodeType.SECTION_HEADER, NodeType.PROCEDURE_END)
        return Node(
            id=node_id,
            type=node_type,
            title=self.text(raw, "title"),
            question=self.text(raw, "question"),
            options=self._options(raw),
            instructions=self.text(raw, "description" if procedural else "instructions"),
            commands=self._commands(raw),
            expected_outcome=self.text(raw, "expected_outcome"),
            next=next_id or None,
            resolution=self.text(raw, "resolution"),
            followups=self.strings(raw, "followups"),
            flow=self.text(raw, "flow"),
            content_type=self.enum(raw, "content_type", ContentType) or ContentType.ACTION,
            verification_prompt=self.text(raw, "verification_prompt"),
            verification_type=self.enum(raw, "verification_type", VerificationType) or VerificationType.NONE,
            warning=self.text(raw, "warning"),
            estimated_minutes=minutes,
            reference_url=self.text(raw, "reference_url"),
            step=self.text(raw, "step"),
            line=raw.line,
        )
