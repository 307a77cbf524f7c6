"""Neutral views of a session: the session card and the step messages. Platforms render these."""

from __future__ import annotations

from datetime import datetime

from bot.engine.conversation import Stage, stage_of
from bot.engine.events import ActionId
from bot.engine.model import Session, SessionStatus
from bot.engine.replies import Block, Button, Buttons, Code, Context, Fields, Header, Style, Text, View
from bot.engine.shown import shown
from bot.flows import runner
from bot.flows.model import Flow, FlowKind, Node, NodeType

FALLBACK_CHARS = 150  # a step message's notification line: which step and what it asks, kept short
ELLIPSIS = "…"
STATUS_ICON = {
    SessionStatus.ACTIVE: "🟢",
    SessionStatus.PAUSED: "⏸️",
    SessionStatus.RESOLVED: "✅",
    SessionStatus.ESCALATED: "🆙",
    SessionStatus.ABANDONED: "⚪",
    SessionStatus.REQUESTING_ESCALATION: "🆙",
}


def card_ref(session: Session) -> str:
    """The message ref of a session's card."""
    return f"{session.id}:card"


def step_ref(session: Session) -> str:
    """The message ref of the step currently shown."""
    return f"{session.id}:step:{session.step_count}"


def hhmm(at: datetime) -> str:
    """Time of day in UTC, e.g. ``14:05 UTC``."""
    return at.strftime("%H:%M UTC")


def progress(session: Session, flow: Flow | None) -> str:
    """Human progress: steps answered, or checklist/target progress."""
    if flow is None:
        return f"{session.step_count} steps"
    if flow.kind is FlowKind.TROUBLESHOOTING:
        return f"{session.step_count} steps answered"
    total = runner.total_steps(flow)
    if flow.kind is FlowKind.MAINTENANCE and flow.targets:
        return f"{len(session.targets_done)}/{len(flow.targets)} targets complete"
    done = _checklist_position(session, flow)
    return f"{done}/{total} steps complete"


def _checklist_position(session: Session, flow: Flow) -> int:
    if not session.current_node:
        return runner.total_steps(flow)
    steps = [n.id for n in runner.steps_of(flow)]
    return steps.index(session.current_node) if session.current_node in steps else len(steps)


def session_card(session: Session, flow: Flow | None, engineer: str) -> View:
    """The card at the top of a session's thread, kept current."""
    icon = STATUS_ICON.get(session.status, "")
    title = flow.name if flow else (shown(session.title) or "FlowPilot session")
    items: list[tuple[str, str]] = [
        ("Ticket", f"#{session.ticket.number}" if session.ticket else "none linked"),
        ("Engineer", engineer),
        ("Status", f"{icon} {session.status.value}"),
        ("Progress", progress(session, flow)),
    ]
    if session.problem_summary:
        items.append(("Problem", shown(session.problem_summary)))
    if session.ticket and session.ticket.summary:
        items.append(("Ticket summary", shown(session.ticket.summary)))
    blocks: list[Block] = [Header(f"🔧 {title}"), Fields(tuple(items))]
    started = f"{session.started_at:%Y-%m-%d} {hhmm(session.started_at)}"
    blocks.append(Context(f"Session {session.id[:8]} · started {started}"))
    return View(tuple(blocks), f"{title} — {session.status.value}")


def _button(session: Session, label: str, action: ActionId, value: str = "", style: Style = Style.DEFAULT) -> Button:
    return Button(label, action, session.id, session.state_version, value, style)


def _utility_row(session: Session, stage: Stage) -> Buttons:
    buttons: list[Button] = []
    if session.history and stage is not Stage.CUSTOM:
        buttons.append(_button(session, "⬅ Back", ActionId.BACK))
    buttons.append(_button(session, "Pause", ActionId.PAUSE))
    buttons.append(_button(session, "Escalate", ActionId.ESCALATE))
    buttons.append(_button(session, "Abandon", ActionId.ABANDON, style=Style.DANGER))
    return Buttons(tuple(buttons))


def _node_body(node: Node, session: Session, flow: Flow) -> list[Block]:
    blocks: list[Block] = []
    fill = session.variables
    if node.type is NodeType.DECISION:
        blocks.append(Text(f"*{runner.fill(node.question, fill)}*"))
    if node.instructions:
        blocks.append(Text(runner.fill(node.instructions, fill)))
    if node.warning:
        blocks.append(Text(f"⚠️ {runner.fill(node.warning, fill)}"))
    for command in node.commands:
        blocks.append(Code(runner.fill(command.code, fill), command.language, command.label))
    if node.expected_outcome:
        blocks.append(Context(f"Expected: {runner.fill(node.expected_outcome, fill)}"))
    if node.type is NodeType.SOLUTION:
        blocks.append(Text(runner.fill(node.resolution, fill)))
        if node.followups:
            blocks.append(Text("*Follow-up*\n" + "\n".join(f"• {f}" for f in node.followups)))
    meta: list[str] = []
    if flow.kind is not FlowKind.TROUBLESHOOTING:
        section = runner.section_of(flow, node.id)
        if section:
            meta.append(f"Section: {section}")
    if node.estimated_minutes:
        meta.append(f"~{node.estimated_minutes} min")
    if node.reference_url:
        meta.append(f"Reference: {node.reference_url}")
    if flow.kind is FlowKind.MAINTENANCE and flow.targets and session.target_index < len(flow.targets):
        target = flow.targets[session.target_index]
        note = f" — {target.notes}" if target.notes else ""
        meta.append(f"Target {session.target_index + 1}/{len(flow.targets)}: *{target.label}*{note}")
    if meta:
        blocks.append(Context(" · ".join(meta)))
    return blocks


def _title(node: Node, session: Session) -> str:
    base = node.title or (node.question if node.type is NodeType.DECISION else node.id)
    return runner.fill(base, session.variables)


def shorten(text: str, limit: int = FALLBACK_CHARS) -> str:
    """``text`` on one line, at most ``limit`` characters: cut at a word boundary with an ellipsis when longer."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - len(ELLIPSIS)]
    space = cut.rfind(" ")
    return (cut[:space] if space > limit // 2 else cut).rstrip(" ,;:.") + ELLIPSIS


def step_fallback(header: str, node: Node, session: Session) -> str:
    """A step's notification text: its header and what it asks (the question, else its title or first instruction
    line), at most ``FALLBACK_CHARS``."""
    if node.type is NodeType.DECISION:
        ask = node.question
    else:
        ask = node.title or next((line for line in node.instructions.splitlines() if line.strip()), "")
    ask = " ".join(runner.fill(ask, session.variables).split())
    return shorten(header if not ask or ask in header else f"{header}: {ask}")


def step_title(session: Session, flow: Flow | None) -> str:
    """The title of the step a session is on (for notes and acks)."""
    if session.custom_step:
        return f"[CUSTOM] {session.custom_step}"
    if flow is None or not session.current_node:
        return "the session"
    return _title(flow.node(session.current_node), session)


def step_view(session: Session, flow: Flow | None, parent_name: str = "") -> View:
    """The message for the step the session is on, with the buttons its stage allows."""
    stage = stage_of(session, flow)
    if stage is Stage.CUSTOM:
        blocks: list[Block] = [Header(f"[CUSTOM] {session.custom_step}")]
        blocks.append(Context("A step added for this session only. Type notes in the thread, then mark it."))
        blocks.append(
            Buttons(
                (
                    _button(session, "✓ Done", ActionId.DONE, "ok", Style.PRIMARY),
                    _button(session, "Skipped", ActionId.DONE, "skipped"),
                )
            )
        )
        blocks.append(_utility_row(session, stage))
        return View(tuple(blocks), shorten(f"Custom step: {session.custom_step}"))
    if flow is None or not session.current_node:
        return _run_complete_view(session, flow)
    node = flow.node(session.current_node)
    header = f"Step {session.step_count + 1}" + (f" · {_title(node, session)}" if node.title else "")
    if node.type is NodeType.SOLUTION:
        header = f"Solution · {_title(node, session)}"
    blocks = [Header(header), *_node_body(node, session, flow)]
    blocks.append(Buttons(tuple(_stage_buttons(session, flow, node, stage, parent_name))))
    blocks.append(_utility_row(session, stage))
    return View(tuple(blocks), step_fallback(header, node, session))


def _stage_buttons(session: Session, flow: Flow, node: Node, stage: Stage, parent_name: str) -> list[Button]:
    maintenance = flow.kind is FlowKind.MAINTENANCE and bool(flow.targets)
    buttons: list[Button] = []
    if stage is Stage.AWAIT_CHOICE:
        buttons = [_button(session, o.label, ActionId.CHOOSE, o.key) for o in node.options]
    elif stage is Stage.AWAIT_DONE:
        label = node.verification_prompt or "Done"
        buttons = [
            _button(session, f"✓ {label}", ActionId.DONE, "ok", Style.PRIMARY),
            _button(session, "Skip", ActionId.DONE, "skipped"),
        ]
        if flow.kind is FlowKind.TROUBLESHOOTING:
            buttons.insert(1, _button(session, "Didn't work", ActionId.DONE, "failed"))
    elif stage is Stage.AWAIT_VALUE:
        buttons = [
            _button(session, f"✎ {node.verification_prompt or 'Enter value'}", ActionId.ENTER_VALUE, "", Style.PRIMARY),
            _button(session, "Skip", ActionId.DONE, "skipped"),
        ]
    elif stage is Stage.AT_SOLUTION:
        buttons = [_button(session, "✓ This fixed it — resolve", ActionId.RESOLVE, "", Style.PRIMARY)]
        frame = session.flow_stack[-1] if session.flow_stack else None
        if frame is not None and frame.return_node:
            buttons.append(_button(session, f"Continue in {parent_name or frame.flow_key}", ActionId.SUBFLOW_RETURN))
        buttons.append(_button(session, "Not fixed — go back", ActionId.BACK))
    elif stage is Stage.AT_END:
        buttons = [_button(session, "✓ Finish & write the note", ActionId.RESOLVE, "", Style.PRIMARY)]
    if maintenance and stage in (Stage.AWAIT_DONE, Stage.AWAIT_VALUE):
        buttons.append(_button(session, "Skip target", ActionId.SKIP_TARGET))
    return buttons


def _run_complete_view(session: Session, flow: Flow | None) -> View:
    text = "All steps are done."
    if flow is not None and flow.kind is FlowKind.MAINTENANCE:
        text = f"Run complete: {progress(session, flow)}."
    blocks: tuple[Block, ...] = (
        Header("Run complete"),
        Text(text),
        Buttons((_button(session, "✓ Finish & write the note", ActionId.RESOLVE, "", Style.PRIMARY),)),
    )
    return View(blocks, text)


def answered_view(title: str, answer: str, actor: str, at: datetime, extra: tuple[Block, ...] = ()) -> View:
    """A step message after it was answered: the answer, who and when; no step buttons (``extra``: the step
    library's rating row, when the step came from the library)."""
    line = f"✓ *{answer}* — {actor}, {hhmm(at)}"
    return View((Header(title), Context(line), *extra), shorten(f"{title}: {answer}"))
