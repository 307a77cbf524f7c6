"""HTTP plumbing for ConnectWise: one ``httpx.AsyncClient`` per connection, retries, paging, errors.

Retries (exponential backoff with jitter, or exactly ``Retry-After`` when the server sends one) happen on 429,
502/503/504, a 500 that says it timed out, and connection failures — but only when repeating is harmless:

* a request that never left (connection refused, DNS, connect timeout) or was refused with 429 is always retried;
* GET, and PATCHes marked repeatable (setting a status), are retried after any of the failures above;
* a POST whose answer is lost (read timeout, connection dropped after sending) or that got a 5xx is NOT retried:
  it raises ``PsaUnavailableError(ambiguous=True)``, and the delivery worker first looks for the note's marker.

A ``Retry-After`` longer than ``max_retry_after`` is not waited for here; the error carries it to the caller.
"""

from __future__ import annotations

import logging
import random
from collections.abc import AsyncGenerator, Awaitable, Callable
from dataclasses import replace
from typing import Any
from urllib.parse import urlsplit

import httpx

from bot.engine.psa import PsaError, PsaRejectedError, PsaUnavailableError
from bot.psa.connectwise import errors, texts, wire
from bot.psa.connectwise.call import Call

log = logging.getLogger("bot.psa.connectwise")
Sleep = Callable[[float], Awaitable[object]]
MAX_PAGES = 10_000


class RestSession:
    """Sends ``Call``s to one ConnectWise site with one set of keys. The keys live only in the HTTP client's
    default headers (httpx masks ``Authorization`` in reprs); nothing here logs headers."""

    def __init__(
        self,
        site_url: str,
        default_headers: dict[str, str],
        *,
        company: str,
        base_path: str,
        timeout: float,
        max_attempts: int,
        backoff_base: float,
        backoff_cap: float,
        max_retry_after: float,
        sleep: Sleep,
        transport: httpx.AsyncBaseTransport | None,
    ) -> None:
        try:
            self.base_url = wire.api_base(site_url, base_path)
            self._http = httpx.AsyncClient(
                base_url=self.base_url,
                headers=default_headers,
                timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
                transport=transport,
                follow_redirects=False,
            )
        except (ValueError, httpx.InvalidURL) as err:
            raise PsaRejectedError(texts.BAD_SITE.format(site=site_url.strip(), error=err)) from None
        self.company = company
        self.host = urlsplit(self.base_url).netloc
        self._timeout = timeout
        self._max_attempts = max(1, max_attempts)
        self._backoff_base = backoff_base
        self._backoff_cap = backoff_cap
        self._max_retry_after = max_retry_after
        self._sleep = sleep

    def backoff(self, attempt: int) -> float:
        """Seconds to wait after failed attempt ``attempt`` (1-based): half fixed, half random ("equal jitter")."""
        ceiling = min(self._backoff_cap, self._backoff_base * 2.0 ** (attempt - 1))
        return ceiling / 2 + random.uniform(0, ceiling / 2)

    async def send(self, call: Call) -> httpx.Response:
        """Send with retries; return the 2xx answer or raise the ``PsaError`` it (or the network) amounts to."""
        attempt = 0
        while True:
            attempt += 1
            failure = await self._attempt(call)
            if isinstance(failure, httpx.Response):
                return failure
            wait = failure.retry_after
            if attempt >= self._max_attempts or (wait is not None and wait > self._max_retry_after):
                raise failure
            delay = wait if wait is not None else self.backoff(attempt)
            log.warning(
                "ConnectWise %s %s failed (%s); attempt %d of %d, next in %.2fs",
                call.method, call.path, failure.message, attempt, self._max_attempts, delay,
            )  # fmt: skip
            await self._sleep(delay)

    async def _attempt(self, call: Call) -> httpx.Response | PsaUnavailableError:
        """One try: the 2xx answer, or a failure worth retrying; anything else is raised."""
        try:
            response = await self._http.request(call.method, call.path, params=call.params, json=call.body)
        except (httpx.UnsupportedProtocol, httpx.LocalProtocolError) as err:
            problem = errors.describe(err, self._timeout)
            raise PsaError(texts.BAD_SITE.format(site=self.base_url, error=problem)) from err
        except httpx.DecodingError as err:  # an answer came, but its body cannot be decoded
            raise errors.unreadable(call, err) from None
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.ProxyError) as err:
            return errors.not_sent(call, err, host=self.host, timeout=self._timeout)
        except httpx.TransportError as err:
            lost = errors.answer_lost(call, err, timeout=self._timeout)
            if lost.ambiguous:
                raise lost from err
            return lost
        if response.is_success:
            return response
        error = errors.for_answer(call, response, company=self.company, site=self.base_url)
        if not isinstance(error, PsaUnavailableError):
            raise error
        if not call.may_repeat and response.status_code != 429:
            raise errors.made_ambiguous(error)
        if not errors.worth_retrying(response.status_code, response.text):
            raise error
        return error

    async def json(self, call: Call) -> Any:
        """Send and decode the JSON answer (None for an empty one)."""
        return self.decode(call, await self.send(call))

    @staticmethod
    def decode(call: Call, response: httpx.Response) -> Any:
        """The answer's JSON; an unreadable answer is a ``PsaUnavailableError`` (ambiguous for a POST)."""
        if response.status_code == 204 or not response.content:
            return None
        try:
            return response.json()
        except ValueError as err:
            raise errors.unreadable(call, err) from None

    async def pages(self, call: Call) -> AsyncGenerator[list[Any], None]:
        """Each page of a list, following ``Link: <…>; rel="next"`` (its parameters, asked of our own base URL).
        Use with ``contextlib.aclosing`` when stopping early."""
        params = dict(call.params or {})
        seen: set[tuple[tuple[str, str], ...]] = set()
        for _ in range(MAX_PAGES):
            page = replace(call, params=params)
            response = await self.send(page)
            try:
                items = wire.parse_list(self.decode(page, response), call.path)
            except wire.WireError as err:
                raise errors.unreadable(page, err) from None
            yield items
            following = wire.next_page(response.headers.get("link"))
            if following is None:
                return
            params = {**(call.params or {}), **following}
            key = tuple(sorted(params.items()))
            if key in seen:  # a server that links a page to itself must not loop us forever
                return
            seen.add(key)

    async def close(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    def __repr__(self) -> str:
        return f"RestSession(company={self.company!r}, base_url={self.base_url!r})"
