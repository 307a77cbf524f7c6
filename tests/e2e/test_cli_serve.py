"""``rfbot serve``, run for real: its start-up message lists what it serves (Teams only here: no "health and metrics
only" when Teams is configured)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

from tests.e2e.cli import ROOT, Rfbot

TEAMS = {
    "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID": "00000000-0000-0000-0000-000000000001",
    "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__TENANTID": "00000000-0000-0000-0000-0000000000aa",
    "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__ANONYMOUS_ALLOWED": "true",
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def test_serve_with_only_teams_says_it_serves_teams_health_and_metrics(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'bot.db'}"
    Rfbot(tmp_path, database)("db", "upgrade")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "RFBOT_", "SLACK_", "CONNECTIONS"))}
    env |= TEAMS | {"DATABASE_URL": database, "PYTHONPATH": str(ROOT), "NO_COLOR": "1"}
    command = [sys.executable, "-m", "bot", "serve", "--port", str(free_port())]
    lines: list[str] = []
    quiet = subprocess.DEVNULL
    with subprocess.Popen(command, cwd=tmp_path, env=env, stderr=subprocess.PIPE, stdout=quiet, text=True) as server:
        assert server.stderr is not None
        deadline = time.monotonic() + 60
        try:
            while time.monotonic() < deadline and not any(line.startswith("Serving") for line in lines):
                line = server.stderr.readline()
                if not line and server.poll() is not None:
                    break
                lines.append(line)
        finally:
            server.terminate()
            server.wait(timeout=30)
    said = "".join(lines)
    expected = (
        "Serving Teams (POST /api/messages), health (GET /healthz), readiness (GET /readyz), metrics (GET /metrics)"
    )
    assert expected in said, said
    assert "health and metrics only" not in said and "Slack" not in said.split("Serving", 1)[1]
