"""One run of the knowledge flywheel for a team: the ``flywheel`` copilot job (``PilotJob.FLYWHEEL``).

Like every copilot job it works in three phases, so no model call happens inside a transaction:
1. *read* (one unit of work): resolved sessions since the team's watermark (at most ``MAX_SESSIONS``, oldest first),
   leaving out sessions that are already evidence of a proposal, each read into a redacted ``Digest``; the team's
   proposals and published flows;
2. *think* (no transaction): embeddings for grouping when the retriever can embed, the groups, a template draft per
   group, and — with Claude configured — Claude's draft in place of the template (at most ``MAX_MODEL_DRAFTS``);
3. *write* (one unit of work, retried on a concurrent write): new proposals (never a second one with the same group
   signature), evidence added to a pending proposal of an earlier night that the group matches, the run with its
   new watermark, and the inbox item marked processed. Then the review message goes to the team admins.

Review message: a direct message to each team admin with an identity on the job's platform; if no admin can be
reached there, the team's escalation channel on that platform (``admin escalation-channel``), if one is set.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.engine.commands.escalate import actor_for
from bot.engine.copilot import CopilotUnavailable
from bot.engine.escalation.channels import channel_for
from bot.engine.events import PilotWork
from bot.engine.flywheel import texts as t
from bot.engine.flywheel.assist import EvidenceDrafter, accept, request
from bot.engine.flywheel.collect import collect
from bot.engine.flywheel.draft import branch, checked, evidence_of, lead, merge_evidence, new_flow, render
from bot.engine.flywheel.group import TextEmbedder, group_sessions, signature, similar_terms, top_terms
from bot.engine.flywheel.records import Digest, FlywheelRun, Group, ProposalStatus, ProposalType
from bot.engine.flywheel.views import review_view
from bot.engine.model import Role
from bot.engine.pilot.records import FlowProposal
from bot.engine.pilot.services import PilotServices
from bot.engine.ports import Clock, ConcurrentWriteError, Ids, UnitOfWork, UnitOfWorkFactory
from bot.engine.replies import Context, DirectMessage, Post, Reply, Update, View
from bot.flows.model import Flow

log = logging.getLogger(__name__)
MAX_SESSIONS = 200
MAX_MODEL_DRAFTS = 5
MERGE_TERMS = 0.5  # a new group with this much overlap of shared words joins a pending new-flow proposal
MAX_ATTEMPTS = 3
ADMINS = (Role.TEAM_ADMIN, Role.SUPER_ADMIN)


@dataclass(slots=True)
class Reading:
    """What phase one read."""

    run: FlywheelRun
    digests: list[Digest]
    proposals: list[FlowProposal]
    flows: dict[str, Flow]


@dataclass(slots=True)
class Planned:
    """A proposal to add (or, ``merged``, a pending one to give more evidence) and the group it came from."""

    proposal: FlowProposal
    group: Group
    base: Flow | None
    merged: bool = False


def run_ref(work: PilotWork) -> str:
    """The message ref of a manual run's progress line."""
    return f"flywheel:{work.event_id}"


def describe(group: Group, base: Flow | None) -> str:
    """One line on where the proposal comes from."""
    top, n = lead(group), len(group.digests)
    if base is None:
        return f"Drafted from {n} resolved session{'s' * (n != 1)} like “{top.title or top.problem}”."
    node = base.node(group.node_id)
    where = node.question or node.title or node.id
    return f"{n} session{'s' * (n != 1)} left “{base.name}” at “{where}” and were resolved off the flow."


def plan(groups: list[Group], reading: Reading, ids: Ids, team_id: str) -> list[Planned]:
    """A proposal per group (template drafts), or more evidence for the pending proposal the group matches."""
    proposals, now = reading.proposals, reading.run.ran_at
    taken = set(reading.flows) | {p.flow_key for p in proposals if p.status == ProposalStatus.PENDING}
    by_signature = {p.signature: p for p in proposals if p.signature}
    open_new = [p for p in proposals if p.status == ProposalStatus.PENDING and p.proposal_type == ProposalType.NEW_FLOW]
    planned: list[Planned] = []
    for group in groups:
        base = reading.flows.get(group.flow_key) if group.flow_key else None
        if group.flow_key and (base is None or not base.has_node(group.node_id)):
            continue  # the flow is gone, or its latest version no longer has that node
        sig = signature(group, f"{base.visibility.value}-{base.version}" if base is not None else "")
        existing = by_signature.get(sig)
        if existing is None and base is None:
            terms = top_terms(group.digests)
            existing = next(
                (p for p in open_new if similar_terms(terms, p.evidence.get("terms", [])) >= MERGE_TERMS), None
            )
        if existing is not None:
            if existing.status == ProposalStatus.PENDING:
                existing.evidence = merge_evidence(existing.evidence, evidence_of(group, base))
                existing.validated_by_outcome = existing.validated_by_outcome or group.validated
                planned.append(Planned(existing, group, base, merged=True))
            continue  # decided before: the same group is not proposed again
        flow = branch(base, group) if base is not None else new_flow(group, taken)
        source = render(flow) if flow is not None else None
        if flow is None or source is None:
            log.warning("flywheel: no valid template draft for a group of %d sessions", len(group.digests))
            continue
        taken.add(flow.key)
        kind = ProposalType.BRANCH_ADDITION if base is not None else ProposalType.NEW_FLOW
        proposal = FlowProposal(
            id=ids.new(),
            team_id=team_id,
            proposal_type=kind.value,
            status=ProposalStatus.PENDING.value,
            flow_key=flow.key,
            name=flow.name,
            source=source,
            created_at=now,
            description=describe(group, base),
            source_session_id=lead(group).session_id,
            created_by=reading.run.requested_by,
            validated_by_outcome=group.validated,
            evidence=evidence_of(group, base),
            signature=sig,
            base_version=base.version if base is not None else 0,
            node_id=group.node_id,
            tier="offline",
        )
        planned.append(Planned(proposal, group, base))
    return planned


class FlywheelRunner:
    """Runs ``PilotWork`` of the ``flywheel`` job (called by the copilot worker's ``PilotRunner``)."""

    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock, ids: Ids, services: PilotServices) -> None:
        self._uow_factory, self._clock, self._ids, self._services = uow_factory, clock, ids, services

    async def run(self, work: PilotWork, inbox_id: int | None) -> list[Reply]:
        """Read, group and draft, store, and return the review message and the requester's summary."""
        reading = await self._read(work)
        vectors = await self._vectors(reading.digests)
        groups = await self._uncovered(work.team_id, group_sessions(reading.digests, vectors))
        reading.run.groups = len(groups)
        planned = plan(groups, reading, self._ids, work.team_id)
        await self._assist(work.team_id, planned, set(reading.flows))
        return await self._write(work, inbox_id, reading, planned)

    async def _read(self, work: PilotWork) -> Reading:
        async with self._uow_factory() as uow:
            last = await uow.flywheel.last_run(work.team_id)
            after = last.watermark if last is not None else None
            ended = await uow.flywheel.resolved_since(work.team_id, after, MAX_SESSIONS)
            proposals = list(await uow.flywheel.all_proposals(work.team_id))
            used = {str(s.get("id")) for p in proposals for s in p.evidence.get("sessions", [])}
            digests = await collect(uow, work.team_id, [sid for sid, _ in ended], used)
            flows = {f.key: f for f in await uow.flows.list(work.team_id)}
            user = await uow.users.by_identity(work.team_id, work.actor.platform, work.actor.platform_user_id)
        run = FlywheelRun(
            id=self._ids.new(),
            team_id=work.team_id,
            ran_at=self._clock.now(),
            trigger=work.arg or "manual",
            watermark=max((at for _, at in ended), default=after),
            requested_by=user.id if user is not None else "",
            sessions_read=len(ended),
        )
        return Reading(run, digests, proposals, flows)

    async def _vectors(self, digests: list[Digest]) -> list[list[float]] | None:
        retriever = self._services.retriever
        if not digests or not isinstance(retriever, TextEmbedder):
            return None
        try:
            vectors = await retriever.embed_texts([d.text for d in digests])
        except Exception:  # grouping by keywords is the fallback, never a failed night
            log.exception("flywheel: embeddings failed; grouping by keywords")
            return None
        return vectors if vectors is not None and len(vectors) == len(digests) else None

    async def _uncovered(self, team_id: str, groups: list[Group]) -> list[Group]:
        """The groups no published flow already covers (retrieval's flow matching; a new flow only when none does)."""
        retriever = self._services.retriever
        if retriever is None:
            return groups
        kept = []
        for group in groups:
            text = "\n".join(f"{d.title} {d.problem}" for d in group.digests)[:2000]
            try:
                hits = [] if group.flow_key else await retriever.match_flows(team_id, text, 1)
            except Exception:  # retrieval is a help, never a failed night
                log.exception("flywheel: flow matching failed")
                hits = []
            if hits:
                log.info("flywheel: %d sessions are covered by flow %s", len(group.digests), hits[0].ref)
                continue
            kept.append(group)
        return kept

    async def _assist(self, team_id: str, planned: list[Planned], flow_keys: set[str]) -> None:
        copilot = self._services.copilot
        if self._services.mode != "claude" or not isinstance(copilot, EvidenceDrafter):
            return
        taken = flow_keys | {p.proposal.flow_key for p in planned}
        for item in [p for p in planned if not p.merged][:MAX_MODEL_DRAFTS]:
            proposal = item.proposal
            try:
                answer = await copilot.draft_from_evidence(team_id, request(item.group, item.base, proposal.source))
            except CopilotUnavailable as err:
                log.warning("flywheel: Claude could not draft (%s); the template draft stays", err)
                continue
            accepted = accept(answer, item.group, item.base, taken - {proposal.flow_key})
            flow = checked(accepted)[0] if accepted is not None else None
            if accepted is None or flow is None:
                continue
            proposal.source, proposal.flow_key, proposal.name, proposal.tier = accepted, flow.key, flow.name, "claude"
            taken.add(flow.key)

    async def _write(
        self, work: PilotWork, inbox_id: int | None, reading: Reading, planned: list[Planned]
    ) -> list[Reply]:
        run = reading.run
        for _ in range(MAX_ATTEMPTS):
            async with self._uow_factory() as uow:
                try:
                    new = await self._store(uow, work.team_id, planned)
                except ConcurrentWriteError:
                    await uow.rollback()
                    continue
                run.proposals_new, run.new_ids = len(new), [p.id for p in new]
                run.proposals_updated = sum(1 for p in planned if p.merged)
                await uow.flywheel.add_run(run)
                replies = await self._review(uow, work, new) if new else []
                if inbox_id is not None and not await uow.inbox.mark_processed(inbox_id, self._clock.now()):
                    await uow.rollback()
                    return []
                await uow.commit()
            log.info(
                "flywheel team %s: %d sessions read, %d groups, %d new, %d updated",
                work.team_id,
                run.sessions_read,
                run.groups,
                run.proposals_new,
                run.proposals_updated,
            )
            if run.trigger == "manual":
                replies.append(Update(work.conversation, summary_view(run), run_ref(work)))
            return replies
        raise ConcurrentWriteError(f"flywheel proposals of team {work.team_id} kept changing")

    @staticmethod
    async def _store(uow: UnitOfWork, team_id: str, planned: list[Planned]) -> list[FlowProposal]:
        new: list[FlowProposal] = []
        for item in planned:
            if item.merged:
                await uow.flywheel.update_evidence(item.proposal)
            elif await uow.flywheel.by_signature(team_id, item.proposal.signature) is None:
                await uow.pilot.add_proposal(item.proposal)
                new.append(item.proposal)
        return new

    @staticmethod
    async def _review(uow: UnitOfWork, work: PilotWork, new: list[FlowProposal]) -> list[Reply]:
        """The review message: a DM to each reachable team admin, else the escalation channel (if set)."""
        view = review_view(new)
        platform = work.conversation.platform
        admins = [u for u in await uow.users.list(work.team_id) if u.role in ADMINS]
        reach = [a for a in (actor_for(u, platform) for u in admins) if a is not None]
        if reach:
            return [DirectMessage(actor, view) for actor in reach]
        channel = await channel_for(uow.settings, work.team_id, platform)
        return [Post(channel, view)] if channel is not None else []


def summary_view(run: FlywheelRun) -> View:
    """The manual run's result line."""
    if run.proposals_new or run.proposals_updated:
        text = t.RUN_DONE.format(read=run.sessions_read, new=run.proposals_new, updated=run.proposals_updated)
    else:
        text = t.RUN_NOTHING.format(read=run.sessions_read)
    return View((Context(text),), text)
