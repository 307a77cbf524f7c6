"""``Call``: one ConnectWise request, with what it is for — the words its failures are reported in, and whether
repeating it is harmless."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Call:
    """A request to the API root: ``path`` like ``/service/tickets/5``; ``doing`` ("reading ticket #5") and ``area``
    (a security-role permission) word the errors; ``missing`` is the message for a 404 ("Ticket #5 not found in
    ConnectWise"), else a 404 means a wrong site address. ``repeatable`` defaults to True for GET only: a POST is
    repeated only when it certainly never reached the server (connection refused, 429)."""

    method: str
    path: str
    doing: str
    area: str
    params: dict[str, str] | None = None
    body: Any = None
    missing: str = ""
    repeatable: bool | None = None

    @property
    def may_repeat(self) -> bool:
        """Whether sending this request twice has the same effect as sending it once."""
        return self.method == "GET" if self.repeatable is None else self.repeatable
