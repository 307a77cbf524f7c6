"""The table of FlowPilot's buttons and forms. They address task-lane items, fixes and documents by id, so the
engine runs them without the session-version check (each handler checks its own item instead)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.engine.commands import pilot_docs, pilot_fixes, pilot_lane, pilot_package, pilot_status
from bot.engine.context import Ctx
from bot.engine.events import ActionId, FormId
from bot.engine.model import Session

PilotAction = Callable[[Ctx, Session, str], Awaitable[None]]
PilotForm = Callable[[Ctx, Session, dict[str, str]], Awaitable[None]]

PILOT_ACTIONS: dict[ActionId, PilotAction] = {
    ActionId.ASK_PILOT: pilot_lane.on_ask_pilot,
    ActionId.LANE_ANSWER: pilot_lane.on_lane_answer,
    ActionId.LANE_RESULT: pilot_lane.on_lane_result,
    ActionId.LANE_TEXT: pilot_lane.on_lane_text,
    ActionId.PROMOTE: pilot_lane.on_promote,
    ActionId.FACT_CONFIRM: pilot_lane.on_fact_confirm,
    ActionId.FACT_EDIT: pilot_lane.on_fact_edit,
    ActionId.FACT_NONE: pilot_lane.on_fact_none,
    ActionId.FIX_DECISION: pilot_fixes.on_fix_decision,
    ActionId.FIX_OUTCOME: pilot_fixes.on_fix_outcome,
    ActionId.OUTCOME_CONFIRM: pilot_fixes.on_outcome_confirm,
    ActionId.OUTCOME_REJECT: pilot_fixes.on_outcome_reject,
    ActionId.PREFERENCE: pilot_fixes.on_preference,
    ActionId.FORK_PICK: pilot_fixes.on_fork_pick,
    ActionId.CONFIRM_POST: pilot_docs.on_confirm_post,
    ActionId.EDIT_DOCUMENT: pilot_docs.on_edit_document,
    ActionId.STATUS_UPDATE: pilot_status.on_status_pick,
    ActionId.POST_STATUS_NOTE: pilot_status.on_post_status_note,
    ActionId.PACKAGE: pilot_package.on_package,
    ActionId.POST_PACKAGE: pilot_package.on_post_package,
}

PILOT_FORMS: dict[FormId, PilotForm] = {
    FormId.LANE_TEXT: pilot_lane.on_lane_form,
    FormId.FACT_EDIT: pilot_lane.on_fact_form,
    FormId.FIX_PENDING: pilot_fixes.on_fix_pending_form,
    FormId.DOCUMENT: pilot_docs.on_document_form,
    FormId.PACKAGE: pilot_docs.on_package_form,
}
