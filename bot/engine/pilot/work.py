"""Run queued copilot work (``PilotWork``): read the session, call the model outside any transaction, then apply
the answer in a fresh unit of work (retried on a concurrent change; the model is not called again).

If Claude cannot answer, the offline copilot answers that call and the reply says so. A job whose session is gone
or closed is dropped quietly. A turn passes the model the files shared since FlowPilot's last reply
(``bot.engine.pilot.files``); a file that cannot be passed is named in the thread, and the turn goes on without it.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from bot.engine.commands.escalation_package import package_drafted
from bot.engine.context import Ctx
from bot.engine.copilot import Brief, Copilot, CopilotUnavailable, DocKind, Hit, PilotTurn, Purpose, StatusKind
from bot.engine.directory import ensure_user
from bot.engine.events import ConversationRef, PilotJob, PilotWork
from bot.engine.flywheel.run import FlywheelRunner
from bot.engine.model import Session, TimelineKind
from bot.engine.pilot import files as shared_files
from bot.engine.pilot import fixes as fix_rules
from bot.engine.pilot import lane, status, views
from bot.engine.pilot import texts as t
from bot.engine.pilot.apply import apply_turn
from bot.engine.pilot.brief import build_brief
from bot.engine.pilot.documents import preview_view
from bot.engine.pilot.flowgen import draft_proposal
from bot.engine.pilot.records import DocumentPreview
from bot.engine.pilot.route import route, tools_enabled
from bot.engine.pilot.services import PilotServices
from bot.engine.pilot.stream import Coalescer
from bot.engine.ports import Clock, ConcurrentWriteError, Ids, UnitOfWorkFactory
from bot.engine.psa import PsaDirectory
from bot.engine.replies import Context, Post, Reply, Text, Update, View

log = logging.getLogger(__name__)
Progress = Callable[[list[Reply]], Awaitable[None]]
MAX_ATTEMPTS = 3
PILOT_ACTOR = ("flowpilot", "FlowPilot")


@dataclasses.dataclass(slots=True)
class Snapshot:
    """What phase one read."""

    session: Session
    brief: Brief
    settings: dict[str, Any]
    notices: tuple[str, ...] = ()  # files shared for this turn that could not be passed to the model


class PilotRunner:
    """Handles ``PilotWork`` for the engine."""

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        ids: Ids,
        services: PilotServices,
        psa: PsaDirectory | None = None,
    ) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._ids = ids
        self._services = services
        self._psa = psa

    async def run(self, work: PilotWork, inbox_id: int | None, progress: Progress | None) -> list[Reply]:
        """Do the job and return the replies that show its result."""
        if work.job is PilotJob.FLOW:
            return await self._flow(work, inbox_id)
        if work.job is PilotJob.FLYWHEEL:  # the knowledge flywheel (bot.engine.flywheel.run)
            return await FlywheelRunner(self._uow_factory, self._clock, self._ids, self._services).run(work, inbox_id)
        snap = await self._read(work)
        if snap is None:
            await self._finish(work, inbox_id)
            return []
        if work.job is PilotJob.TURN:
            return await self._turn(work, snap, inbox_id, progress)
        if work.job is PilotJob.FACT:
            return await self._fact(work, snap, inbox_id)
        if work.job is PilotJob.DOCUMENT:
            return await self._document(work, snap, inbox_id)
        return await self._status(work, snap, inbox_id)

    # --- phase one: read -----------------------------------------------------------------------------------------
    async def _read(self, work: PilotWork) -> Snapshot | None:
        async with self._uow_factory() as uow:
            session = await uow.sessions.get(work.team_id, work.session_id)
            if session is None or (not session.status.is_open and work.job is not PilotJob.DOCUMENT):
                return None
            timeline = await uow.sessions.timeline(work.team_id, session.id)
            facts = await uow.sessions.facts(work.team_id, session.id)
            fixes = await uow.sessions.fixes(work.team_id, session.id)
            flow = (
                await uow.flows.get(work.team_id, session.flow_key, session.flow_version) if session.flow_key else None
            )
            settings = await uow.settings.get(work.team_id)
        similar: list[Hit] = []
        if work.job is PilotJob.TURN and work.seq == 1:
            similar = await self._similar(session)
        brief = build_brief(
            session, timeline, facts, fixes, flow, similar=similar, tools_enabled=tools_enabled(settings, Purpose.TURN)
        )
        if work.job is not PilotJob.TURN:
            return Snapshot(session, brief, settings)
        refs = shared_files.refs_since_reply(timeline)
        shared = await shared_files.gather(self._services.files, work.team_id, refs) if refs else None
        if shared is None:
            return Snapshot(session, brief, settings)
        return Snapshot(session, dataclasses.replace(brief, attachments=shared.attachments), settings, shared.notices)

    async def _similar(self, session: Session) -> list[Hit]:
        retriever = self._services.retriever
        text = " ".join(x for x in (session.problem_summary, session.title) if x)
        if retriever is None or not text:
            return []
        try:
            flows = [] if session.flow_key else await retriever.match_flows(session.team_id, text, 3)
            past = await retriever.search(session.team_id, text, ("session",), 3)
        except Exception:  # retrieval is a help, never a blocker
            log.exception("retrieval failed for session %s", session.id)
            return []
        return [*flows, *[h for h in past if h.ref != session.id]]

    # --- calling the copilot, with the offline fallback ----------------------------------------------------------
    async def _call(self, use: Callable[[Copilot], Awaitable[Any]]) -> tuple[Any, bool]:
        try:
            return await use(self._services.copilot), False
        except CopilotUnavailable as err:
            if self._services.copilot is self._services.offline:
                raise
            log.warning("copilot unavailable, answering offline: %s", err)
            return await use(self._services.offline), True

    # --- jobs ----------------------------------------------------------------------------------------------------
    async def _turn(
        self, work: PilotWork, snap: Snapshot, inbox_id: int | None, progress: Progress | None
    ) -> list[Reply]:
        session, brief = snap.session, snap.brief
        conversation = ConversationRef.from_dict(session.conversation)
        ref = views.turn_ref(session, work.seq)
        mode = self._services.mode

        async def push(text: str) -> None:
            if progress is not None:
                await progress([Update(conversation, views.streaming(session, mode, text), ref)])

        sink = Coalescer(push, self._services.edit_interval)
        tier = route(brief, Purpose.TURN, snap.settings, fork=work.arg.startswith("fork:"))
        turn: PilotTurn
        turn, degraded = await self._call(lambda c: c.turn(brief, tier, sink))
        if degraded:
            turn = dataclasses.replace(turn, note=t.DEGRADED, tier="offline")
        for _ in range(MAX_ATTEMPTS):
            async with self._uow_factory() as uow:
                ctx = await self._ctx(uow, work)
                fresh = await uow.sessions.get(work.team_id, work.session_id)
                if fresh is None:
                    return []
                expected = fresh.state_version
                applied = await apply_turn(ctx, fresh, turn, work.seq)
                best = next((h for h in brief.similar if h.kind == "flow"), None)
                if best is not None and not fresh.matched_flow:
                    fresh.matched_flow, fresh.match_score = best.ref, round(best.score, 3)
                fresh.bump(ctx.now)
                await ctx.record(
                    fresh,
                    TimelineKind.PILOT_REPLIED,
                    answer=turn.message,
                    detail={
                        "turn": work.seq,
                        "kind": turn.kind.value,
                        "tier": turn.tier,
                        "confidence": round(turn.confidence, 3),
                        "degraded": bool(turn.note),
                    },
                    actor=PILOT_ACTOR,
                )
                try:
                    await uow.sessions.save(fresh, expected)
                except ConcurrentWriteError:
                    continue
                facts = await uow.sessions.facts(work.team_id, fresh.id)
                fix = fix_rules.active(await uow.sessions.fixes(work.team_id, fresh.id))
                if not await self._mark(uow, inbox_id):
                    return []
                await uow.commit()
            skipped = [Post(conversation, View((Context(n),), n)) for n in snap.notices]
            return [
                *skipped,
                Update(conversation, views.turn_view(fresh, mode, turn, applied, brief.similar), ref),
                Update(conversation, views.lane_card(fresh, facts, fix), views.lane_ref(fresh)),
            ]
        raise ConcurrentWriteError(f"session {work.session_id} kept changing while a copilot turn was applied")

    async def _fact(self, work: PilotWork, snap: Snapshot, inbox_id: int | None) -> list[Reply]:
        item = lane.find(snap.session, work.arg)
        if item is None or not lane.promotable(item):
            await self._finish(work, inbox_id)
            return []
        brief_item = next((i for i in snap.brief.lane if i.id == item.id), None)
        if brief_item is None:
            await self._finish(work, inbox_id)
            return []
        draft, _ = await self._call(lambda c: c.draft_fact(snap.brief, brief_item))
        conversation = ConversationRef.from_dict(snap.session.conversation)
        for _ in range(MAX_ATTEMPTS):
            async with self._uow_factory() as uow:
                fresh = await uow.sessions.get(work.team_id, work.session_id)
                target = lane.find(fresh, work.arg) if fresh is not None else None
                if fresh is None or target is None:
                    return []
                expected = fresh.state_version
                target.draft = str(draft).strip()[:500]
                fresh.bump(self._clock.now())
                try:
                    await uow.sessions.save(fresh, expected)
                except ConcurrentWriteError:
                    continue
                if not await self._mark(uow, inbox_id):
                    return []
                await uow.commit()
            ref = views.fact_ref(fresh, target.id)
            if not target.draft:
                return [Update(conversation, View((Context(t.FACT_NONE),), t.FACT_NONE), ref)]
            return [Update(conversation, views.fact_draft_view(fresh, target), ref)]
        return []

    async def _document(self, work: PilotWork, snap: Snapshot, inbox_id: int | None) -> list[Reply]:
        session = snap.session
        kind = DocKind(work.arg)
        conversation = ConversationRef.from_dict(session.conversation)
        async with self._uow_factory() as uow:
            cached = await uow.pilot.preview(work.team_id, session.id, kind.value)
        if cached is None or cached.state_version != session.state_version:
            tier = route(snap.brief, Purpose.DOCUMENT, snap.settings)
            doc, degraded = await self._call(lambda c: c.document(snap.brief, kind))
            cached = DocumentPreview(
                work.team_id,
                session.id,
                kind.value,
                session.state_version,
                list(doc.sections),
                self._clock.now(),
                dict(doc.assessment),
                "offline" if degraded else (doc.tier or tier.value),
            )
            fresh = True
        else:
            fresh = False
        async with self._uow_factory() as uow:
            if fresh:
                await uow.pilot.put_preview(cached)
            ctx = await self._ctx(uow, work)
            await package_drafted(ctx, cached)  # an escalation waiting for its package queues the ticket note
            if not await self._mark(uow, inbox_id):
                return []
            await uow.commit()
        return [Update(conversation, preview_view(session, cached), f"{session.id}:doc:{kind.value}"), *ctx.replies]

    async def _status(self, work: PilotWork, snap: Snapshot, inbox_id: int | None) -> list[Reply]:
        choice = status.StatusChoice(StatusKind(work.arg.partition(":")[0]), work.arg.endswith(":detailed"))
        text, degraded = await self._call(lambda c: c.status_update(snap.brief, choice.kind, choice.detailed))
        tier = status.DEGRADED_TIER if degraded else self._services.mode
        async with self._uow_factory() as uow:
            view = await status.keep_draft(uow, snap.session, work.seq, choice, str(text), tier, self._clock.now())
            if not await self._mark(uow, inbox_id):
                return []
            await uow.commit()
        conversation = ConversationRef.from_dict(snap.session.conversation)
        return [Update(conversation, view, status.status_ref(snap.session.id, work.seq, choice))]

    async def _flow(self, work: PilotWork, inbox_id: int | None) -> list[Reply]:
        source, _ = await self._call(lambda c: c.generate_flow(work.team_id, work.arg))
        proposal, problem = draft_proposal(str(source), work, self._ids.new(), self._clock.now())
        async with self._uow_factory() as uow:
            if proposal is not None:
                user = await ensure_user(uow, self._ids, work.team_id, work.actor, self._clock.now())
                proposal.created_by = user.id
                await uow.pilot.add_proposal(proposal)
            if not await self._mark(uow, inbox_id):
                return []
            await uow.commit()
        if proposal is None:
            text = t.FLOW_INVALID.format(errors=problem)
        else:
            text = t.FLOW_PROPOSED.format(name=proposal.name, key=proposal.flow_key, summary=problem)
        return [Update(work.conversation, View((Text(text),), text), f"flowgen:{work.event_id}")]

    # --- helpers -------------------------------------------------------------------------------------------------
    async def _ctx(self, uow: Any, work: PilotWork) -> Ctx:
        now = self._clock.now()
        user = await ensure_user(uow, self._ids, work.team_id, work.actor, now)
        return Ctx(uow=uow, event=work, user=user, now=now, ids=self._ids, psa=self._psa, pilot=self._services)

    async def _mark(self, uow: Any, inbox_id: int | None) -> bool:
        if inbox_id is None:
            return True
        if not await uow.inbox.mark_processed(inbox_id, self._clock.now()):
            await uow.rollback()
            return False
        return True

    async def _finish(self, work: PilotWork, inbox_id: int | None) -> None:
        if inbox_id is None:
            return
        async with self._uow_factory() as uow:
            await uow.inbox.mark_processed(inbox_id, self._clock.now())
            await uow.commit()
