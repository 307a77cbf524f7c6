"""The machine a benchmark run happened on: CPU, cores, memory, OS, Python, PostgreSQL, commit, load (Linux)."""

from __future__ import annotations

import os
import platform
import subprocess
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from bench.scratch import postgres_version


def _first(path: str, key: str) -> str:
    """The value of the first ``key: value`` (or ``key=value``) line of a text file, or ``""``."""
    try:
        text = Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    for line in text.splitlines():
        name, sep, value = line.partition(":" if ":" in line else "=")
        if sep and name.strip() == key:
            return value.strip().strip('"')
    return ""


def cpu_model() -> str:
    """The CPU's model name (``/proc/cpuinfo``), else what ``platform`` knows."""
    return _first("/proc/cpuinfo", "model name") or platform.processor() or platform.machine() or "unknown"


def cores() -> str:
    """Logical CPUs, and how many this process may use when that is fewer."""
    total = os.cpu_count() or 0
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else total
    return f"{total}" if usable == total else f"{total} ({usable} usable by this process)"


def memory() -> str:
    """Total RAM (``/proc/meminfo``) in GiB."""
    total = _first("/proc/meminfo", "MemTotal")
    return f"{int(total.split()[0]) / 2**20:.1f} GiB" if total else "unknown"


def operating_system() -> str:
    """Distribution (``/etc/os-release``) and kernel."""
    name = _first("/etc/os-release", "PRETTY_NAME") or platform.system()
    return f"{name}, kernel {platform.release()}"


def git_commit(cwd: Path) -> str:
    """The checked-out commit, noting uncommitted changes to tracked files."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short=12", "HEAD"], cwd=cwd, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=cwd,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"
    return f"{commit} (with uncommitted changes)" if dirty else commit


def load() -> str:
    """The 1, 5 and 15 minute load averages."""
    return " / ".join(f"{x:.2f}" for x in os.getloadavg())


@dataclass
class Machine:
    """Facts gathered once before the run (``started``, ``load_before``) and completed after it (``finish``)."""

    cpu: str = field(default_factory=cpu_model)
    cores: str = field(default_factory=cores)
    memory: str = field(default_factory=memory)
    os: str = field(default_factory=operating_system)
    python: str = field(default_factory=lambda: f"{platform.python_implementation()} {platform.python_version()}")
    postgres: str = field(default_factory=postgres_version)
    commit: str = ""
    started: datetime = field(default_factory=lambda: datetime.now(UTC))
    finished: datetime | None = None
    load_before: str = field(default_factory=load)
    load_after: str = ""

    def finish(self) -> None:
        """Record the end of the run and the load then."""
        self.finished, self.load_after = datetime.now(UTC), load()

    def rows(self) -> list[tuple[str, str]]:
        """Label and value of every fact, in report order."""
        took = f" ({(self.finished - self.started).total_seconds() / 60:.1f} min)" if self.finished else ""
        return [
            ("CPU", self.cpu),
            ("Cores", self.cores),
            ("RAM", self.memory),
            ("OS", self.os),
            ("Python", self.python),
            ("PostgreSQL", self.postgres),
            ("Date", f"{self.started:%Y-%m-%d %H:%M} UTC{took}"),
            ("Git commit", self.commit or "unknown"),
            ("Load average (1/5/15 min) before", self.load_before),
            ("Load average (1/5/15 min) after", self.load_after or "—"),
        ]
