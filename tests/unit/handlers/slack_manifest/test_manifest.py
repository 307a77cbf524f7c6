"""The Slack app manifest agrees with the code: command, scopes, events, one URL for everything."""

from __future__ import annotations

from pathlib import Path

import yaml

from bot.config import Settings

MANIFEST = yaml.safe_load((Path(__file__).resolve().parents[4] / "slack" / "manifest.yml").read_text())


def test_scopes_and_command_match_the_defaults() -> None:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert MANIFEST["oauth_config"]["scopes"]["bot"] == settings.slack_scopes.split(",")
    assert [c["command"] for c in MANIFEST["features"]["slash_commands"]] == [settings.slash_command]


def test_commands_interactivity_and_events_share_one_url() -> None:
    urls = {
        MANIFEST["settings"]["interactivity"]["request_url"],
        MANIFEST["settings"]["event_subscriptions"]["request_url"],
        *(c["url"] for c in MANIFEST["features"]["slash_commands"]),
    }
    assert urls == {"https://YOUR-HOST/slack/events"}
    assert {"app_mention", "message.channels", "message.im", "app_home_opened"} <= set(
        MANIFEST["settings"]["event_subscriptions"]["bot_events"]
    )


def test_home_tab_is_enabled_and_its_event_subscribed() -> None:
    assert MANIFEST["features"]["app_home"]["home_tab_enabled"] is True
    assert "app_home_opened" in MANIFEST["settings"]["event_subscriptions"]["bot_events"]
