"""Load YAML flow files into ``Flow`` objects, reporting every structural problem with its line.

Format (see ``bot/flows/schema/flow.schema.json`` and the bundled samples): top-level ``key``, ``name``, ``kind``
and either ``nodes`` (troubleshooting, with ``start``) or ``steps`` (procedural and maintenance, with optional
``variables``, and for maintenance ``targets``, ``schedule``, ``deadline`` and ``ticket``). Semantic checks live in
``validator``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from bot.flows.dump import dump_flow
from bot.flows.errors import FlowError, FlowLoadError, suggest
from bot.flows.fields import TOP_FIELDS, Builder
from bot.flows.folders import normalise_folder
from bot.flows.model import Flow, FlowKind, FlowStatus, Visibility
from bot.flows.yaml_lines import DuplicateKey, LineDict, load

__all__ = [
    "FlowError",
    "FlowLoadError",
    "bundled_samples_dir",
    "dump_flow",
    "load_bundled",
    "load_flow_dir",
    "load_flow_file",
    "parse_flow_text",
]


def _parse_yaml(text: str, path: str) -> Any:
    try:
        return load(text)
    except DuplicateKey as err:
        raise FlowLoadError([FlowError(path, err.line, str(err), "duplicate-key")]) from None
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line = min(mark.line + 1, max(1, len(text.splitlines()))) if mark else 1
        problem = err.problem or "invalid YAML"
        if "mapping values are not allowed" in problem:
            problem += " (put text that contains ': ' in quotes)"
        raise FlowLoadError([FlowError(path, line, f"YAML syntax error: {problem}", "yaml-syntax")]) from None
    except yaml.YAMLError as err:
        raise FlowLoadError([FlowError(path, 1, f"YAML error: {err}", "yaml-syntax")]) from None


_ONLY_FOR = {
    "start": FlowKind.TROUBLESHOOTING,
    "targets": FlowKind.MAINTENANCE,
    "schedule": FlowKind.MAINTENANCE,
    "ticket": FlowKind.MAINTENANCE,
    "deadline": FlowKind.MAINTENANCE,
}


def _misplaced(b: Builder, doc: LineDict, kind: FlowKind) -> None:
    """Fields that belong to another kind of flow (``start`` on a checklist, ``targets`` on a tree)."""
    for name, owner in _ONLY_FOR.items():
        if name in doc and kind is not owner:
            b.error(
                doc.line_of(name),
                f"{name!r} only applies to {owner.value} flows; this flow is {kind.value}",
                "bad-field",
            )


def _folder(b: Builder, doc: LineDict) -> str:
    """The ``folder`` field, normalised (``" Network / VPN/ "`` -> ``"network/vpn"``); a bad path is an error."""
    raw = b.text(doc, "folder")
    folder, problem = normalise_folder(raw)
    if problem:
        b.error(doc.line_of("folder"), problem, "bad-value")
    return folder


def parse_flow_text(text: str, path: str = "<string>") -> Flow:
    """Parse one flow document; raises ``FlowLoadError`` listing every structural problem."""
    doc = _parse_yaml(text, path)
    if not isinstance(doc, LineDict):
        raise FlowLoadError([FlowError(path, 1, "a flow file must be a mapping with key, name and kind", "bad-type")])
    b = Builder(path)
    for name in doc:
        if name not in TOP_FIELDS:
            b.error(doc.line_of(name), f"unknown field {name!r}{suggest(name, TOP_FIELDS)}", "unknown-field")
    key = b.text(doc, "key", required=True)
    name = b.text(doc, "name", required=True)
    kind = b.enum(doc, "kind", FlowKind, required=True)
    if kind is None:  # already reported; still check the nodes or steps that are there
        list_name = "nodes" if "nodes" in doc else "steps"
    else:
        list_name = "nodes" if kind is FlowKind.TROUBLESHOOTING else "steps"
    other = "steps" if list_name == "nodes" else "nodes"
    if kind is not None:
        if other in doc:
            b.error(
                doc.line_of(other),
                f"a {kind.value} flow lists its {list_name} under {list_name!r}, not {other!r}",
                "bad-field",
            )
        _misplaced(b, doc, kind)
    present = list_name if list_name in doc else other
    raw_nodes = doc.get(present)
    nodes = []
    if raw_nodes is None:
        if kind is not None:
            b.error(doc.line, f"missing required field {list_name!r}", "missing-field")
    elif not isinstance(raw_nodes, list) or not raw_nodes:
        b.error(doc.line_of(present), f"{present!r} must be a non-empty list", "bad-type")
    else:
        for raw in raw_nodes:
            node = b.node(raw, doc.line_of(present))
            if node is not None:
                nodes.append(node)
    flow = Flow(
        key=key,
        name=name,
        kind=kind or FlowKind.TROUBLESHOOTING,
        nodes=tuple(nodes),
        start=b.text(doc, "start"),
        version=b.integer(doc, "version", 1),
        status=b.enum(doc, "status", FlowStatus) or FlowStatus.PUBLISHED,
        visibility=b.enum(doc, "visibility", Visibility) or Visibility.PUBLIC,
        description=b.text(doc, "description"),
        category=b.text(doc, "category"),
        folder=_folder(b, doc),
        tags=b.strings(doc, "tags"),
        keywords=b.strings(doc, "keywords"),
        variables=b.variables(doc),
        targets=b.targets(doc),
        schedule=b.text(doc, "schedule"),
        ticket=b.ticket(doc),
        deadline=b.text(doc, "deadline"),
        source_path=path,
        field_lines=dict(doc.key_lines),
    )
    flow.field_lines.update(b.item_lines)
    if b.errors:
        raise FlowLoadError(b.errors)
    return flow


def load_flow_file(path: str | Path) -> Flow:
    """Load one flow file."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise FlowLoadError([FlowError(str(p), 1, f"cannot read file: {err}", "unreadable")]) from None
    return parse_flow_text(text, str(p))


def flow_files(path: str | Path) -> list[Path]:
    """The ``.yaml``/``.yml`` files of a folder, sorted."""
    return sorted(p for p in Path(path).iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())


def load_flow_dir(path: str | Path) -> list[Flow]:
    """Load every flow file of a folder."""
    return [load_flow_file(p) for p in flow_files(path)]


def bundled_samples_dir() -> Path:
    """The folder of the bundled sample flows."""
    return Path(__file__).resolve().parent / "samples"


def load_bundled() -> list[Flow]:
    """The bundled sample flows."""
    return load_flow_dir(bundled_samples_dir())
