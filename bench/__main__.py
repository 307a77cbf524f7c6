"""Run every benchmark: ``python -m bench`` (or ``make bench``)."""

from __future__ import annotations

import asyncio

from bench import bench_engine, bench_pilot, bench_psa, bench_redact, bench_retrieval, bench_slack


def main() -> None:
    bench_redact.main()
    asyncio.run(bench_engine.main())
    asyncio.run(bench_slack.main())
    asyncio.run(bench_pilot.main())
    asyncio.run(bench_psa.main())
    asyncio.run(bench_retrieval.main())


if __name__ == "__main__":
    main()
