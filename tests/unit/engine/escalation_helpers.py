"""Shared by the escalation unit tests: a team with a PSA, its people, and readers for what the engine replied."""

from __future__ import annotations

from bot.engine import codec
from bot.engine.engine import Engine
from bot.engine.escalation.records import Escalation
from bot.engine.model import Role, Session
from bot.engine.psa import PsaTicket
from bot.engine.replies import Button, Buttons, DirectMessage, Ephemeral, Post, Reply, Update, View
from bot.jobs.outbox import OutboxWorker
from tests.fakes.chat import Chat, view_text
from tests.fakes.memory_psa import MemoryPsaDirectory
from tests.fakes.memory_store import FakeClock, MemoryDatabase

TICKET = PsaTicket(12345, "VPN drops every hour for the whole office", company="Contoso Dental")
ESC_CHANNEL = "C-ESC"


def person(engine: Engine, team_id: str, clock: FakeClock, name: str, thread: str = "T1") -> Chat:
    """Someone in the session's conversation (channel C1, thread T1)."""
    return Chat(engine, team_id, clock, name, thread=thread)


def make_viewer(db: MemoryDatabase, name: str) -> None:
    """Demote ``name`` to viewer."""
    for user in db.state.users.values():
        if user.identities.get("test") == name:
            user.role = Role.VIEWER


def user_id(db: MemoryDatabase, name: str) -> str:
    """The user id behind the chat handle ``name``."""
    return next(u.id for u in db.state.users.values() if u.identities.get("test") == name)


def the_session(db: MemoryDatabase) -> Session:
    (session,) = db.state.sessions.values()
    return session


def the_escalation(db: MemoryDatabase) -> Escalation:
    (escalation,) = db.state.escalations.values()
    return escalation


def buttons(view: View) -> list[Button]:
    return [b for block in view.blocks if isinstance(block, Buttons) for b in block.buttons]


def direct(replies: list[Reply]) -> list[DirectMessage]:
    return [r for r in replies if isinstance(r, DirectMessage)]


def in_channel(replies: list[Reply], channel: str) -> list[Post | Update]:
    return [r for r in replies if isinstance(r, Post | Update) and r.conversation.channel == channel]


def ephemerals(replies: list[Reply]) -> list[Ephemeral]:
    return [r for r in replies if isinstance(r, Ephemeral)]


def texts_of(replies: list[Reply]) -> str:
    return "\n".join(view_text(r.view) for r in replies if isinstance(r, Post | Update | Ephemeral | DirectMessage))


def claim_of(view: View) -> Button:
    (claim,) = [b for b in buttons(view) if b.label == "Claim"]
    return claim


async def deliver_notes(engine: Engine, db: MemoryDatabase, directory: MemoryPsaDirectory, clock: FakeClock) -> None:
    """Run the outbox like its worker does, then the delivery reports it wrote to the inbox."""
    worker = OutboxWorker(db, directory, clock, lambda: None)
    while await worker.drain_once():
        pass
    async with db() as uow:
        items = [i for i in await uow.inbox.pending(100) if i.payload.get("type") == "DeliveryReported"]
    for item in items:
        await engine.handle(codec.decode(item.payload), inbox_id=item.id)
