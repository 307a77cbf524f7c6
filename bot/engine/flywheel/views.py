"""How proposals look in chat: the review queue, one proposal with its YAML, and the night's review message.

Review buttons carry no session (``session_id`` empty) and the proposal id as their value; only team admins get them
(anyone may read the queue). The queue is ordered proven-by-an-outcome first, then by evidence, then newest.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.engine.events import ActionId
from bot.engine.flywheel import texts as t
from bot.engine.pilot.records import FlowProposal
from bot.engine.replies import Block, Button, Buttons, Code, Context, Divider, Header, Style, Text, View

MAX_LISTED = 10
SHORT_ID = 8


def short_id(proposal: FlowProposal) -> str:
    """The first characters of the id: enough to type in `proposals show`."""
    return proposal.id[:SHORT_ID]


def ranked(proposals: Sequence[FlowProposal]) -> list[FlowProposal]:
    """Proven by an outcome first, then the most sessions, then the newest."""
    return sorted(
        proposals,
        key=lambda p: (not p.validated_by_outcome, -int(p.evidence.get("count", 0) or 0), -p.created_at.timestamp()),
    )


def _day(value: str) -> str:
    try:
        return datetime.fromisoformat(value).strftime("%d %b")
    except ValueError:
        return "?"


def evidence_line(proposal: FlowProposal) -> str:
    """The evidence in one line: sessions, outcomes and dates (or when a single draft was made)."""
    ev = proposal.evidence
    if not ev.get("count"):
        return f"drafted {proposal.created_at:%d %b}" + (" from `flow generate`" if not proposal.signature else "")
    return t.EVIDENCE.format(
        count=ev.get("count", 0),
        worked=ev.get("worked", 0),
        failed=ev.get("failed", 0),
        first=_day(str(ev.get("first", ""))),
        last=_day(str(ev.get("last", ""))),
    )


def summary_blocks(proposal: FlowProposal, admin: bool) -> list[Block]:
    """One proposal in a list: its kind and name, what it changes, the evidence, and the review buttons."""
    kind = t.TYPE_LABEL.get(proposal.proposal_type, proposal.proposal_type)
    head = f"*{kind}: {proposal.name}* · `{proposal.flow_key}` · id `{short_id(proposal)}`"
    lines = [head]
    if proposal.proposal_type == "branch_addition":
        node = proposal.evidence.get("node_title") or proposal.node_id
        lines.append(t.BRANCH_AT.format(flow=proposal.flow_key, node=node))
    if proposal.description:
        lines.append(proposal.description[:300])
    notes = [evidence_line(proposal)]
    if proposal.validated_by_outcome:
        notes.insert(0, t.VALIDATED)
    if proposal.tier in t.DRAFTED_BY:
        notes.append(t.DRAFTED_BY[proposal.tier])
    blocks: list[Block] = [Text("\n".join(lines)), Context(" · ".join(notes))]
    if admin:
        blocks.append(review_buttons(proposal))
    return blocks


def review_buttons(proposal: FlowProposal, show: bool = True) -> Buttons:
    """Approve / Edit / Reject / Dismiss (+ Show) for one proposal (an enhancement has no Approve)."""
    value = proposal.id
    buttons = [
        Button(t.APPROVE, ActionId.PROPOSAL_APPROVE, value=value, style=Style.PRIMARY),
        Button(t.EDIT, ActionId.PROPOSAL_EDIT, value=value),
        Button(t.REJECT, ActionId.PROPOSAL_REJECT, value=value, style=Style.DANGER),
        Button(t.DISMISS, ActionId.PROPOSAL_DISMISS, value=value),
    ]
    if proposal.proposal_type == "enhancement":
        buttons = buttons[1:]
    if show:
        buttons.append(Button(t.SHOW, ActionId.PROPOSAL_SHOW, value=value))
    return Buttons(tuple(buttons))


def queue_view(proposals: Sequence[FlowProposal], admin: bool) -> View:
    """The pending queue (`proposals`)."""
    if not proposals:
        return View((Text(t.QUEUE_EMPTY),), t.QUEUE_EMPTY)
    order = ranked(proposals)
    blocks: list[Block] = [Header(t.QUEUE_HEADER), Context(t.QUEUE_HINT)]
    for proposal in order[:MAX_LISTED]:
        blocks += [Divider(), *summary_blocks(proposal, admin)]
    if len(order) > MAX_LISTED:
        blocks.append(Context(t.QUEUE_MORE.format(n=len(order) - MAX_LISTED)))
    return View(tuple(blocks), f"{len(order)} flow proposals waiting for review")


def proposal_view(proposal: FlowProposal, admin: bool) -> View:
    """One proposal: the summary, the sessions it came from, its status, and its YAML as a code block."""
    blocks = summary_blocks(proposal, admin and proposal.status == "pending")
    sessions = proposal.evidence.get("sessions", [])
    if sessions:
        listed = "\n".join(
            f"• {s.get('title') or s.get('id', '')} — {s.get('outcome', 'unknown')} ({_day(str(s.get('ended_at')))})"
            for s in sessions[:10]
        )
        blocks.insert(1, Text(listed))
    if proposal.status != "pending":
        by = f" by {proposal.decided_by_name}" if proposal.decided_by_name else ""
        why = f": {proposal.reason}" if proposal.reason else ""
        blocks.append(Context(f"Status: {proposal.status}{by}{why}"))
    blocks.append(Code(proposal.source, "yaml", f"{proposal.flow_key}.yaml"))
    return View(tuple(blocks), f"Flow proposal {proposal.name}")


def review_view(proposals: Sequence[FlowProposal]) -> View:
    """The message team admins get after a night with new proposals: each with its review buttons."""
    order = ranked(proposals)
    blocks: list[Block] = [Header(t.REVIEW_HEADER), Text(t.REVIEW_INTRO.format(n=len(order)))]
    for proposal in order[:MAX_LISTED]:
        blocks += [Divider(), *summary_blocks(proposal, admin=True)]
    if len(order) > MAX_LISTED:
        blocks.append(Context(t.QUEUE_MORE.format(n=len(order) - MAX_LISTED)))
    return View(tuple(blocks), t.REVIEW_FALLBACK.format(n=len(order)))


def decided_view(text: str) -> View:
    """What replaces a review message once its proposal is decided."""
    return View((Text(text),), text)
