"""What the FlowPilot-in-Teams end-to-end tests share: the served bot with Teams (auth on, the Entra and Bot Connector
fakes), ConnectWise at its fake (ticket #12345, Dana as member ``dtech``) and Claude at the loopback Anthropic fake
answering from a script, some turns slowly so their replies are seen being written; and readers of what the fake
connector received (stream requests, messages, card updates) for the engineer Dana in her 1:1 chat or a channel.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.e2e.pilot_script import DEEP, FAST, KEY, ScriptedModel, purpose_of
from tests.e2e.slack_transcript import eventually
from tests.e2e.teams_server import Teams, action, actions_in, teams_session, text_of, wait_sent
from tests.fakes.anthropic_api import FakeAnthropic, Reply
from tests.fakes.anthropic_wire import Json, last_user_text
from tests.fakes.bot_connector import ConnectorCall
from tests.fakes.connector_streams import stream_info
from tests.fakes.teams_roster import DANA

TICKET = 12345
_TURN = re.compile(r"^Turn (\d+) ·", re.MULTILINE)


@dataclass
class PacedModel(ScriptedModel):
    """The scripted model; turns numbered in ``slow`` take ``slow_s`` seconds, spread over their streamed text."""

    slow: frozenset[int] = frozenset()
    slow_s: float = 3.0

    def __call__(self, body: Json) -> Reply:
        """Answer one request (slowly for a slow turn)."""
        reply = super().__call__(body)
        found = _TURN.search(last_user_text(body))
        if purpose_of(body) == "turn" and found and int(found.group(1)) in self.slow:
            return dataclasses.replace(reply, delay=self.slow_s)
        return reply


@dataclass
class TeamsPilot:
    """The rig: the Teams session (connector, driver, ConnectWise), the model fake, Dana's 1:1 chat id."""

    teams: Teams
    model: FakeAnthropic
    chat: str = ""
    _seen: set[str] = field(default_factory=set)

    @property
    def connector(self) -> Any:
        """The fake Bot Connector."""
        return self.teams.connector

    def turn_calls(self) -> list[Json]:
        """The turn requests the model received, in order."""
        return [b for b in self.model.requests if purpose_of(b) == "turn"]

    def stream_calls(self, conversation_id: str | None = None) -> list[ConnectorCall]:
        """Every stream request the connector received (updates and finals)."""
        calls: list[ConnectorCall] = self.connector.stream_calls(conversation_id)
        return calls

    def streams(self, conversation_id: str | None = None) -> dict[str, list[ConnectorCall]]:
        """Stream requests grouped by stream (keyed by the id Teams gave the first)."""
        grouped: dict[str, list[ConnectorCall]] = {}
        for call in self.stream_calls(conversation_id):
            info = stream_info(call.body) or {}
            key = str(info.get("streamId") or (call.response or {}).get("id") or "")
            grouped.setdefault(key, []).append(call)
        return grouped

    def notes(self, flag: str = "") -> list[dict[str, Any]]:
        """The notes the bot posted on ticket #12345, only those with ``flag`` set when given."""
        assert self.teams.cw is not None
        return [n for n in self.teams.cw.notes_on(TICKET) if not flag or n.get(flag)]

    # ---- waiting for the bot ----------------------------------------------------------------------------------
    async def message(self, match: Callable[[Json], bool], what: str, conversation_id: str | None = None) -> Json:
        """The current content of the newest bot message (posts, stream finals, updates applied) matching ``match``,
        not seen by an earlier call; waits for it."""
        found: list[Json] = []

        async def check() -> bool:
            for sent in reversed(self.connector.sent(conversation_id or self.chat)):
                current = self.connector.message(sent["id"]) or sent
                if sent["id"] not in self._seen and match(current):
                    found[:] = [current | {"conversation": sent["conversation"]}]
                    return True
            return False

        await eventually(check, what)
        self._seen.add(found[0]["id"])
        return found[0]

    async def reply_with(self, words: str, conversation_id: str | None = None) -> Json:
        """FlowPilot's finished reply (a card with its status line) containing ``words``."""
        return await self.message(
            lambda m: words in text_of(m) and "FlowPilot ·" in text_of(m) and "▍" not in text_of(m),
            f"FlowPilot saying {words!r}",
            conversation_id,
        )

    async def click(self, card: Json, title: str) -> tuple[int, Any]:
        """Dana presses ``title`` (an Action.Execute) on ``card``."""
        pressed = action(card, title)
        status, body = await self.teams.user.execute(card, pressed["verb"], pressed["data"])
        return status, body

    async def notes_posted(self, n: int) -> None:
        """Wait until the bot has posted ``n`` notes on ticket #12345."""

        async def enough() -> bool:
            return len(self.notes()) >= n

        await eventually(enough, f"{n} notes on ticket #{TICKET}")


def buttons(card: Json) -> list[str]:
    """The Action.Execute titles on a card."""
    return actions_in(card)


async def wait_card(pilot: TeamsPilot, words: str, conversation_id: str | None = None) -> Json:
    """The first message the bot delivered into the conversation whose text has ``words``."""
    return await wait_sent(pilot.teams, lambda a: words in text_of(a), repr(words), conversation_id or pilot.chat)


@asynccontextmanager
async def teams_pilot(
    database_url: str, monkeypatch: pytest.MonkeyPatch, script: ScriptedModel
) -> AsyncIterator[TeamsPilot]:
    """The served bot with Teams (auth on) and ConnectWise, Claude pointed at the fake Messages API answering from
    ``script`` (fast and deep models named apart)."""
    async with FakeAnthropic(KEY, script) as model:
        claude = {"anthropic_api_key": KEY, "anthropic_base_url": model.url, "fast_model": FAST, "deep_model": DEEP}
        async with teams_session(database_url, monkeypatch, connectwise=True, pilot_timeout=10.0, **claude) as teams:
            yield TeamsPilot(teams, model, teams.connector.personal_conversation_id(DANA.id))
