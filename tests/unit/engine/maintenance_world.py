"""Shared by the maintenance unit tests: a team with two maintenance flows, the schedule book, the scheduled actions
(with the real kinds table), a PSA, and helpers that fire schedules and click on what the bot posted."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import datetime

from bot.engine.engine import Engine
from bot.engine.events import ConversationRef, ThreadStarted
from bot.engine.maintenance.records import MaintenanceRun
from bot.engine.model import Role
from bot.engine.psa import PsaTicket
from bot.engine.replies import Button, Buttons, Ephemeral, Post, Reply, Update
from bot.engine.schedule_kinds import KINDS
from bot.engine.scheduled import SCHEDULER_ACTOR, Schedule, ScheduledActions, fired_event
from bot.flows.model import Flow, FlowKind, FlowStatus, Node, NodeType, Target, VerificationType
from bot.jobs.scheduler_book import Schedules
from tests.fakes.chat import Chat, view_text
from tests.fakes.memory_psa import MemoryPsa, MemoryPsaDirectory
from tests.fakes.memory_schedules import MemorySchedules
from tests.fakes.memory_store import FakeClock, MemoryDatabase, SequentialIds

N = NodeType
PATCH = Flow(
    key="patch-run",
    name="Patch run",
    kind=FlowKind.MAINTENANCE,
    schedule="0 22 * * 2",
    deadline="4h",
    targets=(Target("FS01", "file server"), Target("DC01")),
    nodes=(
        Node("s0", N.SECTION_HEADER, title="Patching"),
        Node("snap", N.PROCEDURE_STEP, title="Snapshot", verification_prompt="Snapshot taken"),
        Node(
            "svc",
            N.PROCEDURE_STEP,
            title="Stopped services",
            verification_type=VerificationType.TEXT_INPUT,
            verification_prompt="Stopped services",
        ),
        Node("end", N.PROCEDURE_END, title="Done"),
    ),
)
LINKED = dataclasses.replace(PATCH, key="patch-linked", name="Patch linked", ticket=4711)
CHECKLIST = Flow(
    key="onboard-list",
    name="Onboarding list",
    kind=FlowKind.PROCEDURAL,
    nodes=(Node("a", N.PROCEDURE_STEP, title="A"), Node("end", N.PROCEDURE_END, title="End")),
)
CHANNEL = "C-OPS"
RUN_THREAD = "T-RUN"


@dataclass
class World:
    """Everything a maintenance test touches."""

    db: MemoryDatabase
    clock: FakeClock
    engine: Engine
    book: Schedules
    actions: ScheduledActions
    psa: MemoryPsa
    directory: MemoryPsaDirectory
    team_id: str
    people: dict[str, Chat] = field(default_factory=dict)

    def person(self, name: str, thread: str = "") -> Chat:
        """``name`` in the ops channel (at its top level unless ``thread``)."""
        return Chat(self.engine, self.team_id, self.clock, name, channel=CHANNEL, thread=thread)

    async def set_role(self, name: str, role: Role) -> None:
        """Give the chat user ``name`` (who must have spoken) ``role``."""
        for user in self.db.state.users.values():
            if user.identities.get("test") == name:
                user.role = role

    async def schedule(self, flow_key: str) -> Schedule:
        found = await self.book.by_key(self.team_id, f"maintenance:{flow_key}")
        assert found is not None
        return found

    async def fire(self, schedule: Schedule, at: datetime) -> list[Reply]:
        """The scheduler's fire of ``schedule`` at ``at``, as the inbox worker hands it over."""
        return await self.actions.handle(fired_event(schedule, at, f"fire:{schedule.id}:{at.isoformat()}"))

    async def open_thread(self, run_id: str) -> None:
        """The platform reports the thread the run card opened."""
        started = ThreadStarted(
            team_id=self.team_id,
            actor=SCHEDULER_ACTOR,
            conversation=ConversationRef("test", CHANNEL),
            at=self.clock.now(),
            event_id=f"thread:{run_id}",
            session_id=run_id,
            thread=RUN_THREAD,
        )
        await self.engine.handle(started)

    def runs(self) -> list[MaintenanceRun]:
        return list(self.db.state.maintenance_runs.values())

    def run(self) -> MaintenanceRun:
        (only,) = self.runs()
        return only


async def world(board: str = "", psa: bool = True) -> World:
    """A team ``acme`` (alice is its first user, so team admin) with the flows loaded."""
    db, clock, ids = MemoryDatabase(), FakeClock(), SequentialIds()
    memory_psa = MemoryPsa(tickets={4711: PsaTicket(4711, "Monthly patching")})
    directory = MemoryPsaDirectory()
    book = Schedules(MemorySchedules(), clock.now, ids)
    engine = Engine(db, clock, ids, psa=directory, schedules=book)
    actions = ScheduledActions(db, clock, ids, KINDS, schedules=book, psa=directory)
    team_id = await engine.ensure_team("acme")
    if psa:
        directory.by_team[team_id] = memory_psa
    async with db() as uow:
        for flow in (PATCH, LINKED, CHECKLIST):
            await uow.flows.save(None, flow, flow.key, FlowStatus.PUBLISHED)
        if board:
            await uow.settings.put(team_id, {"maintenance_board": board, "maintenance_company": "acme-msp"})
        await uow.commit()
    return World(db, clock, engine, book, actions, memory_psa, directory, team_id)


def shown(chat: Chat, replies: list[Reply]) -> None:
    """Let ``chat`` see the buttons of replies it did not cause (a scheduled fire)."""
    chat.buttons = [
        b
        for r in replies
        if isinstance(r, Post | Update | Ephemeral)
        for block in r.view.blocks
        if isinstance(block, Buttons)
        for b in block.buttons
    ]


def buttons_of(replies: list[Reply], label: str) -> list[Button]:
    """Every button labelled ``label`` (ignoring icons) among the replies."""
    return [
        b
        for r in replies
        if isinstance(r, Post | Update | Ephemeral)
        for block in r.view.blocks
        if isinstance(block, Buttons)
        for b in block.buttons
        if b.label.lstrip("✓✎ ").lower().startswith(label.lower())
    ]


def texts(replies: list[Reply]) -> str:
    """All the words of the replies."""
    return "\n".join(view_text(r.view) for r in replies if isinstance(r, Post | Update | Ephemeral))
