"""Checked conversions for values the model sent: strings clipped, lists and objects type-checked, numbers clamped.

Every helper raises ``ParseError`` (with the field's path) when a value has the wrong type; ``bot.pilot.parse``
builds the engine's types on top of them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from enum import StrEnum
from typing import Any, TypeVar

E = TypeVar("E", bound=StrEnum)


class ParseError(ValueError):
    """The tool input cannot be used; the message says what was wrong in a few words."""


def clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters (an ellipsis marks the cut)."""
    return text if len(text) <= limit else text[: max(limit - 1, 0)].rstrip() + "…"


def text(value: Any, limit: int, field: str) -> str:
    """A string (numbers are accepted and converted), stripped and clipped; "" for a missing value."""
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ParseError(f"{field} must be a string")
    return clip(str(value).strip(), limit)


def items(value: Any, field: str) -> list[Any]:
    """A list; a single string or object counts as a list of one; [] for a missing value."""
    if value is None:
        return []
    if isinstance(value, str | dict):  # one item where a list was expected
        return [value]
    if not isinstance(value, list):
        raise ParseError(f"{field} must be a list")
    return value


def mapping(value: Any, field: str) -> Mapping[str, Any] | None:
    """An object; None for a missing or empty one."""
    if value is None or value == {}:
        return None
    if not isinstance(value, Mapping):
        raise ParseError(f"{field} must be an object")
    return value


def strings(value: Any, limit: int, count: int, field: str) -> tuple[str, ...]:
    """Up to ``count`` distinct (case-insensitively), non-empty, clipped strings."""
    kept: list[str] = []
    seen: set[str] = set()
    for i, item in enumerate(items(value, field)):
        value_text = text(item, limit, f"{field}[{i}]")
        if value_text and value_text.casefold() not in seen:
            seen.add(value_text.casefold())
            kept.append(value_text)
    return tuple(kept[:count])


def choice(value: Any, enum: type[E], field: str) -> E:
    """A member of ``enum`` (case-insensitive); anything else is a ``ParseError`` naming the allowed values."""
    try:
        return enum(str(value).strip().lower())
    except ValueError:
        allowed = ", ".join(e.value for e in enum)
        raise ParseError(f"{field} must be one of: {allowed} (got {clip(str(value), 40)!r})") from None


def confidence(value: Any, field: str = "confidence") -> float:
    """A confidence in 0..1: numbers are clamped, ``1 < x <= 100`` and ``"75%"`` read as percentages."""
    if value is None or isinstance(value, bool):
        raise ParseError(f"{field} is required: a number from 0 to 1")
    try:
        raw = str(value).strip()
        number = float(raw.rstrip("%")) / (100 if raw.endswith("%") else 1)
    except ValueError:
        raise ParseError(f"{field} must be a number from 0 to 1") from None
    if not math.isfinite(number):
        raise ParseError(f"{field} must be a number from 0 to 1")
    if 1 < number <= 100:
        number /= 100
    return min(1.0, max(0.0, number))


def percent(value: Any) -> int:
    """A 0-100 score (a fraction below 1 is scaled up); 50 when missing or not a number."""
    if value is None or isinstance(value, bool):
        return 50
    try:
        number = float(value)
    except (TypeError, ValueError):
        return 50
    if not math.isfinite(number):
        return 50
    if 0 < number < 1:
        number *= 100
    return round(min(100.0, max(0.0, number)))
