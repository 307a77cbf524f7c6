"""Validate flows: structure (from the loader) plus semantics (``checks``), across files for sub-flow links."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from pathlib import Path

from bot.flows.checks import check_basics, check_graph, check_maintenance, check_steps, check_variables
from bot.flows.errors import FlowError, FlowLoadError
from bot.flows.loader import flow_files, load_flow_file
from bot.flows.model import Flow, FlowKind


def validate_flow(flow: Flow, known_flows: Collection[str] | None = None) -> list[FlowError]:
    """Every semantic problem of one loaded flow. ``known_flows`` (flow keys) enables sub-flow link checks."""
    errors = list(check_basics(flow))
    if flow.kind is FlowKind.TROUBLESHOOTING:
        errors += check_graph(flow, known_flows)
    else:
        errors += check_steps(flow)
        if flow.kind is FlowKind.MAINTENANCE:
            errors += check_maintenance(flow)
    errors += check_variables(flow)
    errors = _with_step_refs(flow, errors)
    return sorted(errors, key=lambda e: (e.path, e.line, e.code))


def _with_step_refs(flow: Flow, errors: list[FlowError]) -> list[FlowError]:
    """A node naming a library step (``step:``) may leave out what the library fills in at publish time."""
    referenced = {n.line for n in flow.nodes if n.step}
    return [e for e in errors if not (e.code == "missing-field" and e.line in referenced)]


def check_step_refs(flow: Flow, known_steps: Collection[str]) -> list[FlowError]:
    """Every ``step:`` that names no library step in ``known_steps`` (ids and slugs), with its node's line."""
    errors = []
    for n in flow.nodes:
        if n.step and n.step not in known_steps:
            message = f"step {n.id!r}: no library step {n.step!r} (see `steps search`)"
            errors.append(FlowError(flow.source_path, n.line, message, "bad-ref"))
    return errors


def is_valid(flow: Flow, known_flows: Collection[str] | None = None) -> bool:
    """True when ``validate_flow`` finds nothing wrong."""
    return not validate_flow(flow, known_flows)


def validate_file(path: str | Path, known_flows: Collection[str] | None = None) -> list[FlowError]:
    """Load and validate one file."""
    try:
        flow = load_flow_file(path)
    except FlowLoadError as err:
        return err.errors
    return validate_flow(flow, known_flows)


def _expand(paths: Iterable[str | Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        p = Path(path)
        files.extend(flow_files(p) if p.is_dir() else [p])
    return files


def validate_paths(paths: Iterable[str | Path], known_flows: Collection[str] = ()) -> list[FlowError]:
    """Validate files and folders together: sub-flows may point at any flow loaded with them or in
    ``known_flows``; the same key in two files is an error."""
    loaded: list[Flow] = []
    errors: list[FlowError] = []
    for path in _expand(paths):
        try:
            loaded.append(load_flow_file(path))
        except FlowLoadError as err:
            errors += err.errors
    keys = set(known_flows) | {f.key for f in loaded}
    seen: dict[str, Flow] = {}
    for flow in loaded:
        if flow.key in seen:
            errors.append(
                FlowError(
                    flow.source_path,
                    flow.line_of("key"),
                    f"flow key {flow.key!r} is already used by {seen[flow.key].source_path}",
                    "duplicate-flow-key",
                )
            )
        seen.setdefault(flow.key, flow)
        errors += validate_flow(flow, keys)
    return errors
