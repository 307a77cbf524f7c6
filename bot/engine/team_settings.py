"""Every team setting in one table, and typed access to a team's values.

A team's settings live in its JSON preferences (``uow.settings``: one row per team, created on the first write).
``CATALOG`` lists each setting once — key, kind (``bot.engine.setting_types``: whole number, yes/no, text, choice,
time zone, list of members), default, bounds, a one-line description and who may change it (team admins). Readers
never touch the JSON directly::

    settings = await TeamSettings.load(ctx.uow, ctx.team_id)   # one read per command
    hours = settings.get(PAUSE_NUDGE_HOURS)                    # an int, within bounds, the default when unset
    days = await team_setting(ctx.uow, ctx.team_id, IDLE_ABANDON_DAYS)

Adding a setting is one entry: define it below and add it to ``CATALOG``; `admin settings` then shows it, its form
gets a field for it, and `admin settings set|reset` accept it. Keys the bot keeps in the same JSON that are not
settings an admin edits (``pilot``, ``pilot_preferences``: remembered per engineer) stay out of the catalog.

Promotion to a real column. A setting stays in the JSON while it is read per team, by key, with its default in
code. Promote it when the database itself must use it: a query that selects or joins on it across teams (e.g.
"every team whose sweep is on"), a constraint or foreign key on it, or a hot path that cannot afford the JSON
read. How: add the column in a new ``bot/store/<feature>_tables.py`` (``tables.py`` is full) with a migration that
creates it with the catalog default and copies each team's JSON value into it (then drops the key from the JSON);
give the ``SettingsRepository`` a typed getter/setter for it, and make this module's ``TeamSettings`` read that
value for the key. The catalog entry, ``get`` and `admin settings` stay as they are, so no caller changes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from bot.engine.escalation.records import (
    CHANNELS_SETTING,
    DEFAULT_REMINDER_MINUTES,
    LIST_SETTING,
    REMINDER_SETTING,
)
from bot.engine.ports import UnitOfWork
from bot.engine.setting_types import (
    BoolSetting,
    IntSetting,
    Setting,
    TextSetting,
    UserListSetting,
    ZoneSetting,
)

T = TypeVar("T")

ESCALATION_REMINDER_MINUTES = IntSetting(
    key=REMINDER_SETTING,
    default=DEFAULT_REMINDER_MINUTES,
    label="Escalation re-ping (minutes)",
    description="An unclaimed escalation is announced again after this many minutes.",
    minimum=1,
    maximum=1440,
    unit="min",
)
ESCALATION_LIST = UserListSetting(
    key=LIST_SETTING,
    default=(),
    label="Escalation list (in order)",
    description="Who each re-ping of an unclaimed escalation widens to, one more person per re-ping.",
)
ESCALATION_CHANNELS = TextSetting(
    key=CHANNELS_SETTING,
    default="",
    label="Escalation channels",
    description="Where escalations are announced, per chat platform.",
    editable=False,
    managed_by="admin escalation-channel here|#channel|off",
)
PAUSE_NUDGE_HOURS = IntSetting(
    key="pause_nudge_hours",
    default=24,
    label="Nudge paused sessions after (hours, 0 = never)",
    description="The owner of a session paused this long gets one reminder per pause.",
    minimum=0,
    maximum=720,
    zero_means="never",
    unit="h",
)
IDLE_ABANDON_DAYS = IntSetting(
    key="idle_abandon_days",
    default=14,
    label="Abandon idle sessions after (days, 0 = never)",
    description="An active or paused session with no activity this long is abandoned (its record is kept).",
    minimum=0,
    maximum=365,
    zero_means="never",
    unit="days",
)
TIMEZONE = ZoneSetting(
    key="timezone",
    default="UTC",
    label="Time zone (IANA)",
    description="The team's time zone: scheduled jobs (nightly runs, maintenance) follow it.",
)
MAINTENANCE_BOARD = TextSetting(
    key="maintenance_board",
    default="",
    label="Maintenance board (ConnectWise)",
    description="The ConnectWise board maintenance runs open their tickets on (none: no tickets).",
)
MAINTENANCE_COMPANY = TextSetting(
    key="maintenance_company",
    default="",
    label="Maintenance company (ConnectWise identifier)",
    description="The ConnectWise company (its identifier, e.g. your own MSP) maintenance tickets are opened for; "
    "ConnectWise needs one on a new ticket unless the board has a default.",
)
PUBLIC_SHARE_LINKS = BoolSetting(
    key="public_share_links",
    default=True,
    label="Allow public share links (yes/no)",
    description="Whether engineers may share a session with a link that works outside the team.",
)
FLYWHEEL_ENABLED = BoolSetting(
    key="flywheel_enabled",
    default=True,
    label="Knowledge flywheel (yes/no)",
    description="Whether resolved sessions are turned into flow proposals every night.",
)
REDACT_EXPORTS = BoolSetting(
    key="redact_exports",
    default=True,
    label="Redact notes and exports (yes/no)",
    description="Mask IPs, e-mail addresses and secrets in notes, exports and ticket notes.",
)
PSA_TIME_ENTRIES = BoolSetting(
    key="psa_time_entries",
    default=False,
    label="Post time entries (yes/no)",
    description="A resolved session with a ticket also posts a time entry for its engineer.",
)
RESOLVED_STATUS_ID = IntSetting(
    key="cw_resolved_status_id",
    default=0,
    label="Ticket status id after resolving (0 = none)",
    description="The ConnectWise status a ticket is moved to when its session is resolved.",
    minimum=0,
    maximum=2_000_000_000,
    zero_means="none",
)

CATALOG: tuple[Setting[Any], ...] = (
    ESCALATION_REMINDER_MINUTES,
    ESCALATION_LIST,
    ESCALATION_CHANNELS,
    PAUSE_NUDGE_HOURS,
    IDLE_ABANDON_DAYS,
    TIMEZONE,
    MAINTENANCE_BOARD,
    MAINTENANCE_COMPANY,
    PUBLIC_SHARE_LINKS,
    FLYWHEEL_ENABLED,
    REDACT_EXPORTS,
    PSA_TIME_ENTRIES,
    RESOLVED_STATUS_ID,
)
"""Every team setting, in the order `admin settings` shows them."""

BY_KEY: Mapping[str, Setting[Any]] = {s.key: s for s in CATALOG}
EDITABLE: tuple[Setting[Any], ...] = tuple(s for s in CATALOG if s.editable)
EDITABLE_KEYS = tuple(s.key for s in EDITABLE)
SWEEP_SETTINGS = frozenset({PAUSE_NUDGE_HOURS.key, IDLE_ABANDON_DAYS.key, TIMEZONE.key})
"""Settings the per-team schedules read when they fire: a change takes effect on the next sweep."""


class TeamSettings:
    """A team's settings as read once: ``get(SETTING)`` is the typed value (the default when unset or unusable)."""

    def __init__(self, prefs: Mapping[str, Any]) -> None:
        self._prefs = dict(prefs)

    @classmethod
    async def load(cls, uow: UnitOfWork, team_id: str) -> TeamSettings:
        """Read the team's settings (one query)."""
        return cls(await uow.settings.get(team_id))

    def get(self, setting: Setting[T]) -> T:
        """The value of ``setting`` for this team."""
        return setting.read(self._prefs.get(setting.key))

    def is_set(self, setting: Setting[Any]) -> bool:
        """Whether the team chose a value (else the default applies)."""
        return setting.key in self._prefs

    def raw(self, key: str) -> Any:
        """The stored JSON value of ``key`` (for settings shown by their own command)."""
        return self._prefs.get(key)


async def team_setting(uow: UnitOfWork, team_id: str, setting: Setting[T]) -> T:
    """One setting of one team (reading several? ``TeamSettings.load`` once)."""
    return (await TeamSettings.load(uow, team_id)).get(setting)
