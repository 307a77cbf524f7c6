"""The per-event context handed to every command handler: the unit of work, who acts, and the reply list."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot.engine import texts
from bot.engine.audit import AuditAction
from bot.engine.audit import entry as audit_entry
from bot.engine.events import ConversationRef, Event
from bot.engine.model import Role, Session, SessionStatus, TimelineEntry, TimelineKind, User
from bot.engine.permissions import outranks, role_name
from bot.engine.pilot.services import PilotServices
from bot.engine.ports import Ids, UnitOfWork
from bot.engine.psa import PsaDirectory
from bot.engine.replies import Block, Context, Ephemeral, Post, Reply, Text, Update, View
from bot.engine.sharing.signing import LinkSigner
from bot.flows.model import Flow

if TYPE_CHECKING:
    from bot.engine.scheduled import ScheduleBook


class UserError(Exception):
    """Bad input or a refused action: the message is shown to the user and the transaction is rolled back."""

    def __init__(self, message: str, *blocks: Block) -> None:
        super().__init__(message)
        self.message = message
        self.blocks = blocks


@dataclass(slots=True)
class Ctx:
    """Everything a handler needs for one event."""

    uow: UnitOfWork
    event: Event
    user: User
    now: datetime
    ids: Ids
    replies: list[Reply] = field(default_factory=list)
    target: ConversationRef | None = None  # answer somewhere else than where the event came from (App Home)
    psa: PsaDirectory | None = None  # the teams' PSA connections; None when no PSA integration is configured
    pilot: PilotServices | None = None  # FlowPilot; None when the engine runs without it
    schedules: ScheduleBook | None = None  # stored schedules (reminders); None when the engine runs without them
    links: LinkSigner | None = None  # signs share and download links; None when nothing serves them
    queued: bool = False  # the handler queued work for the worker (wake it after the commit)
    pushed: bool = False  # the handler queued an outbox push (wake the outbox after the commit)

    @property
    def team_id(self) -> str:
        """The tenant of this event."""
        return self.event.team_id

    @property
    def conversation(self) -> ConversationRef:
        """Where replies go: where the event came from, unless a handler re-targeted them."""
        return self.target or self.event.conversation

    # --- replies -------------------------------------------------------------------------------------------
    def post(self, view: View, ref: str = "", conversation: ConversationRef | None = None) -> None:
        """Post a message in the conversation."""
        self.replies.append(Post(conversation or self.conversation, view, ref))

    def update(self, view: View, ref: str, conversation: ConversationRef | None = None, *, lazy: bool = False) -> None:
        """Replace a message posted earlier under ``ref`` (``lazy``: a status display whose latest content is all
        that matters, see ``Update``)."""
        self.replies.append(Update(conversation or self.conversation, view, ref, lazy))

    def whisper(self, text: str, *blocks: Block) -> None:
        """A message only the actor sees."""
        self.replies.append(Ephemeral(self.conversation, self.event.actor, View((Text(text), *blocks), text)))

    def post_blocks(self, text: str, *blocks: Block) -> None:
        """Post a text message followed by more blocks (buttons)."""
        self.post(View((Text(text), *blocks), text))

    def say(self, text: str, context: str = "") -> None:
        """Post a short text message in the conversation."""
        blocks: tuple[Block, ...] = (Text(text),) + ((Context(context),) if context else ())
        self.post(View(blocks, text))

    # --- rules shared by handlers ----------------------------------------------------------------------------
    def require_writer(self) -> None:
        """Refuse viewers."""
        self.require_role(Role.ENGINEER)

    def require_role(self, needed: Role) -> None:
        """Refuse anyone below ``needed`` (``bot.engine.permissions``), naming the role it takes."""
        if outranks(self.user.role, needed):
            return
        if needed is Role.ENGINEER:
            raise UserError(texts.VIEWER_CANNOT)
        template = texts.ADMIN_ONLY if needed is Role.TEAM_ADMIN else texts.SUPER_ADMIN_ONLY
        raise UserError(template.format(role=role_name(self.user.role)))

    def require_owner(self, session: Session, what: str) -> None:
        """Pause/resume belong to the session's engineer (admins may act for them)."""
        if session.engineer_id != self.user.id and self.user.role not in (Role.TEAM_ADMIN, Role.SUPER_ADMIN):
            raise UserError(texts.NOT_OWNER.format(owner=self._owner_name(session), what=what))

    def _owner_name(self, session: Session) -> str:
        return str(session.conversation.get("engineer_name", "the engineer who started it"))

    async def open_session(self) -> Session:
        """The open session of this conversation, or a ``UserError``.

        A command typed at channel level (no thread: Slack slash commands carry none) addresses the actor's one open
        session in that channel, if there is exactly one.
        """
        session = await self.uow.sessions.open_in_conversation(self.team_id, self.conversation.key)
        if session is None and not self.conversation.thread:
            mine = await self.uow.sessions.for_engineer(
                self.team_id, self.user.id, [SessionStatus.ACTIVE, SessionStatus.PAUSED], 50
            )
            here = [
                s
                for s in mine
                if s.conversation.get("platform") == self.conversation.platform
                and s.conversation.get("channel") == self.conversation.channel
            ]
            if len(here) > 1:
                raise UserError(texts.SEVERAL_SESSIONS_HERE.format(count=len(here)))
            session = here[0] if here else None
        if session is None:
            raise UserError(texts.NO_SESSION_HERE)
        self.focus(session)
        return session

    def focus(self, session: Session) -> None:
        """Answer in the session's thread when the event came from the same channel without one (a slash command,
        a modal): the session's messages stay together."""
        if self.target is not None or self.event.conversation.thread:
            return
        home = ConversationRef.from_dict(session.conversation)
        if (
            home.thread
            and home.platform == self.event.conversation.platform
            and (home.channel == self.event.conversation.channel)
        ):
            self.target = ConversationRef(
                home.platform, home.channel, home.thread, {**home.extras, **self.event.conversation.extras}
            )

    async def session_by_id(self, session_id: str) -> Session:
        """A session of this team by id, or a ``UserError``."""
        session = await self.uow.sessions.get(self.team_id, session_id) if session_id else None
        if session is None:
            raise UserError(texts.UNKNOWN_SESSION)
        self.focus(session)
        return session

    async def flow_of(self, session: Session) -> Flow | None:
        """The pinned flow version a session runs on."""
        if not session.flow_key:
            return None
        return await self.uow.flows.get(self.team_id, session.flow_key, session.flow_version)

    async def record(
        self,
        session: Session,
        kind: TimelineKind,
        *,
        node_id: str = "",
        title: str = "",
        answer: str = "",
        detail: dict[str, Any] | None = None,
        actor: tuple[str, str] | None = None,
    ) -> TimelineEntry:
        """Append a timeline entry for the acting user (or ``actor`` = (id, name), e.g. FlowPilot).
        ``detail['version']`` is the state it produced."""
        payload = dict(detail or {})
        payload.setdefault("version", session.state_version)
        entry = TimelineEntry(
            id=self.ids.new(),
            team_id=self.team_id,
            session_id=session.id,
            at=self.now,
            kind=kind,
            actor_id=actor[0] if actor else self.user.id,
            actor_name=actor[1] if actor else self.user.display_name,
            node_id=node_id,
            title=title,
            answer=answer,
            detail=payload,
        )
        await self.uow.sessions.append_timeline(entry)
        return entry

    async def audit(self, action: AuditAction, target: str = "", **detail: Any) -> None:
        """Append an audit log entry for the acting user, in this event's transaction (``bot.engine.audit``)."""
        await self.uow.audit.add(
            audit_entry(self.team_id, self.now, self.user.id, self.user.display_name, action, target, **detail)
        )

    async def save(self, session: Session, expected_version: int) -> None:
        """Persist a session changed by this event (optimistic concurrency)."""
        await self.uow.sessions.save(session, expected_version)

    @staticmethod
    def ensure_open(session: Session) -> None:
        """Refuse changes to resolved/escalated/abandoned sessions."""
        if session.status is SessionStatus.PAUSED:
            raise UserError(texts.SESSION_PAUSED)
        if not session.status.is_open:
            raise UserError(texts.SESSION_CLOSED.format(status=session.status.value))
