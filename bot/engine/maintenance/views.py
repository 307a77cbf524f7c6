"""Neutral views of a run: the run card (one section per target, with its buttons), a target's checklist, and the
summary posted when the run completes or expires. Buttons address the run by id (``Button.session_id`` = run id,
``state_version`` = the run's version when drawn) and the target by index."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.engine.events import ActionId
from bot.engine.maintenance import texts as t
from bot.engine.maintenance.progress import asks_value, done_count, step_progress, steps_of
from bot.engine.maintenance.records import MaintenanceRun, RunStatus, TargetResult, TargetStatus
from bot.engine.replies import Block, Button, Buttons, Code, Context, Divider, Fields, Header, Style, Text, View
from bot.flows.model import Flow, Node

UTC_ZONE = ZoneInfo("UTC")


def card_ref(run_id: str) -> str:
    """The message ref of a run's card."""
    return f"run:{run_id}:card"


def checklist_ref(run_id: str, index: int) -> str:
    """The message ref of one target's checklist (posted in the card's thread)."""
    return f"run:{run_id}:target:{index}"


def zone_of(name: str) -> ZoneInfo:
    """The time zone named ``name``, UTC when it is empty or unknown."""
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def local(at: datetime, zone: ZoneInfo) -> str:
    """``2026-11-25 22:00 CET``: a time as the team reads it."""
    shown = at.astimezone(zone)
    return f"{shown:%Y-%m-%d %H:%M} {shown.tzname() or zone.key}"


def elapsed(span: timedelta) -> str:
    """``2 h 05 min``, ``35 min``."""
    minutes = max(0, int(span.total_seconds() // 60))
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min"


def progress_line(run: MaintenanceRun) -> str:
    """``2/3 targets complete``."""
    return t.PROGRESS.format(done=done_count(run), total=len(run.targets))


def _button(run: MaintenanceRun, label: str, action: ActionId, value: str, style: Style = Style.DEFAULT) -> Button:
    return Button(label, action, run.id, run.version, value, style)


def _target_line(result: TargetResult, flow: Flow) -> str:
    icon = t.TARGET_ICONS[result.status.value]
    notes = f" — {result.notes}" if result.notes else ""
    state = result.status.value if result.status.done else step_progress(result, flow)
    who = f" · {result.by}" if result.status.done and result.by else ""
    return f"{icon} *{result.label}*{notes}\n{state}{who}"


def run_card(run: MaintenanceRun, flow: Flow, zone: ZoneInfo) -> View:
    """The card posted in the channel when the run starts, updated in place as results come in."""
    items = (
        ("Fired", local(run.fire_time, zone)),
        ("Deadline", local(run.deadline, zone)),
        ("Progress", progress_line(run)),
        ("Status", run.status.value),
    )
    blocks: list[Block] = [Header(t.CARD_TITLE.format(flow=run.flow_name)), Fields(items)]
    running = run.status is RunStatus.RUNNING
    for index, result in enumerate(run.targets):
        blocks.append(Divider())
        blocks.append(Text(_target_line(result, flow)))
        if running and not result.status.done:
            i = str(index)
            row = (
                _button(run, t.OPEN_CHECKLIST, ActionId.RUN_CHECKLIST, i, Style.PRIMARY),
                _button(run, t.MARK_ALL_OK, ActionId.RUN_ALL_OK, i),
                _button(run, t.SKIP_TARGET, ActionId.RUN_SKIP_TARGET, i),
            )
            blocks.append(Buttons(row))
    hint = t.CARD_HINT if running else f"Run {run.status.value}."
    blocks.append(Context(f"{hint} Run {run.id[:8]}"))
    fallback = t.CARD_FALLBACK.format(flow=run.flow_name, progress=progress_line(run))
    return View(tuple(blocks), fallback)


def _step_blocks(
    run: MaintenanceRun, index: int, number: int, node: Node, result: TargetResult, zone: ZoneInfo, detailed: bool
) -> list[Block]:
    blocks: list[Block] = [Text(f"*{number}. {node.title or node.id}*")]
    answer = result.steps.get(node.id)
    if answer is not None:
        extra = f": {answer.value}" if answer.value else ""
        extra += f" — {answer.note}" if answer.note else ""
        icon = t.STEP_ICONS[answer.outcome.value]
        blocks.append(Context(f"{icon} {answer.outcome.value}{extra} · {answer.by}, {local(answer.at, zone)}"))
        return blocks
    if detailed:  # the next open step in full; later ones by title, so a long checklist stays one message
        if node.instructions:
            blocks.append(Context(node.instructions))
        if node.warning:
            blocks.append(Text(f"⚠️ {node.warning}"))
        blocks.extend(Code(c.code, c.language, c.label) for c in node.commands)
    if result.status.done or run.status is not RunStatus.RUNNING:
        return blocks
    value = f"{index}:%s:{node.id}"
    ok = (
        _button(
            run, f"✎ {node.verification_prompt or 'Enter value'}", ActionId.RUN_STEP, value % "value", Style.PRIMARY
        )
        if asks_value(node)
        else _button(
            run,
            f"{t.STEP_OK}" + (f" {node.verification_prompt}" if node.verification_prompt else ""),
            ActionId.RUN_STEP,
            value % "ok",
            Style.PRIMARY,
        )
    )
    issue = _button(run, t.STEP_ISSUE, ActionId.RUN_STEP, value % "issue")
    skip = _button(run, t.STEP_SKIP, ActionId.RUN_STEP, value % "skipped")
    blocks.append(Buttons((ok, issue, skip)))
    return blocks


def checklist_view(run: MaintenanceRun, flow: Flow, index: int, zone: ZoneInfo = UTC_ZONE) -> View:
    """One target's checklist: every step with its result or OK / Issue / Skip; the next open step also with its
    instructions, warning and commands (Teams cards and Slack messages have size limits that a whole checklist with
    every command would pass)."""
    result = run.targets[index]
    title = t.CHECKLIST_TITLE.format(target=result.label, flow=run.flow_name)
    blocks: list[Block] = [Header(title)]
    status = result.status.value if result.status.done else step_progress(result, flow)
    blocks.append(Context(f"{result.notes + ' · ' if result.notes else ''}{status} · {t.CHECKLIST_HINT}"))
    steps = steps_of(flow)
    following = next((n.id for n in steps if n.id not in result.steps), "")
    for number, node in enumerate(steps, start=1):
        blocks.extend(_step_blocks(run, index, number, node, result, zone, node.id == following))
    return View(tuple(blocks), f"{title}: {status}")


def summary_lines(run: MaintenanceRun, flow: Flow, zone: ZoneInfo) -> list[str]:
    """The summary, one line per target then its issues (shared by the chat view and the ticket note)."""
    end = run.finished_at or run.deadline
    lines: list[str] = []
    for result in run.targets:
        state = result.status.value.upper() if result.status.done else t.NOT_DONE.upper()
        who = f" — {result.by}" if result.by else ""
        took = ""
        if result.status.done and result.started_at and result.at:
            took = f", {elapsed(result.at - result.started_at)}"
        lines.append(f"• {result.label}: {state}{who}{took} ({step_progress(result, flow)})")
        for node in steps_of(flow):
            answer = result.steps.get(node.id)
            if answer is not None and (answer.note or answer.value):
                icon = t.STEP_ICONS[answer.outcome.value]
                said = answer.note or answer.value
                lines.append(f"   {icon} {node.title or node.id}: {said} ({answer.by})")
    head = (
        t.SUMMARY_COMPLETED.format(total=len(run.targets), elapsed=elapsed(end - run.fire_time))
        if run.status is RunStatus.COMPLETED
        else t.SUMMARY_EXPIRED.format(
            elapsed=elapsed(end - run.fire_time), done=done_count(run), total=len(run.targets)
        )
    )
    return [head, f"Fired {local(run.fire_time, zone)}, finished {local(end, zone)}.", *lines]


def summary_view(run: MaintenanceRun, flow: Flow, zone: ZoneInfo, note_line: str) -> View:
    """The summary posted in the run card's thread."""
    lines = summary_lines(run, flow, zone)
    title = t.SUMMARY_TITLE.format(flow=run.flow_name)
    counts = {s: sum(1 for r in run.targets if r.status is s) for s in TargetStatus}
    fields = (
        ("OK", str(counts[TargetStatus.OK])),
        ("Issues", str(counts[TargetStatus.ISSUES])),
        ("Skipped", str(counts[TargetStatus.SKIPPED])),
        ("Not done", str(counts[TargetStatus.PENDING])),
    )
    blocks: tuple[Block, ...] = (Header(title), Text(lines[0]), Fields(fields), Text("\n".join(lines[2:])))
    return View((*blocks, Context(f"{lines[1]} {note_line}".strip())), f"{title}: {lines[0]}")
