"""A shared base for loopback fakes of outside services (Slack, Teams, ConnectWise, Anthropic, Voyage).

Each fake is an aiohttp ``web.Application`` served on ``127.0.0.1`` port 0. Every request that reaches the fake is
recorded in ``calls`` (before any scripted fault is applied, so retries are visible), and tests can script faults
(``fail_next``), slowness (``delay_next``), dropped connections (``reset_next``), answers held back after the request
took effect (``stall_next``) and a whole outage (``outage`` ... ``outage_end``) for requests whose path ends with a
given suffix.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, ClassVar, Self
from urllib.parse import parse_qsl

from aiohttp import web

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass
class RecordedCall:
    """One HTTP request received by a fake."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    data: Any
    time: float = field(default_factory=time.monotonic)

    @property
    def json(self) -> Any:
        """The parsed JSON body (``None`` when the body was not JSON)."""
        return self.data if self.is_json else None

    @property
    def is_json(self) -> bool:
        """Whether the request body was JSON."""
        return "json" in self.headers.get("content-type", "") or self.body[:1] in (b"{", b"[")


RECORDED = web.RequestKey("recorded_call", RecordedCall)
"""Where the recording middleware leaves a request's ``RecordedCall`` (its body already parsed) for the handler."""


@dataclass
class _Script:
    path_suffix: str
    times: int
    status: int = 200
    body: Any = None
    headers: dict[str, str] | None = None
    seconds: float = 0.0
    after: bool = False


@dataclass
class _Outage:
    refuse: bool
    status: int
    body: Any
    headers: dict[str, str] | None


def parse_body(body: bytes, content_type: str) -> Any:
    """Parse a request body as JSON or form data; return ``None`` for an empty or unparseable body."""
    if not body:
        return None
    text = body.decode("utf-8", errors="replace")
    if "json" in content_type or text.lstrip()[:1] in ("{", "["):
        try:
            return json.loads(text)
        except ValueError:
            return None
    if "x-www-form-urlencoded" in content_type or "=" in text:
        return dict(parse_qsl(text, keep_blank_values=True))
    return None


class LoopbackFake:
    """Runs ``self.app`` on 127.0.0.1:0, records every request and applies scripted faults and delays.

    Subclasses add their routes to ``self.app.router`` in ``__init__`` (before ``start()``). ``listeners`` are called
    with each recorded call as it arrives (benchmarks follow the traffic without polling). ``outage_body`` is what an
    ``outage`` answers with; subclasses set their service's error shape.
    """

    outage_body: ClassVar[Any] = {"error": "service_unavailable"}

    def __init__(self) -> None:
        self.app = web.Application(middlewares=[self._middleware])
        self.calls: list[RecordedCall] = []
        self.listeners: list[Callable[[RecordedCall], None]] = []
        self.base_url = ""
        self._faults: list[_Script] = []
        self._delays: list[_Script] = []
        self._resets: list[_Script] = []
        self._stalls: list[_Script] = []
        self._outage: _Outage | None = None
        self._released = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self._site: web.TCPSite | None = None
        self._port = 0

    async def start(self) -> str:
        """Start serving; return the base URL, e.g. ``http://127.0.0.1:54321``."""
        if self._runner is not None:
            return self.base_url
        runner = web.AppRunner(self.app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        self._runner, self._site = runner, site
        host, self._port = runner.addresses[0][:2]
        self.base_url = f"http://{host}:{self._port}"
        return self.base_url

    async def stop(self) -> None:
        """Stop serving and release the port (stalled answers are released first)."""
        self.release_stalls()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()

    def fail_next(
        self, path_suffix: str, status: int, body: dict[str, Any], headers: dict[str, str] | None = None, times: int = 1
    ) -> None:
        """Answer the next ``times`` requests whose path ends with ``path_suffix`` with ``status`` + JSON ``body``."""
        self._faults.append(_Script(path_suffix, times, status=status, body=body, headers=headers))

    def delay_next(self, path_suffix: str, seconds: float, times: int = 1) -> None:
        """Sleep ``seconds`` before handling the next ``times`` requests whose path ends with ``path_suffix``."""
        self._delays.append(_Script(path_suffix, times, seconds=seconds))

    def reset_next(self, path_suffix: str, times: int = 1, *, after_handling: bool = False) -> None:
        """Drop the connection without answering the next ``times`` requests whose path ends with ``path_suffix``.
        With ``after_handling`` the request is handled first (its effect stays, e.g. a note is stored) and only the
        answer is lost."""
        self._resets.append(_Script(path_suffix, times, after=after_handling))

    def stall_next(self, path_suffix: str, seconds: float, times: int = 1) -> None:
        """Handle the next ``times`` matching requests, then hold each answer back for ``seconds`` (or until
        ``release_stalls``/``stop``): longer than a client's timeout, the request took effect but the answer is lost."""
        self._stalls.append(_Script(path_suffix, times, seconds=seconds))

    def release_stalls(self) -> None:
        """Let every held-back answer go now."""
        self._released.set()
        self._released = asyncio.Event()

    async def outage(
        self, *, refuse: bool = False, status: int = 503, body: Any = None, headers: dict[str, str] | None = None
    ) -> None:
        """Until ``outage_end``, every request fails: answered with ``status`` and ``body`` (default
        ``outage_body``), or with ``refuse`` the port stops listening (connection refused) and open connections are
        dropped."""
        self._outage = _Outage(refuse, status, self.outage_body if body is None else body, headers)
        if refuse and self._site is not None and self._runner is not None:
            await self._site.stop()
            self._site = None
            for connection in list(self._runner.server.connections if self._runner.server else ()):
                connection.force_close()
            for _ in range(100):  # let the closes reach the sockets, so clients see them before reusing one
                if not (self._runner.server and self._runner.server.connections):
                    break
                await asyncio.sleep(0)

    async def outage_end(self) -> None:
        """End the outage; a refused port listens again (same address)."""
        self._outage = None
        if self._site is None and self._runner is not None:
            site = web.TCPSite(self._runner, "127.0.0.1", self._port)
            await site.start()
            self._site = site

    async def wait_for(self, predicate: Callable[[RecordedCall], bool], timeout: float = 5.0) -> RecordedCall:  # noqa: ASYNC109
        """Wait until a recorded call matches ``predicate`` and return it; fail the test after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            for call in self.calls:
                if predicate(call):
                    return call
            if time.monotonic() > deadline:
                seen = ", ".join(f"{c.method} {c.path}" for c in self.calls) or "nothing"
                raise AssertionError(f"no matching call within {timeout}s; received: {seen}")
            await asyncio.sleep(0.01)

    def calls_to(self, path_suffix: str) -> list[RecordedCall]:
        """Recorded calls whose path ends with ``path_suffix``."""
        return [c for c in self.calls if c.path.endswith(path_suffix)]

    @staticmethod
    def _take(scripts: list[_Script], path: str) -> _Script | None:
        for script in scripts:
            if path.endswith(script.path_suffix):
                script.times -= 1
                if script.times <= 0:
                    scripts.remove(script)
                return script
        return None

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        body = await request.read()
        headers = {k.lower(): v for k, v in request.headers.items()}
        data = parse_body(body, headers.get("content-type", ""))
        call = RecordedCall(request.method, request.path, dict(request.query), headers, body, data)
        request[RECORDED] = call  # handlers may reuse the parsed body
        self.calls.append(call)
        for listener in self.listeners:
            listener(call)
        outage = self._outage
        if outage is not None:
            if outage.refuse:
                return self._drop(request)
            return web.json_response(outage.body, status=outage.status, headers=outage.headers)
        delay = self._take(self._delays, request.path)
        if delay is not None:
            await asyncio.sleep(delay.seconds)
        reset = self._take(self._resets, request.path)
        if reset is not None and not reset.after:
            return self._drop(request)
        fault = self._take(self._faults, request.path)
        if fault is not None:
            return web.json_response(fault.body, status=fault.status, headers=fault.headers)
        response = await handler(request)
        if reset is not None:
            return self._drop(request)
        stall = self._take(self._stalls, request.path)
        if stall is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._released.wait(), stall.seconds)
        return response

    @staticmethod
    def _drop(request: web.Request) -> web.StreamResponse:
        """Close the connection with no answer (the returned response is never written)."""
        request.protocol.force_close()
        return web.Response(status=499)
