"""``schedule``: the team's schedules — list them, schedule a maintenance flow's runs, pause, resume or remove a
schedule, and start a run now.

``schedule add FLOW [CRON] [tz ZONE]`` (team admins) creates or replaces the flow's ``maintenance_run`` schedule
(key ``maintenance:<flow>``), posting runs where the command was typed; CRON defaults to the flow's ``schedule``, the
zone to the team's ``timezone`` setting. ``pause``/``resume``/``remove`` (team admins; remove asks first) take a
schedule's name (its key, or the flow's key) or its id. ``run FLOW`` (engineers) starts a run at once.
"""

from __future__ import annotations

import shlex
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.engine.audit import AuditAction
from bot.engine.commands.admin import require_admin
from bot.engine.commands.maintenance_runs import is_runnable, lasting, start_run, team_zone
from bot.engine.commands.start import resolve_flow
from bot.engine.context import Ctx, UserError
from bot.engine.events import ActionId
from bot.engine.maintenance import texts as t
from bot.engine.maintenance.records import DEADLINE_KIND, RUN_KIND, schedule_key
from bot.engine.maintenance.views import local
from bot.engine.replies import Button, Buttons, Context, Ephemeral, Header, Style, Text, View
from bot.engine.scheduled import Schedule, ScheduleBook, ScheduleSpec
from bot.engine.team_settings import TIMEZONE, team_setting
from bot.flows.cron import cron_problem
from bot.flows.model import Flow

PREFIX = "maintenance:"


def _book(ctx: Ctx) -> ScheduleBook:
    if ctx.schedules is None:
        raise UserError(t.NO_BOOK)
    return ctx.schedules


def _name(schedule: Schedule) -> str:
    return schedule.key[len(PREFIX) :] if schedule.key.startswith(PREFIX) else schedule.key


def _when(schedule: Schedule, zone: ZoneInfo) -> str:
    if schedule.paused:
        return "paused"
    return local(schedule.next_fire_at, zone) if schedule.next_fire_at else "no further runs"


def _trigger(schedule: Schedule) -> str:
    if schedule.cron:
        return f"`{schedule.cron}` ({schedule.timezone})"
    return f"once at {schedule.run_at:%Y-%m-%d %H:%M} UTC" if schedule.run_at else "once"


async def cmd_schedule(ctx: Ctx, args: str) -> None:
    """Maintenance schedules: `schedule list`, `add FLOW [CRON] [tz ZONE]`, `pause|resume|remove NAME`, `run FLOW`."""
    sub, _, rest = args.strip().partition(" ")
    sub, rest = sub.lower(), rest.strip()
    if sub in ("", "list", "ls"):
        await _list(ctx)
    elif sub == "add":
        await _add(ctx, rest)
    elif sub in ("pause", "resume", "remove"):
        await _change(ctx, sub, rest)
    elif sub == "run":
        await _run_now(ctx, rest)
    else:
        raise UserError(t.SCHEDULE_USAGE)


async def _list(ctx: Ctx) -> None:
    book, zone = _book(ctx), await team_zone(ctx)
    everything = list(await book.list(ctx.team_id))
    schedules = [s for s in everything if s.kind != DEADLINE_KIND]  # a run's own deadline is no schedule to manage
    if not schedules:
        ctx.whisper(t.LIST_EMPTY)
        return
    lines = [
        f"• *{_name(s)}* — {s.kind.replace('_', ' ')}, {_trigger(s)} · next: {_when(s, zone)} · id `{s.id[:8]}`"
        for s in schedules
    ]
    running = len(everything) - len(schedules)
    hint = t.LIST_HINT.format(zone=zone.key) + (t.LIST_RUNNING.format(count=running) if running else "")
    view = View((Header(t.LIST_TITLE), Text("\n".join(lines)), Context(hint)), t.LIST_TITLE)
    ctx.replies.append(Ephemeral(ctx.conversation, ctx.event.actor, view))


def _parse_add(rest: str) -> tuple[str, str, str]:
    """``FLOW [CRON] [tz ZONE]`` -> (flow, cron, zone); a quoted cron is one word."""
    try:
        words = shlex.split(rest)
    except ValueError:
        words = rest.split()
    if not words:
        raise UserError(t.FLOW_NEEDED.format(sub="add"))
    flow, words = words[0], words[1:]
    zone = ""
    lowered = [w.lower() for w in words]
    if "tz" in lowered:
        at = lowered.index("tz")
        zone = words[at + 1] if at + 1 < len(words) else ""
        if not zone:
            raise UserError(t.BAD_ZONE.format(zone=""))
        words = words[:at] + words[at + 2 :]
    return flow, " ".join(" ".join(words).split()), zone


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise UserError(t.BAD_ZONE.format(zone=name)) from None


async def _runnable(ctx: Ctx, name: str) -> Flow:
    flow = await resolve_flow(ctx, name)
    if not is_runnable(flow):
        if flow.targets or flow.kind.value != "maintenance":
            raise UserError(t.NOT_MAINTENANCE.format(flow=flow.key, kind=flow.kind.value))
        raise UserError(t.NO_TARGETS.format(flow=flow.key))
    return flow


async def _add(ctx: Ctx, rest: str) -> None:
    require_admin(ctx)
    book = _book(ctx)
    name, cron, zone_name = _parse_add(rest)
    flow = await _runnable(ctx, name)
    if not cron and not flow.schedule:
        raise UserError(t.NO_CRON.format(flow=flow.key))
    cron = cron or flow.schedule
    problem = cron_problem(cron)
    if problem:
        raise UserError(t.BAD_CRON.format(problem=problem))
    zone = _zone(zone_name or await team_setting(ctx.uow, ctx.team_id, TIMEZONE))
    old = await book.by_key(ctx.team_id, schedule_key(flow.key))
    spec = ScheduleSpec(
        team_id=ctx.team_id,
        kind=RUN_KIND,
        key=schedule_key(flow.key),
        cron=cron,
        timezone=zone.key,
        payload={"flow": flow.key},
        conversation=lasting(ctx.conversation, thread=False),
    )
    try:
        new = await book.put(spec, ctx.uow)
    except ValueError as err:
        raise UserError(t.BAD_CRON.format(problem=str(err))) from None
    what = "added" if old is None else "replaced"
    await ctx.audit(AuditAction.SCHEDULE_CHANGED, f"schedule {new.key}", what=what, value=f"{cron} {zone.key}")
    shown_zone = await team_zone(ctx)
    upcoming = _when(new, shown_zone) if not new.paused else "paused"
    if old is None:
        message = t.ADDED.format(flow=flow.name, cron=cron, zone=zone.key, next=upcoming)
    else:
        message = t.REPLACED.format(
            flow=flow.name, old=old.cron or "once", old_zone=old.timezone, cron=cron, zone=zone.key, next=upcoming
        )
    if new.paused:
        message += t.STILL_PAUSED.format(name=flow.key)
    ctx.say(message)


async def _find(ctx: Ctx, book: ScheduleBook, name: str) -> Schedule:
    wanted = name.strip().strip("`")
    schedules = list(await book.list(ctx.team_id))
    exact = [s for s in schedules if wanted in (s.id, s.key, _name(s))]
    found = exact or [s for s in schedules if len(wanted) >= 4 and s.id.startswith(wanted)]
    if not found:
        raise UserError(t.NO_SUCH_SCHEDULE.format(name=wanted))
    if len(found) > 1:
        raise UserError(t.SEVERAL_SCHEDULES.format(name=wanted, options=", ".join(f"`{s.id}`" for s in found)))
    return found[0]


async def _change(ctx: Ctx, sub: str, rest: str) -> None:
    require_admin(ctx)
    book = _book(ctx)
    if not rest:
        raise UserError(t.NAME_NEEDED.format(sub=sub))
    schedule = await _find(ctx, book, rest)
    name = _name(schedule)
    if sub == "remove":
        button = Button(t.REMOVE_BUTTON, ActionId.SCHEDULE_REMOVE, "", 0, schedule.id, Style.DANGER)
        ctx.whisper(t.REMOVE_CONFIRM.format(name=name, what=_trigger(schedule)), Buttons((button,)))
        return
    if sub == "pause":
        if schedule.paused:
            raise UserError(t.ALREADY_PAUSED.format(name=name))
        await book.pause(ctx.team_id, schedule.id, ctx.uow)
        await ctx.audit(AuditAction.SCHEDULE_CHANGED, f"schedule {schedule.key}", what="paused")
        ctx.say(t.PAUSED.format(name=name))
        return
    if not schedule.paused:
        raise UserError(t.NOT_PAUSED.format(name=name))
    resumed = await book.resume(ctx.team_id, schedule.id, ctx.uow)
    await ctx.audit(AuditAction.SCHEDULE_CHANGED, f"schedule {schedule.key}", what="resumed")
    upcoming = _when(resumed, await team_zone(ctx)) if resumed is not None else "?"
    ctx.say(t.RESUMED.format(name=name, next=upcoming))


async def on_remove_confirmed(ctx: Ctx, _target: str, value: str) -> None:
    """The Remove button of `schedule remove`: delete the schedule (its past runs stay)."""
    require_admin(ctx)
    book = _book(ctx)
    schedule = await book.get(ctx.team_id, value) if value else None
    if schedule is None or not await book.remove(ctx.team_id, schedule.id, ctx.uow):
        raise UserError(t.GONE)
    await ctx.audit(AuditAction.SCHEDULE_CHANGED, f"schedule {schedule.key}", what="removed")
    ctx.say(t.REMOVED.format(name=_name(schedule)))


async def _run_now(ctx: Ctx, rest: str) -> None:
    ctx.require_writer()
    if not rest:
        raise UserError(t.FLOW_NEEDED.format(sub="run"))
    flow = await _runnable(ctx, rest.split()[0])
    await start_run(ctx, flow, ctx.conversation, book=ctx.schedules, started_by=ctx.user.display_name)
