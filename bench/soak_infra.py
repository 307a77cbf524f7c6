"""The soak's machinery: a private PostgreSQL cluster, the ``rfbot serve`` replicas and the round-robin proxy.

* ``PrivatePostgres``: ``initdb`` into a temporary directory (binaries from ``SOAK_PG_BIN``, default
  ``/usr/lib/postgresql/15/bin``), trust auth, fsync off, a free TCP port on 127.0.0.1 and its unix socket in the
  same directory; ``restart`` stops it for a while (the pg-restart drill) and starts it again; ``remove`` stops it
  and deletes the directory. The machine's shared cluster (5432) is never touched. Run as root, the server runs as
  the ``postgres`` user (PostgreSQL refuses root).
* ``Replicas``: each replica is ``python -m bot serve`` in its own process with its log in a file; ``kill`` sends
  SIGKILL (no shutdown, no lane release: the kill -9 drill), ``spawn`` starts a replacement. ``log_findings`` counts
  the error and traceback lines of every replica's log.
* ``Proxy``: a round-robin reverse proxy like a load balancer with passive health checks: a replica that refuses
  the connection is skipped (the request goes to the next one); a replica that dies while answering gives a 502, and
  the platform driver redelivers, as Slack and Teams do.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
from aiohttp import web

PG_BIN = Path(os.environ.get("SOAK_PG_BIN", "/usr/lib/postgresql/15/bin"))
ERROR_MARKS = ("ERROR", "Traceback", "CRITICAL")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PrivatePostgres:
    """A throwaway PostgreSQL cluster of the soak's own (``start`` ... ``remove``)."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = root or Path(tempfile.mkdtemp(prefix="rfbot-soak-pg-"))
        self.data = self.root / "data"
        self.port = free_port()
        self.log = self.root / "postgres.log"
        self._as_postgres = os.geteuid() == 0

    @property
    def url(self) -> str:
        """The admin URL of the ``postgres`` database."""
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        prefix = ["runuser", "-u", "postgres", "--"] if self._as_postgres else []
        return subprocess.run([*prefix, *args], check=check, capture_output=True, text=True, timeout=120)

    def _ctl(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), *args, check=check)

    def start_sync(self) -> None:
        """initdb (first time) and start the server; returns once it accepts connections."""
        if not (PG_BIN / "initdb").exists():
            raise RuntimeError(f"no PostgreSQL binaries in {PG_BIN} (set SOAK_PG_BIN)")
        if self._as_postgres:
            shutil.chown(self.root, "postgres", "postgres")
        if not self.data.exists():
            self._run(
                str(PG_BIN / "initdb"),
                "-D",
                str(self.data),
                "-U",
                "postgres",
                "-A",
                "trust",
                "--no-sync",
                "-E",
                "UTF8",
                "--locale",
                "C",
            )
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off "
            "-c full_page_writes=off -c max_connections=300 -c shared_buffers=64MB"
        )
        self._ctl("-o", options, "-l", str(self.log), "-w", "-t", "60", "start")

    def stop_sync(self, mode: str = "fast") -> None:
        """Stop the server (``fast``: disconnect every client and shut down cleanly; ``immediate``: like a crash)."""
        self._ctl("-m", mode, "-w", "-t", "60", "stop", check=False)

    async def start(self) -> None:
        """``start_sync`` off the event loop."""
        await asyncio.to_thread(self.start_sync)

    async def restart(self, down_seconds: float, mode: str = "fast") -> tuple[float, float]:
        """Stop the server, keep it down ``down_seconds``, start it again; (stopped at, accepting again at) on the
        ``time.monotonic`` clock."""
        await asyncio.to_thread(self.stop_sync, mode)
        stopped = time.monotonic()
        await asyncio.sleep(down_seconds)
        await self.start()
        return stopped, time.monotonic()

    def remove(self) -> None:
        """Stop the server and delete its directory."""
        if self.data.exists():
            self.stop_sync("immediate")
        shutil.rmtree(self.root, ignore_errors=True)


@dataclass
class Replica:
    """One ``rfbot serve`` process."""

    number: int
    port: int
    process: asyncio.subprocess.Process
    log_path: Path
    killed: bool = False
    killed_at: datetime | None = None  # wall clock (the database's time stamps)

    @property
    def url(self) -> str:
        """Its base URL."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def alive(self) -> bool:
        """Still running."""
        return self.process.returncode is None


@dataclass
class Replicas:
    """The replicas of one soak: started with the same environment, killed and replaced by the drills."""

    env: Mapping[str, str]
    log_dir: Path
    members: list[Replica] = field(default_factory=list)
    _numbers: itertools.count[int] = field(default_factory=itertools.count)

    @property
    def live(self) -> list[Replica]:
        """The replicas running now, in start order."""
        return [r for r in self.members if r.alive and not r.killed]

    async def spawn(self, timeout: float = 120.0) -> Replica:  # noqa: ASYNC109 - a bound, not a timing target
        """Start one more replica; returns once its ``/healthz`` answers 200."""
        number, port = next(self._numbers), free_port()
        log_path = self.log_dir / f"replica-{number}.log"
        with log_path.open("wb") as log:
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot",
                "serve",
                "--port",
                str(port),
                env={**os.environ, **self.env},
                stdout=asyncio.subprocess.DEVNULL,
                stderr=log,
            )
        replica = Replica(number, port, process, log_path)
        self.members.append(replica)
        deadline = time.monotonic() + timeout
        async with aiohttp.ClientSession() as http:
            while True:
                if process.returncode is not None:
                    raise RuntimeError(f"replica {number} exited: {log_path.read_text()[-2000:]}")
                with contextlib.suppress(aiohttp.ClientError):
                    async with http.get(replica.url + "/healthz") as response:
                        if response.status == 200:
                            return replica
                if time.monotonic() > deadline:
                    raise RuntimeError(f"replica {number} did not become healthy: {log_path.read_text()[-2000:]}")
                await asyncio.sleep(0.1)

    async def start(self, count: int) -> None:
        """Start ``count`` replicas at once."""
        await asyncio.gather(*(self.spawn() for _ in range(count)))

    async def kill(self, replica: Replica) -> None:
        """kill -9: no shutdown hooks run, its lanes and leases are left for the others to take over."""
        replica.killed, replica.killed_at = True, datetime.now(UTC)
        with contextlib.suppress(ProcessLookupError):
            replica.process.send_signal(signal.SIGKILL)
        await replica.process.wait()

    async def stop(self) -> None:
        """Stop every replica still running (SIGTERM: a graceful shutdown), then wait for them."""
        for replica in self.members:
            if replica.alive:
                with contextlib.suppress(ProcessLookupError):
                    replica.process.terminate()
        for replica in self.members:
            try:
                await asyncio.wait_for(replica.process.wait(), 30)
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    replica.process.kill()
                await replica.process.wait()

    def log_findings(self) -> dict[str, list[str]]:
        """Per replica log: its error / traceback / pass-failed lines (first 200 characters each)."""
        found: dict[str, list[str]] = {}
        for replica in self.members:
            text = replica.log_path.read_text(errors="replace") if replica.log_path.exists() else ""
            lines = [line[:200] for line in text.splitlines() if any(mark in line for mark in ERROR_MARKS)]
            lines += [line[:200] for line in text.splitlines() if "pass failed" in line and line[:200] not in lines]
            found[f"replica-{replica.number}"] = lines
        return found


class Proxy:
    """Round-robin over the live replicas; a refused connection moves on to the next replica."""

    def __init__(self, replicas: Replicas) -> None:
        self.replicas = replicas
        self._turn = itertools.count()
        self._session: aiohttp.ClientSession | None = None
        self._runner: web.AppRunner | None = None
        self.url = ""
        self.bad_gateway = 0  # requests that reached a replica that died before answering

    async def start(self) -> str:
        """Serve on a free port; returns the base URL."""
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60))
        app = web.Application(client_max_size=4 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._forward)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        port = free_port()
        await web.TCPSite(self._runner, "127.0.0.1", port).start()
        self.url = f"http://127.0.0.1:{port}"
        return self.url

    async def stop(self) -> None:
        """Stop serving."""
        if self._runner is not None:
            await self._runner.cleanup()
        if self._session is not None:
            await self._session.close()

    async def _forward(self, request: web.Request) -> web.StreamResponse:
        assert self._session is not None
        skip = {"host", "content-length", "transfer-encoding", "connection"}
        headers = {k: v for k, v in request.headers.items() if k.lower() not in skip}
        body = await request.read()
        for _ in range(max(1, len(self.replicas.members))):
            live = self.replicas.live
            if not live:
                break
            target = live[next(self._turn) % len(live)]
            try:
                async with self._session.request(
                    request.method, target.url + request.path_qs, data=body, headers=headers
                ) as r:
                    return web.Response(status=r.status, body=await r.read(), headers=_passed(r.headers))
            except aiohttp.ClientConnectorError:
                continue  # refused: not started, or dead; a load balancer's passive check skips it
            except (aiohttp.ClientError, TimeoutError):
                self.bad_gateway += 1
                return web.Response(status=502, text="bad gateway")
        return web.Response(status=503, text="no replica")


def _passed(headers: Mapping[str, str]) -> dict[str, str]:
    keep = ("content-type", "retry-after")
    return {k: v for k, v in headers.items() if k.lower() in keep}
