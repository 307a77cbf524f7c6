"""Hypothesis profiles of the fuzz suite, and the figures it prints.

* ``ci`` (default): a few dozen examples per property, derandomized (the same examples every run), no example
  database, no deadline (the CI machine is shared): the whole suite in well under a minute.
* ``long`` (``RFBOT_FUZZ=long``, what ``make fuzz`` runs): thousands of examples per property
  (``RFBOT_FUZZ_EXAMPLES``, default 3000), fresh random seeds each run.

At the end of a run the terminal summary shows the figures: one line in total, and with ``RFBOT_FUZZ=long`` (or
``RFBOT_FUZZ_FIGURES=1``) a table of every property with the examples it ran, its failures and its time. The counts
come from Hypothesis' own run statistics (the same ones ``--hypothesis-show-statistics`` describes).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

PROFILE = os.environ.get("RFBOT_FUZZ", "ci")
_QUIET = [HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large]

settings.register_profile(
    "ci", max_examples=40, derandomize=True, database=None, deadline=None, suppress_health_check=_QUIET
)
settings.register_profile(
    "long",
    max_examples=int(os.environ.get("RFBOT_FUZZ_EXAMPLES", "3000")),
    derandomize=False,
    database=None,
    deadline=None,
    suppress_health_check=_QUIET,
)
settings.load_profile(PROFILE)

_CASES = re.compile(r"(\d+) passing, (\d+) failing, and (\d+) invalid")


@dataclass
class Figure:
    """One property's run: examples that ran (passing and failing), whether it failed (0/1), seconds."""

    name: str
    examples: int = 0
    failures: int = 0
    seconds: float = 0.0


FIGURES: dict[str, Figure] = {}


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome: Any = yield
    report = outcome.get_result()
    if report.when == "call" and "/fuzz/" in f"/{item.nodeid}":
        figure = FIGURES.setdefault(item.nodeid, Figure(item.nodeid))
        figure.seconds = report.duration
        stats = getattr(item, "hypothesis_statistics", "")
        for passing, failing, _invalid in _CASES.findall(stats):
            figure.examples += int(passing) + int(failing)
        figure.failures = int(report.failed)
        if not stats:  # an example-based test (the attack corpus): one run
            figure.examples = 1


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not FIGURES:
        return
    figures = sorted(FIGURES.values(), key=lambda f: f.name)
    examples, failures = sum(f.examples for f in figures), sum(f.failures for f in figures)
    seconds = sum(f.seconds for f in figures)
    write = terminalreporter.write_line
    if PROFILE == "long" or os.environ.get("RFBOT_FUZZ_FIGURES") == "1":
        terminalreporter.section(f"fuzz figures (profile {PROFILE})")
        width = max(len(f.name) for f in figures)
        write(f"{'property':<{width}}  {'examples':>8}  {'failures':>8}  {'seconds':>8}")
        for f in figures:
            write(f"{f.name:<{width}}  {f.examples:>8}  {f.failures:>8}  {f.seconds:>8.2f}")
    write(
        f"fuzz ({PROFILE}): {len(figures)} properties/attacks, {examples} examples, {failures} failures, "
        f"{seconds:.1f} s"
    )
