"""The conversation engine: ``handle(event) -> replies``.

One unit of work per event: find the user, key the event to a session, check the state table, run the handler,
commit. Bad input raises ``UserError``: the transaction is rolled back, so it changes nothing, and the user gets a
clear message. A lost optimistic-concurrency race is retried; the retry then sees the new state.
"""

from __future__ import annotations

import difflib
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TYPE_CHECKING

from bot.engine import texts
from bot.engine.commands.admin import on_psa_form
from bot.engine.commands.admin_settings import on_edit_settings, on_settings_form
from bot.engine.commands.escalation_actions import ESCALATION_ACTIONS, ESCALATION_FORMS
from bot.engine.commands.escalation_package import note_delivered
from bot.engine.commands.flow_library import FLOW_ACTIONS
from bot.engine.commands.home import on_home
from bot.engine.commands.idle_sweep import SWEEP_ACTIONS
from bot.engine.commands.library_actions import STEPLIB_ACTIONS, STEPLIB_FORMS
from bot.engine.commands.lifecycle import LIFECYCLE_ACTIONS, LIFECYCLE_FORMS
from bot.engine.commands.maintenance_actions import MAINTENANCE_ACTIONS, MAINTENANCE_FORMS
from bot.engine.commands.maintenance_deliveries import run_delivery_reported
from bot.engine.commands.maintenance_runs import run_thread_started
from bot.engine.commands.notes import on_link_form, on_message
from bot.engine.commands.pilot_actions import PILOT_ACTIONS, PILOT_FORMS
from bot.engine.commands.pushes import on_retry_push, push_ref, report_entry, report_view
from bot.engine.commands.registry import ALIASES, COMMANDS, help_view
from bot.engine.commands.start import on_replace, on_start_flow
from bot.engine.commands.steps import STEP_ACTIONS, STEP_FORMS
from bot.engine.context import Ctx, UserError
from bot.engine.conversation import allows, stage_of
from bot.engine.directory import ensure_user, team_id_for
from bot.engine.events import (
    SESSIONLESS_FORMS,
    ActionId,
    ButtonPressed,
    CommandIssued,
    ConversationRef,
    DeliveryReported,
    Event,
    FormId,
    FormSubmitted,
    HomeOpened,
    InboundEvent,
    MessageReceived,
    PilotWork,
    ThreadStarted,
    TimerFired,
)
from bot.engine.flywheel.review import PROPOSAL_ACTIONS, PROPOSAL_FORMS
from bot.engine.model import Role, Session, TimelineKind
from bot.engine.permissions import ACTION_ROLES, FORM_ROLES, command_role, effective_role
from bot.engine.pilot.services import PilotServices
from bot.engine.pilot.work import PilotRunner
from bot.engine.ports import Clock, ConcurrentWriteError, Ids, StaleSessionError, UnitOfWorkFactory
from bot.engine.psa import PsaDirectory
from bot.engine.replies import Ephemeral, Reply, Text, Update, View
from bot.engine.sharing.signing import LinkSigner
from bot.engine.team_schedules import ensure_schedules_for
from bot.engine.views import hhmm

if TYPE_CHECKING:
    from bot.engine.scheduled import ScheduleBook

log = logging.getLogger(__name__)

ACTIONS = {**STEP_ACTIONS, **LIFECYCLE_ACTIONS}
SESSIONLESS_FORM_HANDLERS = {FormId.PSA_CONNECT: on_psa_form, FormId.TEAM_SETTINGS: on_settings_form}
FORMS = {**STEP_FORMS, **LIFECYCLE_FORMS, FormId.LINK_TICKET: on_link_form}
MAX_ATTEMPTS = 3


class Engine:
    """The platform-agnostic conversation engine shared by every chat adapter."""

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        ids: Ids,
        psa: PsaDirectory | None = None,
        pilot: PilotServices | None = None,
        schedules: ScheduleBook | None = None,
        links: LinkSigner | None = None,
        super_admins: frozenset[str] = frozenset(),
    ) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._ids = ids
        self._psa = psa
        self.pilot = pilot
        self.schedules = schedules
        self.links = links  # signs share and download links; None: `share` says nothing serves them
        self.super_admins = super_admins  # "platform:user id" of the operators (RFBOT_SUPER_ADMINS)
        self.wake_outbox: Callable[[], None] | None = None  # the outbox worker's wake-up, called after a push commits
        self._runner = PilotRunner(uow_factory, clock, ids, pilot, psa) if pilot is not None else None

    async def ensure_team(self, name: str) -> str:
        """Id of the team with this name, created on first use (with its periodic schedules)."""
        team_id = await team_id_for(self._uow_factory, self._ids, name, self._clock.now)
        if self.schedules is not None:
            await ensure_schedules_for(self._uow_factory, self.schedules, [team_id])
        return team_id

    async def handle(
        self,
        event: InboundEvent,
        inbox_id: int | None = None,
        progress: Callable[[list[Reply]], Awaitable[None]] | None = None,
    ) -> list[Reply]:
        """Handle one inbound event and return the replies for the adapter to render.

        With ``inbox_id`` the inbox item is marked processed in the same transaction as the event's effect, so a
        redelivered or re-run event can never take effect twice. ``progress`` delivers replies while a slow event
        (a copilot turn) is still running: the streamed text of the model's reply.
        """
        if isinstance(event, PilotWork):
            if self._runner is None:
                await self._mark(inbox_id, self._clock.now())
                return []
            return await self._runner.run(event, inbox_id, progress)
        if isinstance(event, ThreadStarted):
            await self._thread_started(event)
            return []
        if isinstance(event, DeliveryReported):
            return await self._delivery_reported(event, inbox_id)
        for _ in range(MAX_ATTEMPTS):
            async with self._uow_factory() as uow:
                now = self._clock.now()
                try:
                    user = await ensure_user(uow, self._ids, event.team_id, event.actor, now)
                    user.role = effective_role(user, event.actor, self.super_admins)
                    ctx = Ctx(
                        uow=uow,
                        event=event,
                        user=user,
                        now=now,
                        ids=self._ids,
                        psa=self._psa,
                        pilot=self.pilot,
                        schedules=self.schedules,
                        links=self.links,
                    )
                    await self._dispatch(ctx, event)
                except UserError as err:
                    await uow.rollback()
                    await self._mark(inbox_id, now)
                    return [self._refusal(event, err)]
                except ConcurrentWriteError:
                    await uow.rollback()
                    continue
                if inbox_id is not None and not await uow.inbox.mark_processed(inbox_id, now):
                    await uow.rollback()  # another run already applied this event
                    return []
                await uow.commit()
                if ctx.queued and self.pilot is not None and self.pilot.wake is not None:
                    self.pilot.wake()
                if ctx.pushed and self.wake_outbox is not None:
                    self.wake_outbox()
                return ctx.replies
        await self._mark(inbox_id, self._clock.now())
        return [self._refusal(event, UserError(texts.ERROR_RETRY))]

    async def _mark(self, inbox_id: int | None, now: datetime) -> None:
        """Mark a refused event processed on its own (its effect was rolled back: nothing changed)."""
        if inbox_id is None:
            return
        async with self._uow_factory() as uow:
            await uow.inbox.mark_processed(inbox_id, now)
            await uow.commit()

    @staticmethod
    def _refusal(event: Event, err: UserError) -> Reply:
        return Ephemeral(event.conversation, event.actor, View((Text(err.message), *err.blocks), err.message))

    async def _dispatch(self, ctx: Ctx, event: InboundEvent) -> None:
        if isinstance(event, CommandIssued):
            await self._command(ctx, event)
        elif isinstance(event, MessageReceived):
            await on_message(ctx, event.text)
        elif isinstance(event, ButtonPressed):
            await self._button(ctx, event)
        elif isinstance(event, FormSubmitted):
            await self._form(ctx, event)
        elif isinstance(event, HomeOpened):
            await on_home(ctx)
        elif isinstance(event, TimerFired):
            log.info("timer %s fired for session %s; no handler yet", event.job, event.session_id)
        else:  # pragma: no cover - the union is closed
            raise RuntimeError(f"unknown event type {type(event).__name__}")

    async def _command(self, ctx: Ctx, event: CommandIssued) -> None:
        name = ALIASES.get(event.name.lower(), event.name.lower())
        if name == "help" or not name:
            ctx.replies.append(Ephemeral(ctx.conversation, event.actor, help_view()))
            return
        handler = COMMANDS.get(name)
        if handler is None:
            message = texts.UNKNOWN_COMMAND.format(name=event.name)
            close = difflib.get_close_matches(name, [*COMMANDS, "help"], n=2, cutoff=0.6)
            if close:
                message += " " + texts.DID_YOU_MEAN.format(options=" or ".join(f"`{c}`" for c in close))
            raise UserError(message, *help_view().blocks[2:])
        ctx.require_role(command_role(name, event.args))
        await handler(ctx, event.args)

    async def _button(self, ctx: Ctx, event: ButtonPressed) -> None:
        ctx.require_role(ACTION_ROLES.get(event.action, Role.ENGINEER))
        if event.action is ActionId.START_FLOW:
            ctx.require_writer()
            await on_start_flow(ctx, event.value)
            return
        run_action = MAINTENANCE_ACTIONS.get(event.action)
        if run_action is not None:  # a maintenance run's (or schedule's) button: addressed by id, no session
            await run_action(ctx, event.session_id, event.value)
            return
        proposal_action = PROPOSAL_ACTIONS.get(event.action)
        if proposal_action is not None:  # a flow proposal's review button: value = proposal id, no session
            await proposal_action(ctx, event.value)
            return
        flow_action = FLOW_ACTIONS.get(event.action)
        if flow_action is not None:  # the flow library's Show/Browse buttons: value = flow key or folder, no session
            await flow_action(ctx, event.value)
            return
        library_action = STEPLIB_ACTIONS.get(event.action)
        if library_action is not None:  # a step library button: value = library step id, session_id may be ""
            await library_action(ctx, event.session_id, event.value)
            return
        if event.action is ActionId.EDIT_SETTINGS:  # the team settings card's button: no session
            await on_edit_settings(ctx, event.value)
            return
        session = await ctx.session_by_id(event.session_id)
        if event.action is ActionId.RETRY_PUSH:  # valid whatever the session has done since
            await on_retry_push(ctx, session, event.value)
            return
        pilot_action = (
            PILOT_ACTIONS.get(event.action) or ESCALATION_ACTIONS.get(event.action) or SWEEP_ACTIONS.get(event.action)
        )
        if pilot_action is not None:  # addressed by item/fix/escalation id: valid while that is, whatever the version
            ctx.require_writer()
            await pilot_action(ctx, session, event.value)
            return
        await self._check_fresh(ctx, session, event.state_version)
        if event.action is ActionId.REPLACE_SESSION:
            ctx.require_writer()
            await on_replace(ctx, session, event.value)
            return
        flow = await ctx.flow_of(session)
        if not allows(stage_of(session, flow), event.action):
            raise UserError(texts.BUTTON_NOT_NOW)
        if event.action not in (ActionId.CANCEL,):
            ctx.require_writer()
        handler = ACTIONS.get(event.action)
        if handler is None:
            raise UserError(texts.BUTTON_NOT_NOW)
        await handler(ctx, session, flow, event.value)

    async def _form(self, ctx: Ctx, event: FormSubmitted) -> None:
        ctx.require_role(FORM_ROLES.get(event.form, Role.ENGINEER))
        if event.form in SESSIONLESS_FORMS:
            await SESSIONLESS_FORM_HANDLERS[event.form](ctx, None, None, dict(event.values))
            return
        run_form = MAINTENANCE_FORMS.get(event.form)
        if run_form is not None:  # a maintenance step's value or issue: addressed by run id, no session
            await run_form(ctx, event.session_id, dict(event.values))
            return
        proposal_form = PROPOSAL_FORMS.get(event.form)
        if proposal_form is not None:  # a flow proposal's edit / reject form: session_id = proposal id
            await proposal_form(ctx, event.session_id, dict(event.values))
            return
        library_form = STEPLIB_FORMS.get(event.form)
        if library_form is not None:  # a step library form: session_id = the step's address ("" for a new step)
            await library_form(ctx, event.session_id, dict(event.values))
            return
        session = await ctx.session_by_id(event.session_id)
        pilot_form = PILOT_FORMS.get(event.form) or ESCALATION_FORMS.get(event.form)
        if pilot_form is not None:
            await pilot_form(ctx, session, dict(event.values))
            return
        await self._check_fresh(ctx, session, event.state_version)
        handler = FORMS.get(event.form)
        if handler is None:
            raise UserError(texts.BUTTON_NOT_NOW)
        await handler(ctx, session, await ctx.flow_of(session), dict(event.values))

    async def _delivery_reported(self, event: DeliveryReported, inbox_id: int | None) -> list[Reply]:
        """Record a push's outcome on the session's timeline and refresh its status line, or refresh the status
        line of a maintenance run's summary note (bot bookkeeping)."""
        async with self._uow_factory() as uow:
            session = await uow.sessions.get(event.team_id, event.session_id)
            replies: list[Reply] = []
            if session is not None:
                entry = report_entry(event, self._ids.new())
                if entry is not None:
                    await uow.sessions.append_timeline(entry)
                await note_delivered(uow, event)  # an escalation package's note id, kept with the session
                conversation = ConversationRef.from_dict(session.conversation)
                replies = [Update(conversation, report_view(event, session), push_ref(event.outbox_id))]
            else:  # session_id is a maintenance run's id when the push is its summary
                replies = await run_delivery_reported(uow, event)
            if inbox_id is not None and not await uow.inbox.mark_processed(inbox_id, self._clock.now()):
                await uow.rollback()
                return []
            await uow.commit()
        return replies

    async def _thread_started(self, event: ThreadStarted) -> None:
        """Move a session whose card opened a thread into that thread (platform bookkeeping: no user, no new state).

        Retried on a concurrent change, since the engineer may click in the new thread at the same moment."""
        for _ in range(MAX_ATTEMPTS):
            async with self._uow_factory() as uow:
                session = await uow.sessions.get(event.team_id, event.session_id)
                if session is None:  # a maintenance run's card opened the thread
                    try:
                        if await run_thread_started(uow, event):
                            await uow.commit()
                    except ConcurrentWriteError:
                        continue
                    return
                if session.conversation.get("thread"):
                    return
                conversation = dict(session.conversation)
                conversation["thread"] = event.thread
                session.conversation = conversation
                session.conversation_key = ConversationRef.from_dict(conversation).key
                try:
                    await uow.sessions.save(session, session.state_version)
                except StaleSessionError:
                    continue
                await uow.commit()
                return

    @staticmethod
    async def _check_fresh(ctx: Ctx, session: Session, shown_version: int) -> None:
        """A click drawn for an older state: say who moved the session on, and change nothing."""
        if shown_version == session.state_version:
            return
        timeline = await ctx.uow.sessions.timeline(ctx.team_id, session.id)
        for entry in timeline:
            if entry.detail.get("version") == shown_version + 1 and entry.kind is not TimelineKind.NOTE:
                answer = entry.answer or entry.kind.value.replace("_", " ")
                raise UserError(texts.STALE_CLICK.format(actor=entry.actor_name, time=hhmm(entry.at), answer=answer))
        raise UserError(texts.STALE_CLICK_UNKNOWN)
