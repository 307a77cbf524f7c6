"""Run every benchmark and write ``docs/performance.md``: ``python -m bench.report`` (``make perf``).

Each benchmark runs in turn (in this process; those that measure servers start them as processes of their own) and
returns its figures (``bench.figures.Result``) besides printing them. A benchmark that fails is reported as failed
and the others still run; the exit status is then 1. ``--quick`` (or ``PERF_QUICK=1``) gives every size knob a small
default (a variable already set in the environment wins), so a whole run takes a minute or two; the report's
header says so and lists every size set. ``--only`` runs some benchmarks (the report then holds only those).
The soak is not re-run: its last results are read from ``bench/last_soak.json`` if that file exists.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import inspect
import logging
import os
import sys
import time
import traceback
from pathlib import Path

from bench.figures import Result
from bench.machine import Machine, git_commit
from bench.report_render import Outcome, render

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = ROOT / "docs" / "performance.md"
DEFAULT_SOAK = ROOT / "bench" / "last_soak.json"
# (key, module) in report order. Retrieval runs first: it reports this process's RSS, which the others would inflate
BENCHES = (
    ("redact", "bench.bench_redact"),
    ("engine", "bench.bench_engine"),
    ("sql", "bench.bench_sql"),
    ("memory", "bench.bench_memory"),
    ("slack", "bench.bench_slack"),
    ("pilot", "bench.bench_pilot"),
    ("psa", "bench.bench_psa"),
    ("retrieval", "bench.bench_retrieval"),
)
QUICK_SIZES = {
    "BENCH_REDACT_BYTES": "100000",
    "BENCH_ENGINE_SESSIONS": "1",
    "BENCH_ENGINE_STEPS": "10",
    "BENCH_SQL_SESSIONS": "2",
    "BENCH_MEMORY_SESSIONS": "100",
    "BENCH_SLACK_USERS": "4",
    "BENCH_SLACK_CLICKS": "3",
    "BENCH_SLACK_LIGHT_USERS": "2",
    "BENCH_PILOT_DELAY": "1",
    "BENCH_PILOT_SEQUENTIAL": "1",
    "BENCH_PILOT_CONCURRENT": "2",
    "BENCH_PILOT_SESSIONS": "2",
    "BENCH_PILOT_SCENARIO_DELAY": "0.1",
    "BENCH_PSA_SESSIONS": "10",
    "BENCH_PSA_OUTAGE_AT": "0.2",
    "BENCH_PSA_OUTAGE_FOR": "0.5",
    "BENCH_RETRIEVAL_FLOWS": "200",
    "BENCH_RETRIEVAL_SESSIONS": "500",
    "BENCH_RETRIEVAL_QUERIES": "50",
    "BENCH_RETRIEVAL_TEAMS": "2",
}


def parse(argv: list[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(prog="python -m bench.report", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        default=os.environ.get("PERF_QUICK", "") not in ("", "0"),
        help="small sizes (also PERF_QUICK=1)",
    )
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="where to write (docs/performance.md)")
    parser.add_argument("--soak", type=Path, default=DEFAULT_SOAK, help="the soak's JSON (bench/last_soak.json)")
    parser.add_argument("--only", default="", help=f"comma-separated benchmarks: {', '.join(k for k, _ in BENCHES)}")
    args = parser.parse_args(argv)
    known = {k for k, _ in BENCHES}
    args.only = [k.strip() for k in args.only.split(",") if k.strip()]
    unknown = [k for k in args.only if k not in known]
    if unknown:
        parser.error(f"unknown benchmark {', '.join(unknown)}; choose from {', '.join(sorted(known))}")
    return args


def run_one(key: str, module_name: str) -> Outcome:
    """Import a benchmark (after the sizes are set: they are read at import) and run its ``main``."""
    print(f"\n=== {key} ({module_name}) ===", flush=True)
    started = time.perf_counter()
    try:
        main = importlib.import_module(module_name).main
        result = asyncio.run(main()) if inspect.iscoroutinefunction(main) else main()
        if not isinstance(result, Result):
            raise TypeError(f"{module_name}.main() returned {type(result).__name__}, not its figures (a Result)")
        return Outcome(key, module_name, time.perf_counter() - started, result=result)
    except Exception as err:  # one benchmark failing must not lose the others' figures
        traceback.print_exc()
        where = traceback.extract_tb(err.__traceback__)[-1]
        return Outcome(
            key,
            module_name,
            time.perf_counter() - started,
            error=f"{type(err).__name__}: {err} (at {Path(where.filename).name}:{where.lineno})",
        )


def main(argv: list[str] | None = None) -> int:
    """Run the benchmarks, write the report; 0 when every benchmark ran (targets missed or not), else 1."""
    args = parse(argv)
    logging.basicConfig(level=logging.ERROR)  # as the benchmarks run alone: injected faults log warnings
    if args.quick:
        for name, value in QUICK_SIZES.items():
            os.environ.setdefault(name, value)
    machine = Machine(commit=git_commit(ROOT))
    chosen = [(k, m) for k, m in BENCHES if not args.only or k in args.only]
    runs = {k: run_one(k, m) for k, m in sorted(chosen, key=lambda bench: bench[0] != "retrieval")}
    outcomes = [runs[k] for k, _ in chosen]
    machine.finish()
    sizes = {k: v for k, v in os.environ.items() if k.startswith("BENCH_")}
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(render(machine, outcomes, sizes, args.quick, args.soak), encoding="utf-8")
    failed = [o.key for o in outcomes if o.result is None]
    print(f"\nwrote {args.output}" + (f"; FAILED: {', '.join(failed)}" if failed else ""), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
