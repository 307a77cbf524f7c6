"""``python -m bench.report`` (``make perf``) in its quickest mode: every benchmark runs on tiny sizes and the report
has every section. The figures themselves are not checked (tiny sizes on a shared machine say nothing)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench.figures import Result, Row
from bench.machine import Machine
from bench.report import BENCHES
from bench.report_render import SECTIONS, Outcome, render

ROOT = Path(__file__).resolve().parents[2]
TINY = {
    "BENCH_REDACT_BYTES": "20000",
    "BENCH_ENGINE_SESSIONS": "1",
    "BENCH_ENGINE_STEPS": "5",
    "BENCH_SQL_SESSIONS": "1",
    "BENCH_MEMORY_SESSIONS": "20",
    "BENCH_SLACK_USERS": "2",
    "BENCH_SLACK_CLICKS": "2",
    "BENCH_SLACK_LIGHT_USERS": "0",  # skip the light-load repeat (one rfbot serve start less)
    "BENCH_PILOT_DELAY": "0.5",
    "BENCH_PILOT_SEQUENTIAL": "0",
    "BENCH_PILOT_CONCURRENT": "1",
    "BENCH_PILOT_SESSIONS": "1",
    "BENCH_PILOT_SCENARIO_DELAY": "0.05",
    "BENCH_PSA_SESSIONS": "3",
    "BENCH_PSA_OUTAGE_AT": "0.1",
    "BENCH_PSA_OUTAGE_FOR": "0.2",
    "BENCH_RETRIEVAL_FLOWS": "40",
    "BENCH_RETRIEVAL_SESSIONS": "60",
    "BENCH_RETRIEVAL_QUERIES": "20",
    "BENCH_RETRIEVAL_TEAMS": "1",
}


@pytest.mark.postgres
def test_quick_report_runs_every_benchmark_and_writes_every_section(tmp_path: Path, pg_admin_url: str) -> None:
    out, soak = tmp_path / "performance.md", tmp_path / "last_soak.json"
    soak.write_text(json.dumps({"lost": 0, "settings": {"replicas": 3}, "drills": [{"phase": "kill9", "lost": 0}]}))
    env = {**os.environ, **TINY, "PERF_QUICK": "1", "BENCH_PG_ADMIN": pg_admin_url}
    run = subprocess.run(
        [sys.executable, "-m", "bench.report", "--output", str(out), "--soak", str(soak)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,  # a bound on a hang, not a timing target
    )
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-4000:]
    text = out.read_text(encoding="utf-8")
    for heading in SECTIONS:
        assert f"\n{heading}\n" in text
    for _, module in BENCHES:  # each benchmark has its section, with a figures table and no failure
        assert f"`python -m {module}`" in text
    assert text.count("| figure | value | baseline (same run) | ratio | target | result |") == len(BENCHES)
    assert "**Failed:**" not in text and "FAILED" not in text
    assert "**Quick run**" in text and "`BENCH_SQL_SESSIONS=1`" in text
    assert "| settings.replicas | 3 |" in text and "| phase | lost |\n|---|---|\n| kill9 | 0 |" in text
    for fact in ("CPU", "Cores", "RAM", "OS", "Python", "PostgreSQL", "Git commit", "Load average"):
        assert f"| {fact}" in text


def test_report_without_soak_results_says_how_to_get_them(tmp_path: Path) -> None:
    result = Result("x", "Example", "what was run").add(
        Row("p99", 120.0, "ms", 100.0, "bare", "<= 100 ms", False), Row("count", 3, target="3", met=True)
    )
    machine = Machine(cpu="Test CPU", postgres="15.0", commit="abc")
    machine.finish()
    outcomes = [Outcome("x", "bench.x", 1.0, result=result), Outcome("y", "bench.y", 2.0, error="boom")]
    text = render(machine, outcomes, {}, False, tmp_path / "missing.json")
    assert "No soak results yet" in text and "bench.soak --json" in text
    assert "| p99 | 120.0 ms | 100.0 ms (bare) | 1.20× | <= 100 ms | NOT MET |" in text
    assert "| Example | NOT MET: 1 of 2 targets |" in text and "| y | FAILED |" in text
    assert "**Failed:** boom" in text and "Full run" in text
