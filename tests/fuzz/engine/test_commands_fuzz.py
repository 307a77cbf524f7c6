"""Any command text — every command and alias, or a random word, with random arguments full of markup — is handled
by the engine without an exception: a reply, a refusal or a usage hint, as a super admin (who reaches every
sub-command) and as a newcomer with the team's default role. The chat adapters' own split of typed text never
fails either."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from hypothesis import example, given
from hypothesis import strategies as st

from bot.engine.commands.registry import ALIASES, COMMANDS
from bot.engine.engine import Engine
from bot.engine.events import Actor, CommandIssued, ConversationRef
from bot.engine.model import Role
from bot.engine.permissions import SUBCOMMAND_ROLES
from bot.engine.replies import Ephemeral, Post, Update
from bot.flows.model import FlowStatus
from bot.handlers.commands import is_command, split_command
from tests.fakes.memory_store import FakeClock, MemoryDatabase, SequentialIds
from tests.fuzz.strategies import texts
from tests.unit.engine.conftest import MFA, VPN

AT = datetime(2025, 10, 8, 17, 33, tzinfo=UTC)
SUB_WORDS = sorted({key.split()[1] for key in SUBCOMMAND_ROLES} | {"members", "psa", "settings", "audit", "users"})
names = st.sampled_from(sorted(COMMANDS) + sorted(ALIASES)) | texts.map(lambda t: t.split(" ")[0])
arguments = st.one_of(
    texts,
    st.tuples(st.sampled_from(SUB_WORDS), texts).map(" ".join),
    st.tuples(st.sampled_from(["vpn-test", "#12345", "--all", "@alice", "1", "-1", "99999999999999999999"]), texts).map(
        " ".join
    ),
)


async def run_command(name: str, args: str, role: Role) -> list[object]:
    db, clock = MemoryDatabase(), FakeClock(AT)
    engine = Engine(db, clock, SequentialIds(), super_admins=frozenset({"boss"}))
    team = await engine.ensure_team("acme")
    async with db() as uow:
        for flow in (VPN, MFA):
            await uow.flows.save(None, flow, flow.key, FlowStatus.PUBLISHED)
        await uow.commit()
    await engine.handle(command(team, "boss", "help", "", 0))  # the first person in a team becomes its admin
    user = "boss" if role is Role.SUPER_ADMIN else "newcomer"  # a later arrival gets the team's default role
    return list(await engine.handle(command(team, user, name, args, 1)))


def command(team: str, user: str, name: str, args: str, n: int) -> CommandIssued:
    return CommandIssued(
        team_id=team,
        actor=Actor("test", user, user.capitalize()),
        conversation=ConversationRef("test", "C1", "T1"),
        at=AT,
        event_id=f"{user}:{n}",
        name=name,
        args=args,
    )


@given(names, arguments, st.sampled_from([Role.SUPER_ADMIN, Role.VIEWER]))
@example("admin", "settings set \x00 <!channel>", Role.SUPER_ADMIN)
@example("start", "vpn-test <!here> #-1", Role.SUPER_ADMIN)
def test_any_command_text_is_handled(name: str, args: str, role: Role) -> None:
    replies = asyncio.run(run_command(name, args, role))
    assert replies or name not in COMMANDS  # every known command answers something
    for reply in replies:
        if isinstance(reply, Post | Update | Ephemeral):
            assert "Traceback" not in repr(reply.view)


@given(texts)
def test_typed_text_splits_without_error(text: str) -> None:
    name, args = split_command(text)
    assert name == name.lower() and args == args.strip()
    assert isinstance(is_command(name, args), bool)
