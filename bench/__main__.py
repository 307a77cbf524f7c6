"""Run every benchmark, printing their figures: ``python -m bench`` (or ``make bench``).

``python -m bench.report`` (``make perf``) runs the same benchmarks and also writes ``docs/performance.md``.
"""

from __future__ import annotations

import asyncio

from bench import (
    bench_engine,
    bench_memory,
    bench_pilot,
    bench_psa,
    bench_redact,
    bench_retrieval,
    bench_slack,
    bench_sql,
)


def main() -> None:
    """Each benchmark in turn."""
    bench_redact.main()
    asyncio.run(bench_engine.main())
    asyncio.run(bench_sql.main())
    asyncio.run(bench_memory.main())
    asyncio.run(bench_slack.main())
    asyncio.run(bench_pilot.main())
    asyncio.run(bench_psa.main())
    asyncio.run(bench_retrieval.main())


if __name__ == "__main__":
    main()
