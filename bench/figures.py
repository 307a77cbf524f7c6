"""What a benchmark returns besides printing: its figures as data, for ``bench.report``.

A ``Result`` is one benchmark's run: what was measured (``setup``), its ``rows`` and free-form ``notes``. A ``Row``
is one figure with the baseline measured in the same run (if the figure has one), the target (if any) and whether
it was met. The ratio is ``value / baseline`` when both are numbers.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


def verdict(met: bool | None) -> str:
    """``met`` / ``NOT MET`` / ``—`` (no target)."""
    if met is None:
        return "—"
    return "met" if met else "NOT MET"


def fmt(value: float | str | None, digits: int = 1) -> str:
    """A figure as text: numbers with ``digits`` decimals (more for small ones) and thousands separators, text as it
    is."""
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    if isinstance(value, int):
        return f"{value:,}"
    while digits < 3 and 0 < abs(value) < 10 ** (1 - digits):  # keep two significant digits of small figures
        digits += 1
    return f"{value:,.{digits}f}"


@dataclass
class Row:
    """One figure. ``value`` and ``baseline`` are in ``unit``; ``target`` is human text such as ``<= 100 ms``."""

    name: str
    value: float | str
    unit: str = ""
    baseline: float | str | None = None
    baseline_name: str = ""
    target: str = ""
    met: bool | None = None
    digits: int = 1

    @property
    def ratio(self) -> float | None:
        """``value / baseline`` when both are non-zero numbers."""
        if isinstance(self.value, (int, float)) and isinstance(self.baseline, (int, float)) and self.baseline:
            return float(self.value) / float(self.baseline)
        return None

    def cells(self) -> list[str]:
        """The row as table cells: figure, value, baseline, ratio, target, verdict."""
        unit = f" {self.unit}" if self.unit else ""
        base = "—" if self.baseline is None else f"{fmt(self.baseline, self.digits)}{unit}"
        if self.baseline_name:
            base += f" ({self.baseline_name})"
        ratio = "—" if self.ratio is None else f"{self.ratio:.2f}×"
        return [self.name, f"{fmt(self.value, self.digits)}{unit}", base, ratio, self.target or "—", verdict(self.met)]


@dataclass
class Result:
    """One benchmark's figures. ``details`` are extra lines (kept as printed) for the report's detail block."""

    key: str
    title: str
    setup: str
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    details: list[str] = field(default_factory=list)

    def add(self, *rows: Row) -> Result:
        """Append rows; returns self."""
        self.rows.extend(rows)
        return self

    @property
    def met(self) -> bool | None:
        """False if any target was missed, True if every target was met, None if the benchmark has no target."""
        verdicts = [r.met for r in self.rows if r.met is not None]
        return None if not verdicts else all(verdicts)

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (rows with their ratios)."""
        data = asdict(self)
        for row, raw in zip(self.rows, data["rows"], strict=True):
            raw["ratio"] = row.ratio
        return data
