"""Problems found in flow files, each with file, line and a stable code."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class FlowError:
    """One problem: where it is and what is wrong. ``code`` is stable for tests and tools."""

    path: str
    line: int
    message: str
    code: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


class FlowLoadError(Exception):
    """A flow file could not be loaded; ``errors`` lists every problem found."""

    def __init__(self, errors: list[FlowError]) -> None:
        super().__init__("\n".join(str(e) for e in errors))
        self.errors = errors


def suggest(word: str, candidates: Iterable[str]) -> str:
    """`` — did you mean 'x'?`` when something close exists, else ""."""
    close = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return f" — did you mean {close[0]!r}?" if close else ""
