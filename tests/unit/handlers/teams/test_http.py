"""What a card action's HTTP reply shows (table), how the SDK's configuration is assembled from our settings and
the environment (``bot.app.teams``, the only other place that knows the SDK's variable names), and which tenants a
single- or multi-tenant bot serves (``RFBOT_TEAMS_APP_TYPE``; over HTTP in ``tests/e2e/test_teams_tenants.py``)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import cast

import pytest
from pydantic import ValidationError

from bot.app.teams import sdk_environment
from bot.config import Settings
from bot.engine.events import (
    ActionId,
    Actor,
    ButtonPressed,
    ConversationRef,
    FormId,
    FormSubmitted,
    InboundEvent,
)
from bot.handlers.teams import texts
from bot.handlers.teams.http import (
    CARD_CONTENT_TYPE,
    MESSAGE_TYPE,
    InboundAgent,
    IntakePort,
    answer_for,
    invoke_reply,
)
from bot.handlers.teams.reach import Reach
from bot.handlers.teams.translate import Translated

AT = datetime(2026, 12, 1, tzinfo=UTC)
COMMON = {"team_id": "t", "actor": Actor("teams", "29:x", "X"), "conversation": ConversationRef("teams", "c"), "at": AT}
PRESS: InboundEvent = ButtonPressed(**COMMON, action=ActionId.CHOOSE, session_id="s", state_version=1)
FORM: InboundEvent = FormSubmitted(**COMMON, form=FormId.RESOLVE, session_id="s", state_version=1)
PREFIX = "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__"


@pytest.mark.parametrize(
    ("result", "kind", "shows"),
    [
        (Translated(events=(PRESS,), invoke=True), MESSAGE_TYPE, texts.WORKING),
        (Translated(events=(FORM,), invoke=True), CARD_CONTENT_TYPE, texts.SUBMITTED),
        (Translated(dismissed=True, invoke=True), CARD_CONTENT_TYPE, texts.FORM_CLOSED),
        (Translated(notice=texts.UNREADABLE, error="bad", invoke=True), MESSAGE_TYPE, texts.UNREADABLE),
    ],
)
def test_card_actions_are_answered_at_once(result: Translated, kind: str, shows: str) -> None:
    answer = answer_for(result)
    assert answer is not None and answer.type == kind and shows in str(answer.value)
    reply = invoke_reply(answer)
    assert reply.type == "invokeResponse" and reply.value.status == 200
    assert reply.value.body["statusCode"] == 200 and reply.value.body["type"] == kind


def test_messages_without_a_card_action_get_no_invoke_answer() -> None:
    assert answer_for(Translated(events=(PRESS,))) is not None  # an Action.Submit still gets its card answered
    assert answer_for(Translated()) is None and answer_for(Translated(error="unsupported invoke")) is None


def test_sdk_configuration_comes_from_settings_and_passes_the_sdks_other_variables_through() -> None:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        teams_client_id="app-1",
        teams_client_secret="s3cret",
        teams_tenant_id="tenant-1",
        teams_anonymous_allowed=True,
    )
    environ = {
        PREFIX + "CLIENTID": "from-the-environment",
        PREFIX + "AUTHORITY": "https://login.microsoftonline.com/tenant-1",
        "CONNECTIONSMAP__0__SERVICEURL": "*",
        "LOGGING__LOGLEVEL__DEFAULT": "DEBUG",
        "PATH": "/usr/bin",
    }
    env = sdk_environment(settings, environ)
    assert env == {
        PREFIX + "CLIENTID": "app-1",
        PREFIX + "CLIENTSECRET": "s3cret",
        PREFIX + "TENANTID": "tenant-1",
        PREFIX + "ANONYMOUS_ALLOWED": "true",
        PREFIX + "AUTHORITY": "https://login.microsoftonline.com/tenant-1",
        "CONNECTIONSMAP__0__SERVICEURL": "*",
    }
    assert settings.teams_enabled and not Settings(_env_file=None).teams_enabled  # type: ignore[call-arg]


def test_the_sdks_variable_names_are_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PREFIX + "CLIENTID", "app-2")
    monkeypatch.setenv(PREFIX + "ANONYMOUS_ALLOWED", "true")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.teams_client_id == "app-2" and settings.teams_anonymous_allowed and settings.teams_enabled


GUID = "5F0C3C3E-8A52-4D2B-9F41-6C1A0E7D2B10"


@pytest.mark.parametrize(
    ("app_type", "tenant", "home"),
    [
        ("", GUID, ""),  # default: multi-tenant, every tenant is a team of its own
        ("MultiTenant", GUID, ""),
        ("singletenant", GUID, GUID.lower()),  # Azure's names, any case
        ("SingleTenant", f" {GUID} ", GUID.lower()),
        ("UserAssignedMSI", GUID, GUID.lower()),  # a managed identity is one tenant's too
    ],
)
def test_the_app_type_decides_which_tenants_teams_serves(app_type: str, tenant: str, home: str) -> None:
    chosen = {"teams_app_type": app_type} if app_type else {}
    settings = Settings(_env_file=None, teams_client_id="app-1", teams_tenant_id=tenant, **chosen)  # type: ignore[call-arg]
    assert settings.teams_home_tenant == home


@pytest.mark.parametrize("tenant", ["", "contoso.onmicrosoft.com", "botframework.com", "not-a-guid"])
def test_a_single_tenant_bot_needs_its_tenants_id(tenant: str) -> None:
    with pytest.raises(ValidationError, match="serves one tenant"):
        Settings(_env_file=None, teams_client_id="app-1", teams_tenant_id=tenant, teams_app_type="SingleTenant")  # type: ignore[call-arg]
    assert Settings(_env_file=None, teams_tenant_id=tenant, teams_app_type="SingleTenant").teams_home_tenant == tenant  # type: ignore[call-arg]
    with pytest.raises(ValidationError):
        Settings(_env_file=None, teams_app_type="Tenantless")  # type: ignore[call-arg]


@pytest.mark.parametrize(
    ("home", "tenant", "refused"),
    [
        ("", "any-tenant", False),
        (GUID.lower(), GUID, False),
        (GUID.lower(), GUID.lower(), False),
        (GUID.lower(), "11111111-2222-3333-4444-555555555555", True),
        (GUID.lower(), GUID.lower() + "x", True),
    ],
)
def test_a_single_tenant_agent_refuses_other_tenants(home: str, tenant: str, refused: bool) -> None:
    agent = InboundAgent(cast(IntakePort, None), Reach("https://smba.example/"), lambda: AT, home_tenant=home)
    assert agent.foreign(tenant) is refused
