"""Suggested fixes (domain §4): one active fix per session, supersession, decisions and outcomes.

The copilot may only *propose* an outcome; the status changes when the engineer says so. ``applied_at`` is set when
the engineer says the fix was run, ``verified_at`` when its outcome is known.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.engine.copilot import FixProposal
from bot.engine.model import FixDecision, FixStatus, ScriptGeneration, SuggestedFix

SECRET_MASK = "[REDACTED]"
FINAL = frozenset({FixStatus.APPLIED_SUCCESS, FixStatus.APPLIED_FAILED, FixStatus.APPLIED_PARTIAL})
UNFINISHED = frozenset({FixStatus.PROPOSED, FixStatus.APPLIED_PENDING})
OUTCOME_WORDS = {
    FixStatus.APPLIED_SUCCESS: "worked",
    FixStatus.APPLIED_FAILED: "didn't work",
    FixStatus.APPLIED_PARTIAL: "partly worked",
    FixStatus.APPLIED_PENDING: "applied, still checking",
    FixStatus.DISMISSED: "dismissed",
    FixStatus.PROPOSED: "not tried yet",
}


class FixRefused(ValueError):
    """A decision or outcome that does not apply to this fix; the message says why."""


def active(fixes: Sequence[SuggestedFix]) -> SuggestedFix | None:
    """The one fix not superseded (dismissing supersedes), if any."""
    current = [f for f in fixes if f.superseded_at is None]
    return current[-1] if current else None


def failed_count(fixes: Sequence[SuggestedFix]) -> int:
    """How many fixes the engineer reported as not working."""
    return sum(1 for f in fixes if f.status is FixStatus.APPLIED_FAILED)


def suggest(
    fixes: Sequence[SuggestedFix], proposal: FixProposal, *, fix_id: str, team_id: str, session_id: str, now: datetime
) -> tuple[SuggestedFix, SuggestedFix | None]:
    """A new active fix; the previous active one (returned second, to be saved) is superseded."""
    previous = active(fixes)
    if previous is not None:
        previous.superseded_at = now
    params = {p.name: (SECRET_MASK if p.secret else p.value) for p in proposal.parameters}
    secret = sorted(p.name for p in proposal.parameters if p.secret)
    fix = SuggestedFix(
        id=fix_id,
        team_id=team_id,
        session_id=session_id,
        title=proposal.title[:200],
        created_at=now,
        description=proposal.description[:4000],
        confidence=max(0, min(100, proposal.confidence)),
        script=proposal.script[:20000],
        script_language=proposal.script_language[:40] if proposal.script else "",
        template_params={"values": params, "secret": secret} if params else {},
    )
    return fix, previous


def script_of(fix: SuggestedFix, script_id: str, purpose: str = "suggested_fix") -> ScriptGeneration | None:
    """The fix's drafted script as a stored script generation (secret parameters already masked)."""
    if not fix.script:
        return None
    return ScriptGeneration(
        id=script_id,
        team_id=fix.team_id,
        session_id=fix.session_id,
        language=fix.script_language or "powershell",
        script=fix.script,
        created_at=fix.created_at,
        purpose=purpose,
        parameters=dict(fix.template_params),
    )


def decide(fix: SuggestedFix, decision: FixDecision, now: datetime) -> None:
    """Record the engineer's decision; dismissing supersedes the fix."""
    if fix.superseded_at is not None:
        raise FixRefused("superseded")
    fix.user_decision = decision
    if decision is FixDecision.DISMISSED:
        fix.status = FixStatus.DISMISSED
        fix.superseded_at = now


def record_outcome(fix: SuggestedFix, status: FixStatus, reason: str, now: datetime) -> None:
    """The engineer's outcome for the fix. ``applied_pending`` needs a reason (what are we waiting for)."""
    if fix.superseded_at is not None or fix.status is FixStatus.DISMISSED:
        raise FixRefused("superseded")
    if status not in FINAL and status is not FixStatus.APPLIED_PENDING:
        raise FixRefused("status")
    if status is FixStatus.APPLIED_PENDING and not reason.strip():
        raise FixRefused("reason")
    fix.status = status
    fix.status_reason = reason.strip()[:1000]
    fix.applied_at = fix.applied_at or now
    fix.verified_at = now if status in FINAL else None


def settle_on_resolve(fix: SuggestedFix | None, now: datetime) -> bool:
    """Resolving means the active fix worked (a proposed or pending one included); True if it changed."""
    if fix is None or fix.status not in UNFINISHED:
        return False
    fix.status = FixStatus.APPLIED_SUCCESS
    fix.applied_at = fix.applied_at or now
    fix.verified_at = now
    return True
