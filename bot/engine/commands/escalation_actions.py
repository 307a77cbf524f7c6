"""The table of escalation's buttons and form. Claim and the claimer's choices address the escalation by id, and
Escalate applies to whatever state the session is in now, so the engine runs them without the session-version check
(each handler checks the escalation or the session itself)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.engine.commands import escalate, escalation_claim
from bot.engine.context import Ctx
from bot.engine.events import ActionId, FormId
from bot.engine.model import Session

EscalationAction = Callable[[Ctx, Session, str], Awaitable[None]]
EscalationForm = Callable[[Ctx, Session, dict[str, str]], Awaitable[None]]

ESCALATION_ACTIONS: dict[ActionId, EscalationAction] = {
    ActionId.ESCALATE: escalate.on_escalate_button,
    ActionId.CLAIM: escalation_claim.on_claim,
    ActionId.CLAIM_CHOICE: escalation_claim.on_claim_choice,
}

ESCALATION_FORMS: dict[FormId, EscalationForm] = {FormId.ESCALATE: escalate.on_escalate_form}
