"""Durations written in flow files (a maintenance run's ``deadline``): ``90m``, ``4h``, ``1d``, ``2h30m``."""

from __future__ import annotations

import re
from datetime import timedelta

_PART = re.compile(r"(\d+)\s*([dhm])", re.IGNORECASE)
_WHOLE = re.compile(r"^\s*(\d+\s*[dhm]\s*)+$", re.IGNORECASE)
_UNIT = {"d": timedelta(days=1), "h": timedelta(hours=1), "m": timedelta(minutes=1)}
LONGEST = timedelta(days=31)


def parse_duration(text: str) -> timedelta | None:
    """The duration ``text`` names (days ``d``, hours ``h``, minutes ``m``, combined as in ``1d12h``), or None when
    it is not written that way."""
    if not _WHOLE.match(text or ""):
        return None
    return sum((int(n) * _UNIT[unit.lower()] for n, unit in _PART.findall(text)), timedelta())


def duration_problem(text: str) -> str:
    """ "" when ``text`` is a usable run deadline (more than zero, at most 31 days), else what is wrong."""
    span = parse_duration(text)
    if span is None:
        return f"deadline {text!r} is not a duration; write it like 90m, 4h, 1d or 2h30m"
    if span <= timedelta():
        return f"deadline {text!r} must be longer than zero"
    if span > LONGEST:
        return f"deadline {text!r} is longer than 31 days"
    return ""
