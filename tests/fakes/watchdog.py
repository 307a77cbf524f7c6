"""A pytest plugin that turns a hung test into a failure that names it.

A test (with its setup and teardown) still running after ``RFBOT_TEST_WATCHDOG`` seconds (default 240; 0 turns it
off) gets its node id, phase, every thread's stack and every asyncio task's stack written to stderr, and then the
process exits. Under pytest-xdist the controller reports the worker as crashed while running that test and goes on
with a new worker, so a hang costs one test and a few minutes instead of the whole run, and says where it was.

faulthandler alone shows threads only: an async fixture's teardown waiting on a task shows as an idle event loop.
The task stacks say what it waits for.
"""

from __future__ import annotations

import asyncio
import faulthandler
import gc
import inspect
import os
import sys
import threading
import time
from collections.abc import Generator

import pytest

LIMIT = float(os.environ.get("RFBOT_TEST_WATCHDOG", "240"))


class Watchdog:
    """One thread that checks, every second, how long the current test phase has run."""

    def __init__(self, limit: float) -> None:
        self.limit = limit
        self.current = ""  # "node id (phase)"
        self.since = 0.0
        self._thread = threading.Thread(target=self._watch, name="test-watchdog", daemon=True)
        self._thread.start()

    def enter(self, what: str) -> None:
        """A test phase starts."""
        self.current, self.since = what, time.monotonic()

    def leave(self) -> None:
        """The phase ended."""
        self.current = ""

    def _watch(self) -> None:
        while True:
            time.sleep(1.0)
            what = self.current
            if what and time.monotonic() - self.since > self.limit:
                self._report(what)
                os._exit(3)

    def _report(self, what: str) -> None:
        err = os.fdopen(os.dup(_STDERR_FD), "w") if _STDERR_FD >= 0 else sys.__stderr__
        if err is None:  # pragma: no cover - no stderr at all
            return
        err.write(f"\n*** test watchdog: {what} still running after {self.limit:.0f} s; stacks follow ***\n")
        err.flush()
        faulthandler.dump_traceback(file=err, all_threads=True)
        for loop in [o for o in gc.get_objects() if isinstance(o, asyncio.AbstractEventLoop)]:
            if loop.is_closed():
                continue
            try:
                tasks = list(asyncio.all_tasks(loop))
            except RuntimeError:  # the set changed while it was copied: one more try
                tasks = list(asyncio.all_tasks(loop))
            for task in tasks:
                err.write(f"--- asyncio task {task.get_name()}:\n")
                for line in await_chain(task.get_coro()):
                    err.write(f"    {line}\n")
        for gen in [o for o in gc.get_objects() if inspect.isasyncgen(o) and o.ag_await is not None]:
            err.write(f"--- async generator {gen.ag_code.co_qualname} (a fixture's teardown waits in one):\n")
            for line in await_chain(gen):
                err.write(f"    {line}\n")
        err.write(f"*** test watchdog: ending this process: {what} hung ***\n")
        err.flush()


def await_chain(awaitable: object, depth: int = 40) -> list[str]:
    """Where a suspended coroutine waits, outermost first: each coroutine, generator or async generator frame down
    the chain of awaits, then what the innermost one waits on (a future, an event's waiter)."""
    lines = []
    while awaitable is not None and depth > 0:
        depth -= 1
        frame = next(
            (getattr(awaitable, a) for a in ("cr_frame", "gi_frame", "ag_frame") if hasattr(awaitable, a)), None
        )
        if frame is None:
            lines.append(f"waits on {awaitable!r}"[:300])
            break
        lines.append(f"{frame.f_code.co_filename}:{frame.f_lineno} in {frame.f_code.co_name}")
        awaitable = next(
            (getattr(awaitable, a) for a in ("cr_await", "gi_yieldfrom", "ag_await") if hasattr(awaitable, a)), None
        )
    return lines


_DOG = Watchdog(LIMIT) if LIMIT > 0 else None
_STDERR_FD = -1  # a copy of the process's real stderr, taken before output capturing replaces it


def pytest_configure(config: pytest.Config) -> None:
    """Keep a copy of the real stderr (as pytest's faulthandler plugin does): under capturing, and in xdist workers,
    ``sys.stderr`` is not the terminal."""
    global _STDERR_FD
    try:
        fileno = sys.stderr.fileno()
        if fileno == -1:
            raise AttributeError
    except (AttributeError, ValueError):  # xdist replaces sys.stderr with an object that has no file descriptor
        fileno = sys.__stderr__.fileno() if sys.__stderr__ is not None else -1
    _STDERR_FD = os.dup(fileno) if fileno >= 0 else -1


def _phase(item: pytest.Item, phase: str) -> Generator[None, None, None]:
    if _DOG is not None:
        _DOG.enter(f"{item.nodeid} ({phase})")
    try:
        yield
    finally:
        if _DOG is not None:
            _DOG.leave()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Generator[None, None, None]:
    """Watch the setup."""
    yield from _phase(item, "setup")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, None, None]:
    """Watch the test."""
    yield from _phase(item, "call")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item: pytest.Item) -> Generator[None, None, None]:
    """Watch the teardown."""
    yield from _phase(item, "teardown")
