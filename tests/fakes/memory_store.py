"""An in-memory implementation of the engine's ports, for unit tests. Commit/rollback are real: a unit of work
works on a copy of the state and writes it back only on commit."""

from __future__ import annotations

import copy
import dataclasses
import itertools
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Any, Self

from bot.engine.audit import AuditEntry
from bot.engine.escalation.records import Escalation
from bot.engine.flywheel.records import FlywheelRun
from bot.engine.maintenance.records import MaintenanceRun
from bot.engine.model import (
    Fact,
    InboxItem,
    Note,
    OutboxItem,
    ScriptGeneration,
    Session,
    SessionStatus,
    SuggestedFix,
    Team,
    TimelineEntry,
    User,
)
from bot.engine.pilot.records import DocumentPreview, FlowProposal
from bot.engine.ports import DuplicateRowError, StaleSessionError
from bot.flows.model import Flow, FlowStatus
from bot.flows.versions import FlowVersion
from tests.fakes.memory_audit import AuditLog
from tests.fakes.memory_escalations import Escalations
from tests.fakes.memory_flywheel import Flywheel
from tests.fakes.memory_idle import IdleSweepQueries
from tests.fakes.memory_maintenance import MaintenanceRuns
from tests.fakes.memory_shares import Shares
from tests.fakes.memory_steplib import StepLibrary


@dataclass
class State:
    """Everything the fake database holds."""

    teams: dict[str, Team] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    settings: dict[str, dict[str, Any]] = field(default_factory=dict)
    flows: dict[tuple[str | None, str], list[tuple[Flow, str]]] = field(default_factory=dict)
    sessions: dict[str, Session] = field(default_factory=dict)
    timeline: list[TimelineEntry] = field(default_factory=list)
    facts: list[Fact] = field(default_factory=list)
    fixes: list[SuggestedFix] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    inbox: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    outbox: list[OutboxItem] = field(default_factory=list)
    scripts: list[ScriptGeneration] = field(default_factory=list)
    previews: dict[tuple[str, str, str], DocumentPreview] = field(default_factory=dict)
    proposals: list[FlowProposal] = field(default_factory=list)
    escalations: dict[str, Escalation] = field(default_factory=dict)
    maintenance_runs: dict[str, MaintenanceRun] = field(default_factory=dict)
    shares: dict[str, Any] = field(default_factory=dict)  # ShareLink by id; share_views: ShareView
    share_views: list[Any] = field(default_factory=list)
    library_steps: dict[str, Any] = field(default_factory=dict)  # LibraryStep by id
    step_ratings: dict[tuple[str, str], Any] = field(default_factory=dict)  # StepRating by (step, user)
    audit: list[AuditEntry] = field(default_factory=list)
    flywheel_runs: list[FlywheelRun] = field(default_factory=list)


class _Repo:
    def __init__(self, uow: MemoryUnitOfWork) -> None:
        self._uow = uow

    @property
    def s(self) -> State:
        return self._uow.state


class Teams(_Repo):
    async def get(self, team_id: str) -> Team | None:
        return copy.deepcopy(self.s.teams.get(team_id))

    async def get_by_name(self, name: str) -> Team | None:
        return next((copy.deepcopy(t) for t in self.s.teams.values() if t.name == name), None)

    async def every(self, limit: int = 1000) -> list[Team]:
        return [copy.deepcopy(t) for t in sorted(self.s.teams.values(), key=lambda t: t.name)][:limit]

    async def add(self, team: Team) -> None:
        if any(t.name == team.name for t in self.s.teams.values()):
            raise DuplicateRowError(f"team {team.name} exists")
        self.s.teams[team.id] = copy.deepcopy(team)


class Users(_Repo):
    async def get(self, team_id: str, user_id: str) -> User | None:
        user = self.s.users.get(user_id)
        return copy.deepcopy(user) if user and user.team_id == team_id else None

    async def by_identity(self, team_id: str, platform: str, platform_user_id: str) -> User | None:
        for user in self.s.users.values():
            if user.team_id == team_id and user.identities.get(platform) == platform_user_id:
                return copy.deepcopy(user)
        return None

    async def add(self, user: User) -> None:
        for platform, platform_user_id in user.identities.items():
            if await self.by_identity(user.team_id, platform, platform_user_id):
                raise DuplicateRowError(f"identity {platform}:{platform_user_id} exists")
        self.s.users[user.id] = copy.deepcopy(user)

    async def update(self, user: User) -> None:
        self.s.users[user.id] = copy.deepcopy(user)

    async def list(self, team_id: str) -> Sequence[User]:
        return [copy.deepcopy(u) for u in self.s.users.values() if u.team_id == team_id]


class Settings(_Repo):
    async def get(self, team_id: str) -> dict[str, Any]:
        return dict(self.s.settings.get(team_id, {}))

    async def put(self, team_id: str, values: dict[str, Any]) -> None:
        self.s.settings.setdefault(team_id, {}).update(values)

    async def remove(self, team_id: str, keys: Sequence[str]) -> None:
        for key in keys:
            self.s.settings.get(team_id, {}).pop(key, None)


class Flows(_Repo):
    async def get(self, team_id: str, key: str, version: int | None = None) -> Flow | None:
        for scope in (team_id, None):
            versions = self.s.flows.get((scope, key))
            if not versions:
                continue
            if version is not None:
                return next((f for f, _ in versions if f.version == version), None)
            released = [f for f, _ in versions if f.status in (FlowStatus.PUBLISHED, FlowStatus.ARCHIVED)]
            if released:
                return released[-1] if released[-1].status is FlowStatus.PUBLISHED else None
        return None

    async def list(self, team_id: str, include_drafts: bool = False) -> Sequence[Flow]:
        latest: dict[str, Flow] = {}
        for (scope, key), versions in self.s.flows.items():
            if scope not in (team_id, None):
                continue
            released = (FlowStatus.PUBLISHED, FlowStatus.ARCHIVED)
            candidates = [f for f, _ in versions if include_drafts or f.status in released]
            if candidates and (key not in latest or scope is not None):
                latest[key] = candidates[-1]
        return [f for f in latest.values() if include_drafts or f.status is FlowStatus.PUBLISHED]

    async def save(self, team_id: str | None, flow: Flow, source: str, status: FlowStatus) -> int:
        versions = self.s.flows.setdefault((team_id, flow.key), [])
        if versions and versions[-1][1] == source and versions[-1][0].status is status:
            return versions[-1][0].version
        number = len(versions) + 1
        versions.append((dataclasses.replace(flow, version=number, status=status), source))
        return number

    async def versions(self, team_id: str, key: str) -> Sequence[FlowVersion]:
        for scope in (team_id or None, None):
            stored = self.s.flows.get((scope, key))
            if stored:
                when = datetime(2026, 1, 1, tzinfo=UTC)
                return [FlowVersion(f.version, f.status, when, scope is None) for f, _ in stored]
        return []


class Sessions(_Repo):
    async def add(self, session: Session) -> None:
        self.s.sessions[session.id] = copy.deepcopy(session)

    async def get(self, team_id: str, session_id: str) -> Session | None:
        session = self.s.sessions.get(session_id)
        return copy.deepcopy(session) if session and session.team_id == team_id else None

    async def save(self, session: Session, expected_version: int) -> None:
        stored = self.s.sessions.get(session.id)
        if stored is None or stored.team_id != session.team_id or stored.state_version != expected_version:
            raise StaleSessionError(session.id)
        self.s.sessions[session.id] = copy.deepcopy(session)

    async def open_in_conversation(self, team_id: str, conversation_key: str) -> Session | None:
        found = [
            s
            for s in self.s.sessions.values()
            if s.team_id == team_id and s.conversation_key == conversation_key and s.status.is_open
        ]
        found.sort(key=lambda s: s.updated_at, reverse=True)
        return copy.deepcopy(found[0]) if found else None

    async def for_engineer(
        self, team_id: str, engineer_id: str, statuses: Sequence[SessionStatus], limit: int = 20
    ) -> Sequence[Session]:
        found = [
            s
            for s in self.s.sessions.values()
            if s.team_id == team_id and s.engineer_id == engineer_id and s.status in statuses
        ]
        found.sort(key=lambda s: s.updated_at, reverse=True)
        return [copy.deepcopy(s) for s in found[:limit]]

    async def append_timeline(self, entry: TimelineEntry) -> None:
        seq = 1 + max((t.seq for t in self.s.timeline if t.session_id == entry.session_id), default=0)
        stored = copy.deepcopy(entry)
        stored.seq = seq
        entry.seq = seq
        self.s.timeline.append(stored)

    async def timeline(self, team_id: str, session_id: str) -> Sequence[TimelineEntry]:
        return [copy.deepcopy(t) for t in self.s.timeline if t.team_id == team_id and t.session_id == session_id]

    async def add_fact(self, fact: Fact) -> None:
        self.s.facts.append(copy.deepcopy(fact))

    async def facts(self, team_id: str, session_id: str) -> Sequence[Fact]:
        return [
            copy.deepcopy(f)
            for f in self.s.facts
            if f.team_id == team_id and f.session_id == session_id and f.deleted_at is None
        ]

    async def add_fix(self, fix: SuggestedFix) -> None:
        self.s.fixes.append(copy.deepcopy(fix))

    async def update_fix(self, fix: SuggestedFix) -> None:
        self.s.fixes = [copy.deepcopy(fix) if f.id == fix.id else f for f in self.s.fixes]

    async def fixes(self, team_id: str, session_id: str) -> Sequence[SuggestedFix]:
        return [copy.deepcopy(f) for f in self.s.fixes if f.team_id == team_id and f.session_id == session_id]


class Notes(_Repo):
    async def add(self, note: Note) -> None:
        self.s.notes.append(copy.deepcopy(note))

    async def for_session(self, team_id: str, session_id: str) -> Sequence[Note]:
        return [copy.deepcopy(n) for n in self.s.notes if n.team_id == team_id and n.session_id == session_id]


class Inbox(_Repo):
    async def add(self, team_id: str, dedupe_key: str, kind: str, payload: dict[str, Any], at: datetime) -> bool:
        if (team_id, dedupe_key) in self.s.inbox:
            return False
        item_id = len(self.s.inbox) + 1
        self.s.inbox[(team_id, dedupe_key)] = {
            "id": item_id,
            "kind": kind,
            "payload": payload,
            "at": at,
            "processed_at": None,
            "attempts": 0,
            "error": "",
        }
        return True

    async def pending(self, limit: int = 50, max_attempts: int = 5, after_id: int = 0) -> Sequence[InboxItem]:
        items = [
            InboxItem(v["id"], team, key, v["kind"], v["payload"], v["at"], v["attempts"])
            for (team, key), v in self.s.inbox.items()
            if v["processed_at"] is None and v["attempts"] < max_attempts and v["id"] > after_id
        ]
        return sorted(items, key=lambda i: i.id)[:limit]

    async def claim(
        self,
        owner: str,
        now: datetime,
        lease_until: datetime,
        max_attempts: int = 5,
        keep: Sequence[str] = (),
    ) -> Sequence[InboxItem]:
        return await self.pending(10_000, max_attempts)  # one process: every pending event is ours

    async def hold(self, owner: str, lanes: Sequence[str], now: datetime, lease_until: datetime) -> None:
        return None

    async def release(self, owner: str) -> None:
        return None

    def _row(self, item_id: int) -> dict[str, Any]:
        return next(v for v in self.s.inbox.values() if v["id"] == item_id)

    async def mark_processed(self, item_id: int, at: datetime) -> bool:
        row = self._row(item_id)
        if row["processed_at"] is not None:
            return False
        row["processed_at"] = at
        return True

    async def mark_failed(self, item_id: int, error: str) -> None:
        row = self._row(item_id)
        row["attempts"] += 1
        row["error"] = error


class Outbox(_Repo):
    async def add(self, item: OutboxItem) -> None:
        if any(o.team_id == item.team_id and o.idempotency_key == item.idempotency_key for o in self.s.outbox):
            raise ValueError(f"duplicate idempotency key {item.idempotency_key}")
        self.s.outbox.append(copy.deepcopy(item))

    async def pending(self, limit: int = 50) -> Sequence[OutboxItem]:
        return [copy.deepcopy(o) for o in self.s.outbox if o.status == "pending"][:limit]

    def _item(self, item_id: str) -> OutboxItem:
        return next(o for o in self.s.outbox if o.id == item_id)

    async def claim_due(self, now: datetime, lease_until: datetime, limit: int = 10) -> Sequence[OutboxItem]:
        due = [
            o
            for o in self.s.outbox
            if o.status == "pending" and (o.next_attempt_at is None or o.next_attempt_at <= now)
        ]
        due.sort(key=lambda o: o.created_at)
        for item in due[:limit]:
            item.attempts += 1
            item.next_attempt_at = lease_until
        return [copy.deepcopy(o) for o in due[:limit]]

    async def mark_done(self, item_id: str, result: dict[str, Any], at: datetime) -> None:
        item = self._item(item_id)
        item.status, item.result, item.delivered_at, item.last_error = "done", dict(result), at, ""

    async def reschedule(self, item_id: str, at: datetime, error: str) -> None:
        item = self._item(item_id)
        item.next_attempt_at, item.last_error = at, error

    async def mark_failed(self, item_id: str, error: str) -> None:
        item = self._item(item_id)
        item.status, item.last_error = "failed", error

    async def retry(self, team_id: str, item_id: str, at: datetime) -> OutboxItem | None:
        item = next((o for o in self.s.outbox if o.id == item_id and o.team_id == team_id), None)
        if item is None or item.status != "failed":
            return None
        item.status, item.next_attempt_at, item.attempts = "pending", at, 0
        return copy.deepcopy(item)

    async def get(self, team_id: str, item_id: str) -> OutboxItem | None:
        item = next((o for o in self.s.outbox if o.id == item_id and o.team_id == team_id), None)
        return copy.deepcopy(item) if item else None


class Pilot(_Repo):
    async def add_script(self, script: ScriptGeneration) -> None:
        self.s.scripts.append(copy.deepcopy(script))

    async def scripts(self, team_id: str, session_id: str) -> Sequence[ScriptGeneration]:
        return [copy.deepcopy(g) for g in self.s.scripts if g.team_id == team_id and g.session_id == session_id]

    async def preview(self, team_id: str, session_id: str, kind: str) -> DocumentPreview | None:
        found = self.s.previews.get((team_id, session_id, kind))
        return copy.deepcopy(found) if found else None

    async def put_preview(self, preview: DocumentPreview) -> None:
        self.s.previews[(preview.team_id, preview.session_id, preview.kind)] = copy.deepcopy(preview)

    async def add_proposal(self, proposal: FlowProposal) -> None:
        self.s.proposals.append(copy.deepcopy(proposal))

    async def proposals(self, team_id: str, status: str = "pending") -> Sequence[FlowProposal]:
        found = [p for p in self.s.proposals if p.team_id == team_id and p.status == status]
        return [copy.deepcopy(p) for p in reversed(found)]


class MemoryUnitOfWork:
    """A unit of work over a shared ``State``; changes become visible on commit."""

    def __init__(self, db: MemoryDatabase) -> None:
        self._db = db
        self.state = State()
        self.teams = Teams(self)
        self.users = Users(self)
        self.settings = Settings(self)
        self.flows = Flows(self)
        self.sessions = Sessions(self)
        self.notes = Notes(self)
        self.inbox = Inbox(self)
        self.outbox = Outbox(self)
        self.pilot = Pilot(self)
        self.escalations = Escalations(self)
        self.maintenance_runs = MaintenanceRuns(self)
        self.shares = Shares(self)
        self.step_library = StepLibrary(self)
        self.audit = AuditLog(self)
        self.flywheel = Flywheel(self)
        self.idle = IdleSweepQueries(self)
        self.committed = False

    async def __aenter__(self) -> Self:
        self.state = copy.deepcopy(self._db.state)
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.state = State()

    async def commit(self) -> None:
        self._db.state = copy.deepcopy(self.state)
        self._db.commits += 1
        self.committed = True

    async def rollback(self) -> None:
        self.state = copy.deepcopy(self._db.state)


class MemoryDatabase:
    """The shared state and a factory of units of work over it."""

    def __init__(self) -> None:
        self.state = State()
        self.commits = 0

    def __call__(self) -> MemoryUnitOfWork:
        return MemoryUnitOfWork(self)


class FakeClock:
    """A clock that only moves when told to."""

    def __init__(self, start: datetime | None = None) -> None:
        self.current = start or datetime(2026, 11, 25, 14, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.current

    def advance(self, **kwargs: float) -> None:
        self.current += timedelta(**kwargs)


class SequentialIds:
    """Deterministic UUIDs: 00000000-0000-4000-8000-000000000001, ..."""

    def __init__(self) -> None:
        self._counter = itertools.count(1)

    def new(self) -> str:
        return str(uuid.UUID(int=(0x4000 << 64) | (0x8000 << 48) | next(self._counter)))
