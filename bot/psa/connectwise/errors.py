"""Which ``PsaError`` an HTTP answer or a transport failure becomes, worded for the engineer.

Messages name the company, the ticket, the host and the permission area — never a key, the ``Authorization``
header or a request object (their ``repr`` could carry headers).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from bot.engine.psa import (
    PsaAuthError,
    PsaError,
    PsaForbiddenError,
    PsaNotFoundError,
    PsaRejectedError,
    PsaUnavailableError,
)
from bot.psa.connectwise import texts, wire
from bot.psa.connectwise.call import Call

RETRY_STATUSES = frozenset({429, 502, 503, 504})


def retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """``Retry-After`` in seconds: a number, or an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    try:
        return max(float(value.strip()), 0.0)
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - (now or datetime.now(UTC))).total_seconds(), 0.0)


def worth_retrying(status: int, body: str) -> bool:
    """Throttled, a gateway failure, or a 500 that says it timed out: the same request may succeed shortly."""
    return status in RETRY_STATUSES or (status == 500 and wire.mentions_timeout(body))


def _decoded(body: str) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        return None


def for_answer(call: Call, response: httpx.Response, *, company: str, site: str) -> PsaError:
    """The error for a non-2xx answer."""
    status, body = response.status_code, response.text
    decoded = _decoded(body)
    reason = wire.error_message(decoded)
    if status == 401:
        return PsaAuthError(texts.AUTH.format(company=company))
    if status == 403:
        return PsaForbiddenError(texts.FORBIDDEN.format(doing=call.doing, area=call.area))
    if status == 404:  # ConnectWise's own "no such record" is a JSON error; a web server's page means a wrong address
        if call.missing and isinstance(decoded, dict):
            return PsaNotFoundError(call.missing)
        return PsaNotFoundError(texts.ROUTE_MISSING.format(path=call.path, doing=call.doing, site=site))
    if status == 429:
        wait = retry_after(response.headers.get("retry-after"))
        return PsaUnavailableError(texts.THROTTLED.format(doing=call.doing), retry_after=wait)
    if status >= 500:
        message = texts.SERVER_ERROR.format(status=status, doing=call.doing) + (f": {reason}" if reason else "")
        return PsaUnavailableError(message, retry_after=retry_after(response.headers.get("retry-after")))
    if reason:
        return PsaRejectedError(texts.REJECTED.format(doing=call.doing, reason=reason))
    return PsaRejectedError(texts.REJECTED_NO_REASON.format(doing=call.doing, status=status))


def describe(err: httpx.HTTPError, timeout: float) -> str:
    """A transport failure in a few words (httpx messages carry no headers)."""
    if isinstance(err, httpx.TimeoutException):
        return f"no answer within {timeout:g}s" if isinstance(err, httpx.ReadTimeout) else type(err).__name__
    return str(err) or type(err).__name__


def not_sent(call: Call, err: httpx.HTTPError, *, host: str, timeout: float) -> PsaUnavailableError:
    """The connection could not be opened: nothing reached ConnectWise, so any request may be tried again."""
    return PsaUnavailableError(texts.UNREACHABLE.format(host=host, doing=call.doing, error=describe(err, timeout)))


def answer_lost(call: Call, err: httpx.HTTPError, *, timeout: float) -> PsaUnavailableError:
    """The request was (perhaps partly) sent and no answer came: ambiguous unless it is safe to repeat."""
    message = texts.LOST_ANSWER.format(doing=call.doing, error=describe(err, timeout))
    if call.may_repeat:
        return PsaUnavailableError(message)
    return PsaUnavailableError(message + texts.MAYBE_APPLIED, ambiguous=True)


def unreadable(call: Call, err: Exception) -> PsaUnavailableError:
    """A 2xx answer that is not the JSON expected; a POST that got one most likely landed."""
    message = texts.BAD_ANSWER.format(doing=call.doing, error=str(err) or type(err).__name__)
    if call.may_repeat:
        return PsaUnavailableError(message)
    return PsaUnavailableError(message + texts.MAYBE_APPLIED, ambiguous=True)


def made_ambiguous(err: PsaUnavailableError) -> PsaUnavailableError:
    """A server error answering a request that is not safe to repeat: it may have been applied before failing."""
    return PsaUnavailableError(err.message + texts.MAYBE_APPLIED, ambiguous=True, retry_after=err.retry_after)
