"""Every broken flow file gets a precise error: the expected code, on the expected line, naming the file."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.flows.loader import load_bundled
from bot.flows.validator import validate_paths

CORPUS = Path(__file__).resolve().parents[2] / "fixtures" / "flows" / "broken"
EXPECT = re.compile(r"^# expect: (?P<code>[a-z-]+) line (?P<line>\d+)")
FILES = sorted(CORPUS.glob("*.yaml"))
LIBRARY = {f.key for f in load_bundled()}


def test_the_corpus_covers_every_problem_kind() -> None:
    codes = {EXPECT.match(p.read_text()).group("code") for p in FILES}  # type: ignore[union-attr]
    assert {
        "yaml-syntax",
        "missing-field",
        "unknown-field",
        "bad-value",
        "unknown-next",
        "unknown-start",
        "unreachable",
        "dead-end",
        "single-option",
        "duplicate-id",
        "no-exit-loop",
        "undefined-variable",
        "end-count",
        "end-not-last",
        "no-targets",
        "bad-cron",
        "unknown-subflow",
        "bad-key",
        "self-subflow",
        "duplicate-target",
        "empty-section",
        "no-solution",
        "missing-prompt",
        "bad-field",
        "duplicate-key",
    } <= codes


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_broken_file_reports_code_line_and_file(path: Path) -> None:
    match = EXPECT.match(path.read_text(encoding="utf-8"))
    assert match, f"{path.name} must start with '# expect: <code> line <N>'"
    errors = validate_paths([path], known_flows=LIBRARY)
    found = [(e.code, e.line) for e in errors]
    assert (match["code"], int(match["line"])) in found, f"got {[str(e) for e in errors]}"
    for error in errors:
        assert str(error).startswith(f"{path}:{error.line}: ")
