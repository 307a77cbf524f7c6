"""Logging for operators: one JSON object per line (``RFBOT_LOG_FORMAT=json``) or readable text, with the ids of
what was being done and no secrets.

* ``log_context(team_id=…, session_id=…, event_id=…, request_id=…)`` binds ids for the code it wraps (context
  variables, so concurrent tasks keep their own); every record logged inside carries them — the JSON formatter
  writes them as fields, the text formatter appends them.
* ``SecretScrubber`` (a filter on the root handler) masks the configured secret values (tokens, keys, passwords
  from ``Settings``) and anything shaped like a credential (Slack tokens, bearer tokens, JWTs, Anthropic/Voyage
  keys, ``password=…``) in the message, its arguments and the traceback, before any handler sees them.
"""

from __future__ import annotations

import json
import logging
import re
import traceback
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

FIELDS = ("request_id", "team_id", "session_id", "event_id")
_context: ContextVar[dict[str, str]] = ContextVar("rfbot_log_context", default={})  # noqa: B039 (never mutated)
MASK = "[secret]"
SHAPES = re.compile(
    r"xox[abposr]-[A-Za-z0-9-]{8,}"  # Slack tokens
    r"|(?i:bearer)\s+[A-Za-z0-9._~+/=-]{12,}"  # Authorization headers
    r"|eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"  # JWTs
    r"|sk-ant-[A-Za-z0-9_-]{8,}|pa-[A-Za-z0-9_-]{20,}"  # Anthropic and Voyage keys
    r"|(?i:(?:password|passwd|secret|private_key|client_secret)\s*[=:]\s*)\S+"  # key=value credentials
)
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s%(context)s"


@contextmanager
def log_context(**ids: str) -> Iterator[None]:
    """Bind ``ids`` (``FIELDS``; empty values are left out) to every record logged inside the block."""
    token = _context.set({**_context.get(), **{k: str(v) for k, v in ids.items() if v}})
    try:
        yield
    finally:
        _context.reset(token)


def current_context() -> dict[str, str]:
    """The ids bound here."""
    return dict(_context.get())


class SecretScrubber(logging.Filter):
    """Masks secret values and credential-shaped text in every record (message, arguments, traceback)."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self.secrets = sorted({s for s in secrets if len(s) >= 6}, key=len, reverse=True)

    def scrub(self, text: str) -> str:
        """``text`` with every secret masked."""
        for secret in self.secrets:
            text = text.replace(secret, MASK)
        return SHAPES.sub(MASK, text)

    def filter(self, record: logging.LogRecord) -> bool:
        """Render the message once, scrubbed; keep the traceback as scrubbed text."""
        record.msg = self.scrub(record.getMessage())
        record.args = None
        if record.exc_info:
            record.exc_text = self.scrub("".join(traceback.format_exception(*record.exc_info)).rstrip())
            record.exc_info = None
        for name, value in current_context().items():
            setattr(record, name, value)
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per record: ``time`` (UTC, ISO 8601), ``level``, ``logger``, ``message``, the bound ids,
    and ``exception`` when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as one line of JSON."""
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update({name: getattr(record, name) for name in FIELDS if getattr(record, name, "")})
        if record.exc_text:
            entry["exception"] = record.exc_text
        elif record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """The readable format, with the bound ids appended as ``[team=… session=…]``."""

    def __init__(self) -> None:
        super().__init__(TEXT_FORMAT)

    def format(self, record: logging.LogRecord) -> str:
        """The record as text."""
        ids = " ".join(
            f"{name.removesuffix('_id')}={getattr(record, name)}" for name in FIELDS if getattr(record, name, "")
        )
        record.context = f" [{ids}]" if ids else ""
        return super().format(record)


def configure_logging(level: str = "WARNING", fmt: str = "text", secrets: Iterable[str] = ()) -> None:
    """Send every log record to stderr through one handler, in ``fmt`` (``text`` or ``json``), scrubbed of
    ``secrets`` and credential-shaped text."""
    handler = logging.StreamHandler()
    handler.addFilter(SecretScrubber(secrets))
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
