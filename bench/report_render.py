"""``docs/performance.md`` as Markdown: the machine, a summary, one section per benchmark, the soak's last results."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.figures import Result
from bench.machine import Machine

ROOT = Path(__file__).resolve().parent.parent
SOAK_COMMAND = ".venv/bin/python -m bench.soak --json"
SECTIONS = ("## Machine", "## Summary", "## Soak and fault drills")


@dataclass
class Outcome:
    """One benchmark's run: its result, or the error that stopped it, and how long it took."""

    key: str
    module: str
    seconds: float
    result: Result | None = None
    error: str = ""


def cell(text: object) -> str:
    """A table cell: pipes escaped, on one line."""
    return str(text).replace("|", "\\|").replace("\n", " ")


def table(header: list[str], rows: list[list[str]]) -> list[str]:
    """A Markdown table."""
    return [
        "| " + " | ".join(header) + " |",
        "|" + "|".join("---" for _ in header) + "|",
        *("| " + " | ".join(cell(c) for c in row) + " |" for row in rows),
    ]


def status(outcome: Outcome) -> str:
    """A benchmark's summary verdict."""
    if outcome.result is None:
        return "FAILED"
    met = outcome.result.met
    if met is None:
        return "no target"
    judged = [r for r in outcome.result.rows if r.met is not None]
    missed = [r for r in judged if r.met is False]
    return "all targets met" if met else f"NOT MET: {len(missed)} of {len(judged)} targets"


def records(value: Any) -> bool:
    """A non-empty list of JSON objects (rendered as a table of its own)."""
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def text_of(value: Any) -> str:
    """One JSON value as cell text: lists of plain values joined, other lists and objects as JSON."""
    if value is None:
        return "—"
    if isinstance(value, list) and all(not isinstance(v, (dict, list)) for v in value):
        return ", ".join(str(v) for v in value) or "—"
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def flatten(value: Any, prefix: str = "") -> list[tuple[str, str]]:
    """Nested JSON as ``(dotted.key, text)`` pairs, lists of objects left out (``record_tables`` has them)."""
    if isinstance(value, dict):
        pairs: list[tuple[str, str]] = []
        for key, item in value.items():
            pairs += flatten(item, f"{prefix}.{key}" if prefix else str(key))
        return pairs
    if records(value):
        return []
    return [(prefix or "value", text_of(value))]


def record_tables(value: Any, prefix: str = "") -> list[tuple[str, list[dict[str, Any]]]]:
    """Every list of objects in nested JSON, with its dotted key."""
    if records(value):
        return [(prefix or "rows", value)]
    if isinstance(value, dict):
        found: list[tuple[str, list[dict[str, Any]]]] = []
        for key, item in value.items():
            found += record_tables(item, f"{prefix}.{key}" if prefix else str(key))
        return found
    return []


def soak_section(path: Path) -> list[str]:
    """The soak/fault drills' last results from ``path`` (``bench.soak --json``), or how to produce them."""
    out = ["## Soak and fault drills", ""]
    try:
        shown = str(path.resolve().relative_to(ROOT))
    except ValueError:
        shown = str(path)
    if not path.exists():
        return [
            *out,
            f"No soak results yet (`{shown}` not found). Run `{SOAK_COMMAND}`: it writes "
            "`bench/last_soak.json`, and the next `make perf` shows it here.",
            "",
        ]
    written = datetime.fromtimestamp(path.stat().st_mtime, UTC)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        return [*out, f"`{shown}` (written {written:%Y-%m-%d %H:%M} UTC) could not be read: {err}", ""]
    out += [
        f"From `{shown}`, written {written:%Y-%m-%d %H:%M} UTC by `{SOAK_COMMAND}` (not re-run by "
        "`make perf`: the soak is long).",
        "",
    ]
    out += [*table(["key", "value"], [[k, v] for k, v in flatten(data)]), ""]
    for key, rows in record_tables(data):
        columns = list(dict.fromkeys(c for row in rows for c in row))
        out += [f"`{key}`:", "", *table(columns, [[text_of(row.get(c)) for c in columns] for row in rows]), ""]
    return out


def bench_section(outcome: Outcome) -> list[str]:
    """One benchmark: what was measured, its figures table, notes and the printed output."""
    result = outcome.result
    title = result.title if result is not None else outcome.key
    out = [f"## {title}", "", f"`python -m {outcome.module}` — {outcome.seconds:.0f} s.", ""]
    if result is None:
        return [*out, f"**Failed:** {outcome.error}", ""]
    out += [result.setup + ".", ""]
    header = ["figure", "value", "baseline (same run)", "ratio", "target", "result"]
    out += table(header, [r.cells() for r in result.rows])
    out.append("")
    out += [f"- {note}" for note in result.notes]
    if result.notes:
        out.append("")
    if result.details:
        out += [
            "<details><summary>Printed figures</summary>",
            "",
            "```text",
            *result.details,
            "```",
            "",
            "</details>",
            "",
        ]
    return out


def render(machine: Machine, outcomes: list[Outcome], sizes: dict[str, str], quick: bool, soak: Path) -> str:
    """The whole report."""
    mode = (
        "**Quick run** (`PERF_QUICK=1`): small sizes, so the figures only show that every benchmark works; they "
        "are not comparable with the targets."
        if quick
        else "Full run: every benchmark at its default sizes."
    )
    out = [
        "# Performance",
        "",
        "Generated by `make perf` (`python -m bench.report`), which runs every benchmark in `bench/` one after the "
        "other and rewrites this file. Each figure is shown with the baseline measured in the same run, where the "
        "benchmark has one, and the target, where one was set. Edit the benchmarks, not this file.",
        "",
        mode,
        "",
        "Sizes set in the environment: " + (", ".join(f"`{k}={v}`" for k, v in sorted(sizes.items())) or "none") + ".",
        "",
        "## Machine",
        "",
        *table(["", ""], [[k, v] for k, v in machine.rows()]),
        "",
        "The benchmarks share the machine with whatever else runs on it: compare the load averages before and after.",
        "",
        "## Summary",
        "",
        *table(
            ["benchmark", "result", "time"],
            [[o.result.title if o.result else o.key, status(o), f"{o.seconds:.0f} s"] for o in outcomes],
        ),
        "",
    ]
    for outcome in outcomes:
        out += bench_section(outcome)
    out += soak_section(soak)
    return "\n".join(out).rstrip("\n") + "\n"
