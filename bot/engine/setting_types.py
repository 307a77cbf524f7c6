"""The kinds of team setting: how each reads a stored JSON value, parses what an admin typed, and shows a value.

A ``Setting[T]`` knows its key, default, one-line description and who may change it. ``read`` never fails: a stored
value of the wrong type (a hand-edited row, an older release) falls back to the default, and a number out of bounds
is clamped, so every reader gets a usable value. ``parse`` is strict: it raises ``SettingError`` with a message that
says what a valid value looks like, so a bad entry changes nothing. The catalog of every team setting is
``bot.engine.team_settings``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from bot.engine.model import Role

T = TypeVar("T")
ADMINS = (Role.TEAM_ADMIN, Role.SUPER_ADMIN)
TRUE_WORDS = frozenset({"yes", "y", "true", "on", "1", "enabled", "enable"})
FALSE_WORDS = frozenset({"no", "n", "false", "off", "0", "disabled", "disable"})
NONE_WORDS = frozenset({"none", "-", "off", "nobody"})


class SettingError(ValueError):
    """A value an admin typed that the setting cannot take; ``message`` is shown as it is."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True, slots=True, kw_only=True)
class Setting(Generic[T]):
    """One team setting: ``key`` in the team's JSON preferences, its ``default``, a one-line ``description``,
    a short ``label`` for forms and cards, and the roles that may change it (``editable=False``: shown, but changed
    by its own command, named in ``managed_by``)."""

    key: str
    default: T
    label: str
    description: str
    changed_by: tuple[Role, ...] = ADMINS
    editable: bool = True
    managed_by: str = ""

    def read(self, stored: object) -> T:
        """The value to use for ``stored`` (missing or unusable: the default)."""
        raise NotImplementedError

    def parse(self, text: str) -> T:
        """The value an admin typed, or ``SettingError``; empty text is the default."""
        raise NotImplementedError

    def show(self, value: T) -> str:
        """A value as text (what a form is pre-filled with; ``parse(show(v)) == v``)."""
        return str(value)

    def describe(self, value: T) -> str:
        """A value as a card shows it."""
        return self.show(value) or "none"

    def stored(self, value: T) -> object:
        """A value as kept in the JSON preferences."""
        return value

    def rule(self) -> str:
        """What a valid value looks like, for error messages and form hints."""
        return ""


@dataclass(frozen=True, slots=True, kw_only=True)
class IntSetting(Setting[int]):
    """A whole number from ``minimum`` to ``maximum``; ``zero_means`` names what 0 does ("never")."""

    minimum: int = 0
    maximum: int = 0
    zero_means: str = ""
    unit: str = ""

    def read(self, stored: object) -> int:
        if isinstance(stored, bool) or not isinstance(stored, int | float):
            return self.default
        return min(self.maximum, max(self.minimum, int(stored)))

    def parse(self, text: str) -> int:
        words = text.strip().lower()
        if not words:
            return self.default
        if self.zero_means and words == self.zero_means:
            return 0
        try:
            value = int(words)
        except ValueError:
            raise SettingError(self.rule()) from None
        if not self.minimum <= value <= self.maximum:
            raise SettingError(self.rule())
        return value

    def describe(self, value: int) -> str:
        shown = f"{value} {self.unit}".strip()
        return f"{value} ({self.zero_means})" if value == 0 and self.zero_means else shown

    def rule(self) -> str:
        low = f"{self.minimum} ({self.zero_means})" if self.minimum == 0 and self.zero_means else str(self.minimum)
        return f"`{self.key}` must be a whole number from {low} to {self.maximum}"


@dataclass(frozen=True, slots=True, kw_only=True)
class BoolSetting(Setting[bool]):
    """On or off (typed as yes/no, on/off, true/false)."""

    def read(self, stored: object) -> bool:
        return stored if isinstance(stored, bool) else self.default

    def parse(self, text: str) -> bool:
        words = text.strip().lower()
        if not words:
            return self.default
        if words in TRUE_WORDS:
            return True
        if words in FALSE_WORDS:
            return False
        raise SettingError(self.rule())

    def show(self, value: bool) -> str:
        return "yes" if value else "no"

    def rule(self) -> str:
        return f"`{self.key}` must be yes or no"


@dataclass(frozen=True, slots=True, kw_only=True)
class TextSetting(Setting[str]):
    """One line of text of at most ``max_length`` characters ("" = none)."""

    max_length: int = 100

    def read(self, stored: object) -> str:
        return stored.strip()[: self.max_length] if isinstance(stored, str) else self.default

    def parse(self, text: str) -> str:
        value = " ".join(text.split())
        if value.lower() in NONE_WORDS:
            return ""
        if len(value) > self.max_length:
            raise SettingError(self.rule())
        return value

    def rule(self) -> str:
        return f"`{self.key}` must be one line of at most {self.max_length} characters (`none` to clear it)"


@dataclass(frozen=True, slots=True, kw_only=True)
class ChoiceSetting(Setting[str]):
    """One of ``choices`` (any case)."""

    choices: tuple[str, ...] = ()

    def read(self, stored: object) -> str:
        return stored if isinstance(stored, str) and stored in self.choices else self.default

    def parse(self, text: str) -> str:
        words = text.strip().lower()
        if not words:
            return self.default
        found = [c for c in self.choices if c.lower() == words]
        if not found:
            raise SettingError(self.rule())
        return found[0]

    def rule(self) -> str:
        return f"`{self.key}` must be one of: " + ", ".join(f"`{c}`" for c in self.choices)


@dataclass(frozen=True, slots=True, kw_only=True)
class ZoneSetting(Setting[str]):
    """An IANA time zone name (``Europe/London``), checked against the system's zone database."""

    def read(self, stored: object) -> str:
        return stored if isinstance(stored, str) and is_zone(stored) else self.default

    def parse(self, text: str) -> str:
        value = text.strip()
        if not value:
            return self.default
        if is_zone(value):
            return value
        close = [z for z in available_timezones() if z.lower() == value.lower()]
        if close:
            return close[0]
        raise SettingError(self.rule())

    def rule(self) -> str:
        return f"`{self.key}` must be an IANA time zone such as `UTC`, `Europe/London` or `America/New_York`"


def is_zone(name: str) -> bool:
    """Whether ``name`` is a time zone the system knows (a path-like or empty name is not)."""
    if not name or name.startswith(("/", ".")) or ".." in name:
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


@dataclass(frozen=True, slots=True, kw_only=True)
class UserListSetting(Setting[tuple[str, ...]]):
    """Team members in order, stored as user ids. ``parse`` only splits what was typed into names or mentions
    (commas, or spaces between mentions); the command resolves them to members (``bot.engine.commands``)."""

    max_items: int = 20

    def read(self, stored: object) -> tuple[str, ...]:
        if not isinstance(stored, list | tuple):
            return self.default
        return tuple(str(u) for u in stored if isinstance(u, str) and u)[: self.max_items]

    def parse(self, text: str) -> tuple[str, ...]:
        if text.strip().lower() in NONE_WORDS:
            return ()
        names: list[str] = []
        for piece in text.split(","):
            words = piece.split()
            if words and all(w.startswith("<@") and w.endswith(">") for w in words):
                names.extend(words)
            elif piece.strip():
                names.append(piece.strip())
        if len(names) > self.max_items:
            raise SettingError(self.rule())
        return tuple(names)

    def show(self, value: tuple[str, ...]) -> str:
        return ", ".join(value)

    def stored(self, value: tuple[str, ...]) -> object:
        return list(value)

    def rule(self) -> str:
        return f"`{self.key}` takes up to {self.max_items} team members, separated by commas (`none` to clear it)"
