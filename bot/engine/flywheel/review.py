"""Review of flow proposals by team admins: Approve, Edit & publish, Reject (with an optional reason), Dismiss.

Approve validates the proposal's YAML and publishes it as a new flow, or as a new version of the flow a branch was
drafted on (status ``approved``). Edit opens the YAML in a form (split in parts a chat form can hold); the edited flow
is validated — errors are shown with their line numbers and nothing is saved — then published (status ``modified``).
An enhancement is published only through Edit. Reject asks for an optional reason; Dismiss sets a proposal aside.

A decision is stored only if the proposal is still pending (``FlywheelRepository.decide``): a racing second reviewer
changes nothing (the flow it would have published is rolled back with the refusal) and is told who decided first.
Buttons and forms carry no session: the proposal id is the button value and the form's ``session_id``.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

from bot.engine.audit import AuditAction
from bot.engine.context import Ctx, UserError
from bot.engine.events import ActionId, FormId
from bot.engine.flywheel import texts as t
from bot.engine.flywheel.draft import checked
from bot.engine.flywheel.records import ProposalStatus, ProposalType
from bot.engine.flywheel.views import decided_view, proposal_view
from bot.engine.knowledge import FLOWS_JOB, knowledge_of
from bot.engine.model import Role
from bot.engine.permissions import outranks
from bot.engine.pilot.records import FlowProposal
from bot.engine.replies import Code, Ephemeral, Input, OpenForm, Text
from bot.engine.steplib.sync import resolve_refs, sync_flow
from bot.flows.errors import FlowError
from bot.flows.model import FlowStatus

PART_CHARS = 2800  # a Slack form input holds 3000 characters: longer YAML is split over several inputs
MAX_PARTS = 8
MAX_ERRORS = 8
REASON_CHARS = 500
DRAFT_STATUS = re.compile(r"^status:\s*draft\s*$", re.MULTILINE)


def is_admin(ctx: Ctx) -> bool:
    """Team admins (and super admins) review proposals."""
    return outranks(ctx.user.role, Role.TEAM_ADMIN)


def require_reviewer(ctx: Ctx) -> None:
    """Refuse anyone below team admin."""
    ctx.require_role(Role.TEAM_ADMIN)


async def find(ctx: Ctx, ref: str) -> FlowProposal:
    """A proposal of the team by id or by the start of its id (as `proposals` shows it)."""
    ref = ref.strip()
    found = await ctx.uow.flywheel.proposal(ctx.team_id, ref) if ref else None
    if found is not None:
        return found
    matches = [p for p in await ctx.uow.flywheel.all_proposals(ctx.team_id) if ref and p.id.startswith(ref)]
    if len(matches) > 1:
        raise UserError(t.AMBIGUOUS_PROPOSAL.format(id=ref))
    if not matches:
        raise UserError(t.UNKNOWN_PROPOSAL.format(id=ref or "?"))
    return matches[0]


def _refuse_decided(proposal: FlowProposal) -> UserError:
    who = proposal.decided_by_name or "Someone"
    when = f"{proposal.decided_at:%d %b %H:%M} UTC" if proposal.decided_at else "earlier"
    return UserError(t.ALREADY_DECIDED.format(who=who, status=proposal.status, when=when))


async def pending(ctx: Ctx, proposal_id: str) -> FlowProposal:
    """The proposal, if the actor may review it and it still waits for a review."""
    require_reviewer(ctx)
    proposal = await find(ctx, proposal_id)
    if proposal.status != ProposalStatus.PENDING:
        raise _refuse_decided(proposal)
    return proposal


def error_lines(errors: list[FlowError]) -> str:
    """The validator's problems, one per line with its line number."""
    lines = [f"• line {e.line}: {e.message}" for e in errors[:MAX_ERRORS]]
    if len(errors) > MAX_ERRORS:
        lines.append(f"• …and {len(errors) - MAX_ERRORS} more")
    return "\n".join(lines)


async def _decide(ctx: Ctx, proposal: FlowProposal, status: ProposalStatus, reason: str = "") -> None:
    proposal.status = status.value
    proposal.decided_by, proposal.decided_by_name, proposal.decided_at = ctx.user.id, ctx.user.display_name, ctx.now
    proposal.reason = reason
    if not await ctx.uow.flywheel.decide(proposal):
        current = await ctx.uow.flywheel.proposal(ctx.team_id, proposal.id)
        raise _refuse_decided(current or proposal)
    await ctx.audit(AuditAction.PROPOSAL_DECIDED, f"proposal {proposal.id}", what=status.value, name=proposal.name)


async def publish(ctx: Ctx, proposal: FlowProposal, source: str, status: ProposalStatus, invalid: str) -> None:
    """Validate ``source`` and publish it, then record the decision (rolled back if someone decided first)."""
    flow, errors = checked(source, f"{proposal.flow_key or 'proposal'}.yaml")
    if flow is None:
        raise UserError(invalid.format(errors=error_lines(errors)), Code(source, "yaml"))
    if proposal.proposal_type != ProposalType.NEW_FLOW and flow.key != proposal.flow_key:
        problem = t.KEY_CHANGED.format(line=flow.line_of("key"), key=proposal.flow_key)
        raise UserError(invalid.format(errors=problem), Code(source, "yaml"))
    flow, resolved, bad_refs = await resolve_refs(ctx.uow, ctx.team_id, ctx.user.id, flow, source)  # `step:` refs
    if bad_refs:
        raise UserError(invalid.format(errors=error_lines(bad_refs)), Code(source, "yaml"))
    stored = DRAFT_STATUS.sub("status: published", resolved, count=1)
    version = await ctx.uow.flows.save(ctx.team_id, flow, stored, FlowStatus.PUBLISHED)
    await sync_flow(ctx.uow, ctx.ids, ctx.team_id, flow, ctx.now)  # its steps join the step library
    proposal.source, proposal.flow_key, proposal.name = stored, flow.key, flow.name
    proposal.published_version = version
    await _decide(ctx, proposal, status)
    await ctx.audit(AuditAction.FLOW_PUBLISHED, f"flow {flow.key}", name=flow.name, value=version)
    knowledge = knowledge_of(ctx.pilot)
    if knowledge is not None:  # the published flow becomes searchable and matchable
        await knowledge.enqueue(ctx.uow, ctx.team_id, FLOWS_JOB, "", ctx.now)
        ctx.queued = True
    text = t.PUBLISHED.format(who=ctx.user.display_name, name=flow.name, key=flow.key, version=version)
    ctx.post(decided_view(text))


async def on_approve(ctx: Ctx, value: str) -> None:
    """Approve: publish the proposal as drafted."""
    proposal = await pending(ctx, value)
    if proposal.proposal_type == ProposalType.ENHANCEMENT:
        raise UserError(t.ENHANCEMENT_EDIT_ONLY)
    await publish(ctx, proposal, proposal.source, ProposalStatus.APPROVED, t.INVALID_DRAFT)


def parts(source: str) -> list[str]:
    """The YAML split at line ends into parts of at most ``PART_CHARS`` characters (joined again with newlines)."""
    chunks: list[list[str]] = [[]]
    size = 0
    for line in source.rstrip("\n").split("\n"):
        if chunks[-1] and size + len(line) + 1 > PART_CHARS:
            chunks.append([])
            size = 0
        chunks[-1].append(line)
        size += len(line) + 1
    return ["\n".join(c) for c in chunks]


async def on_edit(ctx: Ctx, value: str) -> None:
    """Edit: open the proposal's YAML in a form."""
    proposal = await pending(ctx, value)
    chunks = parts(proposal.source)[:MAX_PARTS]
    total = len(chunks)
    inputs = tuple(
        Input(f"yaml_{n}", t.EDIT_PART.format(n=n, total=total) if total > 1 else t.EDIT_LABEL, True, chunk)
        for n, chunk in enumerate(chunks, start=1)
    )
    ctx.replies.append(
        OpenForm(
            ctx.conversation,
            ctx.event.actor,
            FormId.PROPOSAL_EDIT,
            t.EDIT_TITLE,
            proposal.id,
            0,
            inputs,
            intro=(Text(f"*{proposal.name}* — {t.EDIT_INTRO}"),),
            submit_label="Publish",
        )
    )


async def on_edit_form(ctx: Ctx, proposal_id: str, values: dict[str, str]) -> None:
    """The edited YAML: validated, then published (``modified``); with errors nothing is saved."""
    proposal = await pending(ctx, proposal_id)
    keys = sorted((k for k in values if k.startswith("yaml_")), key=lambda k: int(k[5:]) if k[5:].isdigit() else 0)
    source = "\n".join(values[k].rstrip("\n") for k in keys).strip("\n")
    if not source.strip():
        raise UserError(t.EMPTY_EDIT)
    await publish(ctx, proposal, source + "\n", ProposalStatus.MODIFIED, t.INVALID_EDIT)


async def on_reject(ctx: Ctx, value: str) -> None:
    """Reject: ask for an optional reason."""
    proposal = await pending(ctx, value)
    ctx.replies.append(
        OpenForm(
            ctx.conversation,
            ctx.event.actor,
            FormId.PROPOSAL_REJECT,
            t.REJECT_TITLE,
            proposal.id,
            0,
            (Input("reason", t.REJECT_LABEL, multiline=True, optional=True),),
            intro=(Text(t.REJECT_INTRO.format(name=proposal.name)),),
            submit_label="Reject",
        )
    )


async def on_reject_form(ctx: Ctx, proposal_id: str, values: dict[str, str]) -> None:
    """The rejection, with its reason."""
    proposal = await pending(ctx, proposal_id)
    reason = " ".join(values.get("reason", "").split())[:REASON_CHARS]
    await _decide(ctx, proposal, ProposalStatus.REJECTED, reason)
    who, name = ctx.user.display_name, proposal.name
    ctx.post(
        decided_view(
            t.REJECTED_WHY.format(who=who, name=name, reason=reason)
            if reason
            else t.REJECTED.format(who=who, name=name)
        )
    )


async def on_dismiss(ctx: Ctx, value: str) -> None:
    """Dismiss: set the proposal aside (no verdict on it)."""
    proposal = await pending(ctx, value)
    await _decide(ctx, proposal, ProposalStatus.DISMISSED)
    ctx.post(decided_view(t.DISMISSED.format(who=ctx.user.display_name, name=proposal.name)))


async def on_show(ctx: Ctx, value: str) -> None:
    """Show one proposal with its YAML (to the one who asked)."""
    proposal = await find(ctx, value)
    view = proposal_view(proposal, is_admin(ctx))
    ctx.replies.append(Ephemeral(ctx.conversation, ctx.event.actor, view))


ProposalAction = Callable[[Ctx, str], Awaitable[None]]
ProposalForm = Callable[[Ctx, str, dict[str, str]], Awaitable[None]]

PROPOSAL_ACTIONS: dict[ActionId, ProposalAction] = {
    ActionId.PROPOSAL_APPROVE: on_approve,
    ActionId.PROPOSAL_EDIT: on_edit,
    ActionId.PROPOSAL_REJECT: on_reject,
    ActionId.PROPOSAL_DISMISS: on_dismiss,
    ActionId.PROPOSAL_SHOW: on_show,
}
"""Review buttons (no session; value = proposal id)."""

PROPOSAL_FORMS: dict[FormId, ProposalForm] = {
    FormId.PROPOSAL_EDIT: on_edit_form,
    FormId.PROPOSAL_REJECT: on_reject_form,
}
"""Review forms (no session; ``session_id`` = proposal id)."""
