"""Validation of five-field cron expressions (minute hour day-of-month month day-of-week)."""

from __future__ import annotations

FIELDS = (("minute", 0, 59), ("hour", 0, 23), ("day of month", 1, 31), ("month", 1, 12), ("day of week", 0, 7))
NAMES = {
    "month": {
        m: i + 1
        for i, m in enumerate(["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"])
    },
    "day of week": {d: i for i, d in enumerate(["sun", "mon", "tue", "wed", "thu", "fri", "sat"])},
}


def _value(text: str, field: str, low: int, high: int) -> int:
    number = NAMES.get(field, {}).get(text.lower())
    if number is None:
        if not text.isdigit():
            raise ValueError(f"{field} {text!r} is not a number")
        number = int(text)
    if not low <= number <= high:
        raise ValueError(f"{field} {number} is outside {low}-{high}")
    return number


def _part(part: str, field: str, low: int, high: int) -> None:
    base, _, step = part.partition("/")
    if step and (not step.isdigit() or int(step) == 0):
        raise ValueError(f"{field} step {step!r} must be a whole number above 0")
    if base == "*":
        return
    start, dash, end = base.partition("-")
    first = _value(start, field, low, high)
    if dash and _value(end, field, low, high) < first:
        raise ValueError(f"{field} range {base!r} runs backwards")


def cron_problem(expression: str) -> str:
    """ "" when the expression is valid, else what is wrong with it."""
    parts = expression.split()
    if len(parts) != 5:
        return f"a cron schedule has 5 fields (minute hour day month weekday); {expression!r} has {len(parts)}"
    for text, (field, low, high) in zip(parts, FIELDS, strict=True):
        try:
            for piece in text.split(","):
                if not piece:
                    raise ValueError(f"{field} has an empty list item")
                _part(piece, field, low, high)
        except ValueError as err:
            return f"bad cron schedule {expression!r}: {err}"
    return ""
