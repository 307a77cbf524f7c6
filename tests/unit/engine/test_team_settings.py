"""The typed settings catalog: strict parsing with clear messages, tolerant reads, and one entry per setting."""

from __future__ import annotations

from typing import Any

import pytest

from bot.engine.setting_types import ChoiceSetting, Setting, SettingError, UserListSetting
from bot.engine.team_settings import (
    BY_KEY,
    CATALOG,
    ESCALATION_LIST,
    ESCALATION_REMINDER_MINUTES,
    FLYWHEEL_ENABLED,
    IDLE_ABANDON_DAYS,
    MAINTENANCE_BOARD,
    PAUSE_NUDGE_HOURS,
    PUBLIC_SHARE_LINKS,
    TIMEZONE,
    TeamSettings,
    team_setting,
)
from tests.fakes.memory_store import MemoryDatabase


def test_the_catalog_has_every_setting_once_with_its_default() -> None:
    assert len(BY_KEY) == len(CATALOG)
    defaults = {s.key: s.default for s in CATALOG}
    assert defaults["escalation_reminder_minutes"] == 15 and defaults["escalation_list"] == ()
    assert (defaults["pause_nudge_hours"], defaults["idle_abandon_days"], defaults["timezone"]) == (24, 14, "UTC")
    assert (defaults["maintenance_board"], defaults["public_share_links"], defaults["flywheel_enabled"]) == (
        "",
        True,
        True,
    )
    assert not BY_KEY["escalation_channels"].editable
    assert all(s.description and s.label for s in CATALOG)


@pytest.mark.parametrize(
    ("setting", "text", "message"),
    [
        (IDLE_ABANDON_DAYS, "366", "`idle_abandon_days` must be a whole number from 0 (never) to 365"),
        (IDLE_ABANDON_DAYS, "two weeks", "`idle_abandon_days` must be a whole number from 0 (never) to 365"),
        (ESCALATION_REMINDER_MINUTES, "0", "`escalation_reminder_minutes` must be a whole number from 1 to 1440"),
        (PUBLIC_SHARE_LINKS, "maybe", "`public_share_links` must be yes or no"),
        (TIMEZONE, "Mars/Olympus", "`timezone` must be an IANA time zone"),
        (TIMEZONE, "../../etc/passwd", "`timezone` must be an IANA time zone"),
        (MAINTENANCE_BOARD, "x" * 101, "`maintenance_board` must be one line of at most 100 characters"),
    ],
)
def test_bad_values_are_refused_with_what_a_good_one_looks_like(setting: Setting[Any], text: str, message: str) -> None:
    with pytest.raises(SettingError) as caught:
        setting.parse(text)
    assert caught.value.message.startswith(message)


def test_good_values_parse_and_show_back_the_same() -> None:
    assert PAUSE_NUDGE_HOURS.parse("never") == 0 and PAUSE_NUDGE_HOURS.parse(" 48 ") == 48
    assert PAUSE_NUDGE_HOURS.parse("") == 24  # empty is the default
    assert PAUSE_NUDGE_HOURS.describe(0) == "0 (never)" and PAUSE_NUDGE_HOURS.describe(24) == "24 h"
    assert FLYWHEEL_ENABLED.parse("OFF") is False and FLYWHEEL_ENABLED.parse("yes") is True
    assert TIMEZONE.parse("europe/london") == "Europe/London"
    assert (
        MAINTENANCE_BOARD.parse("  Managed   Services ") == "Managed Services" and MAINTENANCE_BOARD.parse("none") == ""
    )
    for setting, value in ((PAUSE_NUDGE_HOURS, 12), (FLYWHEEL_ENABLED, False), (TIMEZONE, "Asia/Tokyo")):
        assert setting.parse(setting.show(value)) == value  # type: ignore[attr-defined]


def test_member_lists_split_on_commas_and_between_mentions() -> None:
    assert ESCALATION_LIST.parse("Carol Smith, dave@example.com") == ("Carol Smith", "dave@example.com")
    assert ESCALATION_LIST.parse("<@U1> <@U2|erin>") == ("<@U1>", "<@U2|erin>")
    assert ESCALATION_LIST.parse("none") == ()
    with pytest.raises(SettingError):
        UserListSetting(key="k", default=(), label="l", description="d", max_items=1).parse("a, b")


def test_a_choice_takes_one_of_its_options() -> None:
    fmt = ChoiceSetting(key="fmt", default="md", label="Format", description="d", choices=("md", "txt", "html"))
    assert fmt.parse("HTML") == "html" and fmt.read("pdf") == "md"
    with pytest.raises(SettingError, match="`fmt` must be one of: `md`, `txt`, `html`"):
        fmt.parse("pdf")


def test_reads_never_fail_they_clamp_or_fall_back_to_the_default() -> None:
    settings = TeamSettings(
        {
            "idle_abandon_days": 9999,
            "pause_nudge_hours": "soon",
            "timezone": "Nowhere/Land",
            "public_share_links": "false",
            "escalation_list": ["u1", 7, "u2"],
        }
    )
    assert settings.get(IDLE_ABANDON_DAYS) == 365 and settings.get(PAUSE_NUDGE_HOURS) == 24
    assert settings.get(TIMEZONE) == "UTC" and settings.get(PUBLIC_SHARE_LINKS) is True
    assert settings.get(ESCALATION_LIST) == ("u1", "u2")
    assert settings.is_set(IDLE_ABANDON_DAYS) and not settings.is_set(MAINTENANCE_BOARD)


async def test_team_setting_reads_one_value_of_one_team() -> None:
    db = MemoryDatabase()
    async with db() as uow:
        await uow.settings.put("t1", {"idle_abandon_days": 30})
        assert await team_setting(uow, "t1", IDLE_ABANDON_DAYS) == 30
        assert await team_setting(uow, "t2", IDLE_ABANDON_DAYS) == 14
        await uow.settings.remove("t1", ["idle_abandon_days"])
        assert await team_setting(uow, "t1", IDLE_ABANDON_DAYS) == 14
