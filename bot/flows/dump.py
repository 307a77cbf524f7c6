"""Export a ``Flow`` as YAML in the same hand-editable format the loader reads (lossless round trip)."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

import yaml

from bot.flows.fields import NODE_FIELDS
from bot.flows.model import Flow, FlowKind, Node, Variable, Visibility

_DEFAULTS = {"content_type": "action", "verification_type": "none"}


class _Inline(list[Any]):
    """A list written on one line: ``[vpn, remote-access]``."""


class _InlineMap(dict[str, Any]):
    """A mapping written on one line: ``{label: "Yes", next: retest}``."""


class _Code(str):
    """Command text: never re-wrapped, so it can be copied as it is."""

    __slots__ = ()


class _Dumper(yaml.SafeDumper):
    """Indents lists under their key and writes long or multi-line text as blocks."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    if "\n" in value:
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
    if len(value) > 100 and value == value.strip() and "  " not in value:
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=">")
    return dumper.represent_scalar("tag:yaml.org,2002:str", value)


def _code(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    long = len(value) > 80 or "\n" in value
    return dumper.represent_scalar("tag:yaml.org,2002:str", str(value), style="|" if long else None)


def _inline(dumper: yaml.SafeDumper, value: list[Any]) -> yaml.SequenceNode:
    return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=True)


def _inline_map(dumper: yaml.SafeDumper, value: dict[str, Any]) -> yaml.MappingNode:
    return dumper.represent_mapping("tag:yaml.org,2002:map", value.items(), flow_style=True)


_Dumper.add_representer(str, _str)
_Dumper.add_representer(_Code, _code)
_Dumper.add_representer(_Inline, _inline)
_Dumper.add_representer(_InlineMap, _inline_map)


def _node_dict(node: Node, kind: FlowKind) -> dict[str, Any]:
    out: dict[str, Any] = {"id": node.id, "type": node.type.value}
    for name in NODE_FIELDS[node.type]:
        if name in ("id", "type"):
            continue
        attr = "instructions" if name == "description" and kind is not FlowKind.TROUBLESHOOTING else name
        value: Any = getattr(node, attr, None)
        if name == "options":
            value = [
                _InlineMap({"label": o.label, "next": o.next, **({"value": o.value} if o.value else {})})
                for o in node.options
            ]
        elif name == "commands":
            value = [{"label": c.label, "language": c.language, "code": _Code(c.code)} for c in node.commands]
        elif name == "followups":
            value = list(node.followups)
        elif isinstance(value, StrEnum):
            value = None if value.value == _DEFAULTS.get(name) else value.value
        if value not in (None, "", [], ()):
            out[name] = value
    return out


def _variable(v: Variable) -> dict[str, Any]:
    out: dict[str, Any] = {"name": v.name}
    if v.label:
        out["label"] = v.label
    if not v.required:
        out["required"] = False
    for name in ("default", "description"):
        if getattr(v, name):
            out[name] = getattr(v, name)
    return _InlineMap(out) if len(str(out)) < 80 else out


def flow_dict(flow: Flow) -> dict[str, Any]:
    """The flow as plain YAML-ready data, fields in the order an engineer reads them."""
    doc: dict[str, Any] = {
        "key": flow.key,
        "name": flow.name,
        "kind": flow.kind.value,
        "version": flow.version,
        "status": flow.status.value,
    }
    if flow.visibility is not Visibility.PUBLIC:
        doc["visibility"] = flow.visibility.value
    for name in ("category", "folder", "description"):
        if getattr(flow, name):
            doc[name] = getattr(flow, name)
    for name in ("tags", "keywords"):
        if getattr(flow, name):
            doc[name] = _Inline(getattr(flow, name))
    if flow.schedule:
        doc["schedule"] = flow.schedule
    if flow.deadline:
        doc["deadline"] = flow.deadline
    if flow.ticket is not None:
        doc["ticket"] = flow.ticket
    if flow.start:
        doc["start"] = flow.start
    if flow.variables:
        doc["variables"] = [_variable(v) for v in flow.variables]
    if flow.targets:
        doc["targets"] = [
            _InlineMap({"label": t.label, **({"notes": t.notes} if t.notes else {})}) for t in flow.targets
        ]
    doc["nodes" if flow.kind is FlowKind.TROUBLESHOOTING else "steps"] = [_node_dict(n, flow.kind) for n in flow.nodes]
    return doc


def dump_flow(flow: Flow) -> str:
    """YAML for a flow, in the format the loader reads: ``parse_flow_text(dump_flow(f))`` equals ``f`` apart from
    source lines and path."""
    text: str = yaml.dump(flow_dict(flow), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=110)
    return text
