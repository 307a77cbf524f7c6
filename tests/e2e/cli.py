"""Run the real ``rfbot`` command line in a subprocess, in a scratch folder, against a chosen database."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Rfbot:
    """``rfbot`` bound to a working folder and a database URL."""

    cwd: Path
    database_url: str
    env: dict[str, str] = field(default_factory=dict)

    def __call__(self, *args: str, check: bool = True, stdin: str = "") -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "RFBOT_"))}
        env.update(DATABASE_URL=self.database_url, COLUMNS="120", NO_COLOR="1", PYTHONPATH=str(ROOT), TERM="dumb")
        env.update(self.env)
        result = subprocess.run(
            [sys.executable, "-m", "bot", *args],
            cwd=self.cwd,
            env=env,
            text=True,
            capture_output=True,
            input=stdin,
            timeout=120,
            check=False,
        )
        if check and result.returncode != 0:
            raise AssertionError(f"rfbot {' '.join(args)} exited {result.returncode}\n{result.stdout}\n{result.stderr}")
        return result
