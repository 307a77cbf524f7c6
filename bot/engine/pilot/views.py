"""Neutral views of FlowPilot: a turn's message, the task-lane card, fact drafts. Platforms render these.

Lane and fix buttons address items by id (``<item id>:<choice>``), so they stay valid while the session moves on;
the handlers check the item's own state instead of the session's version.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.engine.copilot import Hit, PilotTurn
from bot.engine.events import ActionId
from bot.engine.model import Fact, FixStatus, Session, SuggestedFix, TaskLaneItem
from bot.engine.pilot import fixes as fix_rules
from bot.engine.pilot import lane, status
from bot.engine.pilot import texts as t
from bot.engine.pilot.apply import Applied
from bot.engine.replies import Block, Button, Buttons, Code, Context, Header, Style, Text, View
from bot.engine.shown import shown

MAX_LANE_ITEMS = 8
MAX_FACTS = 12
TIER_NAMES = {"discovery": "🔍 discovery", "exploring": "🧪 exploring", "guided": "🎯 guided"}


def turn_ref(session: Session, seq: int) -> str:
    """The message ref of copilot turn ``seq``."""
    return f"{session.id}:pilot:{seq}"


def lane_ref(session: Session) -> str:
    """The message ref of the task-lane card."""
    return f"{session.id}:lane"


def fact_ref(session: Session, item_id: str) -> str:
    """The message ref of a fact draft."""
    return f"{session.id}:fact:{item_id}"


def _button(session: Session, label: str, action: ActionId, value: str, style: Style = Style.DEFAULT) -> Button:
    return Button(label[:75], action, session.id, session.state_version, value, style)


def status_line(session: Session, mode: str, tier: str = "") -> str:
    """Which brain answered (when ``mode`` is given), and how sure FlowPilot is."""
    confidence = TIER_NAMES.get(session.confidence_tier.value, session.confidence_tier.value)
    if not mode and not tier:
        return f"🧭 FlowPilot · {confidence} {round(session.confidence * 100)}%"
    if tier == "offline" or mode == "offline":
        who = t.MODE_OFFLINE
    else:
        who = f"{t.MODE_CLAUDE} ({tier})" if tier else t.MODE_CLAUDE
    return f"🧭 FlowPilot · {who} · {confidence} {round(session.confidence * 100)}%"


def thinking(session: Session, mode: str) -> View:
    """The placeholder shown within a second while the model works."""
    return View((Context(status_line(session, mode)), Text(t.THINKING)), t.THINKING, partial=True)  # may stream


def streaming(session: Session, mode: str, text: str) -> View:
    """A turn's message while the model is still writing it."""
    return View((Context(status_line(session, mode)), Text(text + " ▍")), text[:150], partial=True)  # may stream


def item_blocks(session: Session, item: TaskLaneItem, *, compact: bool = False) -> list[Block]:
    """A lane item: its text, command, and the buttons that fit its state."""
    if item.kind == lane.QUESTION:
        head = f"❓ *{item.text}*"
    else:
        head = f"🔧 *{item.text}*" + (f" — {item.detail}" if item.detail and not compact else "")
    if lane.is_settled(item):
        who = f" ({item.answered_by})" if item.answered_by else ""
        blocks: list[Block] = [
            Text(
                f"~{item.text}~ → {shown(item.answer)}{who}"
                if item.status == "skipped"
                else f"{lane.settled_mark(item)} {head[2:]} → {shown(item.answer)}{who}"
            )
        ]
        if lane.promotable(item):
            blocks.append(Buttons((_button(session, "Promote to what we know", ActionId.PROMOTE, item.id),)))
        return blocks
    blocks = [Text(head)]
    if item.command and not compact:
        blocks.append(Code(item.command, item.language, "Run"))
    if item.expected and not compact:
        blocks.append(Context(f"Expected: {item.expected}"))
    buttons: list[Button] = []
    if item.kind == lane.QUESTION:
        buttons += [_button(session, o, ActionId.LANE_ANSWER, f"{item.id}:{i}") for i, o in enumerate(item.options)]
        buttons.append(_button(session, "Answer in words", ActionId.LANE_TEXT, item.id))
        buttons.append(_button(session, "Skip", ActionId.LANE_ANSWER, f"{item.id}:skip"))
    else:
        buttons.append(_button(session, "Passed", ActionId.LANE_RESULT, f"{item.id}:passed", Style.PRIMARY))
        buttons.append(_button(session, "Failed", ActionId.LANE_RESULT, f"{item.id}:failed", Style.DANGER))
        buttons.append(_button(session, "Record result", ActionId.LANE_TEXT, item.id))
        buttons.append(_button(session, "Skip", ActionId.LANE_RESULT, f"{item.id}:skipped"))
    blocks.append(Buttons(tuple(buttons)))
    return blocks


def fix_blocks(session: Session, fix: SuggestedFix, *, ask_preference: bool = False) -> list[Block]:
    """The active fix: what to do, its script (never run by the bot), decisions and outcome buttons."""
    blocks: list[Block] = [Header(f"💡 Suggested fix: {fix.title}"), Context(f"Confidence {fix.confidence}%")]
    if fix.description:
        blocks.append(Text(fix.description))
    if fix.script:
        blocks.append(Code(fix.script, fix.script_language, "Script (review before running; the bot never runs it)"))
    secret = fix.template_params.get("secret") if fix.template_params else None
    if secret:
        blocks.append(Context("Secret parameters (fill in yourself): " + ", ".join(map(str, secret))))
    if ask_preference:
        blocks.append(Text(t.PREFERENCE_ASK))
        blocks.append(
            Buttons(
                (
                    _button(session, "GUI walkthrough", ActionId.PREFERENCE, "gui"),
                    _button(session, "Script", ActionId.PREFERENCE, "script"),
                )
            )
        )
    if fix.status in fix_rules.UNFINISHED:
        if fix.user_decision is None:
            blocks.append(
                Buttons(
                    (
                        _button(session, "Use once", ActionId.FIX_DECISION, f"{fix.id}:one_off"),
                        _button(session, "Draft template", ActionId.FIX_DECISION, f"{fix.id}:draft_template"),
                        _button(session, "Dismiss", ActionId.FIX_DECISION, f"{fix.id}:dismissed", Style.DANGER),
                    )
                )
            )
        blocks.append(
            Buttons(
                (
                    _button(session, "It worked", ActionId.FIX_OUTCOME, f"{fix.id}:applied_success", Style.PRIMARY),
                    _button(session, "Didn't work", ActionId.FIX_OUTCOME, f"{fix.id}:applied_failed"),
                    _button(session, "Partly", ActionId.FIX_OUTCOME, f"{fix.id}:applied_partial"),
                    _button(session, "Applied, checking", ActionId.FIX_OUTCOME, f"{fix.id}:applied_pending"),
                )
            )
        )
    else:
        blocks.append(Context(f"Outcome: {fix_rules.OUTCOME_WORDS.get(fix.status, fix.status.value)}"))
    return blocks


def outcome_blocks(session: Session) -> list[Block]:
    """FlowPilot's proposed outcome for the active fix, waiting for the engineer's word."""
    proposal = session.pilot_outcome
    if not proposal:
        return []
    status = FixStatus(proposal["status"])
    words = fix_rules.OUTCOME_WORDS.get(status, status.value)
    reason = f" ({proposal.get('reason')})" if proposal.get("reason") else ""
    return [
        Text(f"It sounds like the fix *{words}*{reason}. Is that right?"),
        Buttons(
            (
                _button(
                    session, f"Yes, it {words}"[:75], ActionId.OUTCOME_CONFIRM, f"{proposal['fix_id']}:{status.value}"
                ),
                _button(session, "No", ActionId.OUTCOME_REJECT, proposal["fix_id"]),
            )
        ),
    ]


def turn_view(session: Session, mode: str, turn: PilotTurn, applied: Applied, similar: Sequence[Hit] = ()) -> View:
    """A finished copilot turn: the prose, then what it added to the lane, a fix, a fork, a resolution."""
    blocks: list[Block] = [Context(status_line(session, mode, turn.tier))]
    if turn.note:
        blocks.append(Context(f"⚠️ {turn.note}"))
    if turn.message:
        blocks.append(Text(turn.message))
    for fact in applied.facts:
        blocks.append(Context(f"📌 Added to What we know: {shown(fact.text)}"))
    for item in applied.items:
        blocks.extend(item_blocks(session, item))
    if applied.fix is not None:
        blocks.extend(fix_blocks(session, applied.fix, ask_preference=applied.ask_preference))
    if applied.outcome_proposed:
        blocks.extend(outcome_blocks(session))
    if turn.fork:
        if turn.fork_reason:
            blocks.append(Text(f"🔀 {turn.fork_reason}"))
        blocks.append(
            Buttons(tuple(_button(session, o.label, ActionId.FORK_PICK, o.label[:150]) for o in turn.fork[:4]))
        )
    if turn.resolution_summary:
        blocks.append(Text(f"✅ *Suggested resolution:* {turn.resolution_summary}"))
        blocks.append(Buttons((_button(session, "Resolve", ActionId.RESOLVE, "", Style.PRIMARY),)))
    blocks.extend(similar_blocks(session, similar))
    return View(tuple(blocks), (turn.message or "FlowPilot replied")[:150])


def similar_blocks(session: Session, similar: Sequence[Hit]) -> list[Block]:
    """Matching flows ("Open flow") and similar past tickets."""
    blocks: list[Block] = []
    flows = [h for h in similar if h.kind == "flow"][:3]
    past = [h for h in similar if h.kind == "session"][:3]
    if flows:
        blocks.append(Context("Flows that match: " + ", ".join(f"{h.title} ({round(h.score * 100)}%)" for h in flows)))
        blocks.append(
            Buttons(tuple(_button(session, f"Open flow: {h.title}", ActionId.START_FLOW, h.ref) for h in flows))
        )
    if past:
        lines = "\n".join(f"• {h.title}" + (f" — {h.snippet}" if h.snippet else "") for h in past)
        blocks.append(Text(f"*Similar past tickets*\n{lines}"))
    return blocks


def lane_card(session: Session, facts: Sequence[Fact], fix: SuggestedFix | None) -> View:
    """The task-lane card: What we know, Questions, Diagnostic checks, Suggested fix; while the session is open, the
    "Escalation package" and "Escalate" buttons and the "Status update" menu (four kinds, quick or detailed)."""
    blocks: list[Block] = [Header("🧭 Task lane"), Context(status_line(session, "", ""))]
    known = "\n".join(f"• {shown(f.text)}" for f in facts[-MAX_FACTS:]) or "_Nothing confirmed yet._"
    blocks.append(Text(f"*What we know*\n{known}"))
    items = session.pending_task_lane
    for kind, title in ((lane.QUESTION, "Questions"), (lane.CHECK, "Diagnostic checks")):
        visible = [i for i in items if i.kind == kind and (i.status == lane.OPEN or lane.promotable(i))]
        if visible:
            blocks.append(Text(f"*{title}*"))
            for item in visible[-MAX_LANE_ITEMS // 2 :]:
                blocks.extend(item_blocks(session, item, compact=True))
    if fix is not None:
        blocks.append(
            Text(f"*Suggested fix:* {fix.title} — {fix_rules.OUTCOME_WORDS.get(fix.status, fix.status.value)}")
        )
    if session.status.is_open:
        escalate = _button(session, "Escalate", ActionId.ESCALATE, "")  # hand the session over (escalation)
        blocks.append(Buttons((_button(session, t.PACKAGE_BUTTON, ActionId.PACKAGE, ""), escalate)))
        blocks.append(status.menu(session))
    return View(tuple(blocks), "Task lane")


def fact_draft_view(session: Session, item: TaskLaneItem) -> View:
    """A drafted fact waiting for the engineer: keep, edit or no fact."""
    return View(
        (
            Text(f"📌 Proposed for What we know: *{item.draft}*"),
            Context(f"From: {item.text} → {shown(item.answer)}"),
            Buttons(
                (
                    _button(session, "Keep", ActionId.FACT_CONFIRM, item.id, Style.PRIMARY),
                    _button(session, "Edit", ActionId.FACT_EDIT, item.id),
                    _button(session, "No fact", ActionId.FACT_NONE, item.id),
                )
            ),
        ),
        f"Proposed fact: {item.draft}"[:150],
    )
