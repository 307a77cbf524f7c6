"""Tenant isolation (issue 8 item 2) on SQLite and PostgreSQL: as each role of team B, every button, form and
command, sent with team A's real ids and keys and with guessed ones, shows nothing of team A and changes none of
team A's rows, and is answered with a message (never an exception). The probes come from ``isolation_probes``,
which must cover every ``ActionId``, ``FormId`` and command."""

from __future__ import annotations

from bot.engine.commands.registry import COMMANDS
from bot.engine.events import (
    ActionId,
    ButtonPressed,
    CommandIssued,
    DeliveryReported,
    DeliveryState,
    FormId,
    FormSubmitted,
    HomeOpened,
    InboundEvent,
    MessageReceived,
    PilotJob,
    PilotWork,
    ThreadStarted,
)
from bot.engine.permissions import SUBCOMMAND_ROLES
from bot.store.database import Database
from tests.fakes.chat import Chat
from tests.integration.engine.isolation_probes import (
    ACTION_VALUES,
    ADDRESSES,
    COMMAND_ARGS,
    FORM_VALUES,
    SUBCOMMANDS,
    TOKENS,
)
from tests.integration.engine.isolation_world import World, build, guesses, leaks, snapshot


def fill(template: str, w: World) -> str:
    """``template`` with team A's ids and keys put in."""
    names = {**w.ids, **{f"{k}_key" if k == "schedule" else k: v for k, v in w.keys.items()}}
    for name, value in names.items():
        template = template.replace("{" + name + "}", value)
    return template


def base(chat: Chat) -> dict[str, object]:
    """The fields every event of ``chat`` carries (a fresh event id each time)."""
    return chat._base()


class Prober:
    """Sends events as team B's people and collects every problem: a leak, an exception, a silent refusal."""

    def __init__(self, w: World) -> None:
        self.w = w
        self.problems: list[str] = []
        self.sent = 0

    async def send(self, chat: Chat, event: InboundEvent, label: str, sent: str) -> None:
        self.sent += 1
        try:
            replies = await self.w.engine.handle(event)
        except Exception as err:  # any exception is a finding
            self.problems.append(f"{label}: raised {type(err).__name__}: {err}")
            return
        text = "\n".join(repr(r) for r in replies)
        found = leaks(text, sent)
        if found:
            self.problems.append(f"{label}: reply shows team A's {found}: {text[:600]}")
        if "Traceback" in text:
            self.problems.append(f"{label}: a traceback in the reply")

    async def button(self, chat: Chat, action: ActionId, session_id: str, value: str, version: int) -> None:
        event = ButtonPressed(
            action=action,
            session_id=session_id,
            state_version=version,
            value=value,
            **base(chat),  # type: ignore[arg-type]
        )
        await self.send(chat, event, f"{chat.user} button {action.value} {session_id!r} {value!r}", value)

    async def form(self, chat: Chat, form: FormId, session_id: str, values: dict[str, str], version: int) -> None:
        event = FormSubmitted(
            form=form,
            session_id=session_id,
            state_version=version,
            values=values,
            **base(chat),  # type: ignore[arg-type]
        )
        await self.send(chat, event, f"{chat.user} form {form.value} {session_id!r} {values!r}", repr(values))

    async def command(self, chat: Chat, name: str, args: str) -> None:
        event = CommandIssued(name=name, args=args, **base(chat))  # type: ignore[arg-type]
        await self.send(chat, event, f"{chat.user} /{name} {args}", args)


def addresses(w: World, chats: list[Chat]) -> list[tuple[str, list[Chat]]]:
    """Every id a button or form of team B might name, with who sends it: team A's real ids by each of team B's
    people, guessed ones by team B's admin (who passes every role check)."""
    real = [fill(a, w) for a in ADDRESSES]
    return [(a, chats) for a in real] + [(g, chats[:1]) for g in guesses(w.ids) if g not in real]


async def probe_buttons(p: Prober, w: World, chats: list[Chat]) -> None:
    for action in ActionId:
        for value in ACTION_VALUES[action]:
            for session_id, senders in addresses(w, chats):
                for chat in senders:
                    await p.button(chat, action, session_id, fill(value, w), w.versions.get(session_id, 0))


async def probe_forms(p: Prober, w: World, chats: list[Chat]) -> None:
    for form in FormId:
        for session_id, senders in addresses(w, chats):
            for chat in senders:
                values = {k: fill(v, w).replace("{seq}", str(p.sent)) for k, v in FORM_VALUES[form].items()}
                await p.form(chat, form, session_id, values, w.versions.get(session_id, 0))


def command_probes(w: World) -> list[tuple[str, str]]:
    """Every (command, args) to send: the table's, each token alone, and each sub-command with each token."""
    probes: list[tuple[str, str]] = []
    subs = set(SUBCOMMANDS) | {key.split(" ", 1)[1] for key in SUBCOMMAND_ROLES}
    for name in COMMANDS:
        probes += [(name, fill(a, w)) for a in COMMAND_ARGS[name]]
        probes += [(name, fill(t, w)) for t in TOKENS]
        probes += [
            (name, f"{sub} {fill(t, w)}") for sub in sorted(subs) for t in TOKENS if f"{name} {sub}" in SUBCOMMAND_ROLES
        ]
    probes += [("status", g) for g in guesses(w.ids)] + [("share", f"revoke {g}") for g in guesses(w.ids)]
    return probes


async def probe_commands(p: Prober, w: World, chats: list[Chat]) -> None:
    for name, args in command_probes(w):
        for chat in chats:
            await p.command(chat, name, args)
    for chat in chats:
        await p.send(chat, MessageReceived(text="probe message", **base(chat)), f"{chat.user} message", "")  # type: ignore[arg-type]
        await p.send(chat, HomeOpened(**base(chat)), f"{chat.user} home", "")  # type: ignore[arg-type]


async def probe_bookkeeping(p: Prober, w: World, chat: Chat) -> None:
    """The events adapters and workers write for team B (a thread opened, a push reported, queued copilot work),
    naming team A's sessions, run and outbox items."""
    for target in (w.ids["session"], w.ids["pilot"], w.ids["run"]):
        label = f"bookkeeping for {target}"
        await p.send(chat, ThreadStarted(session_id=target, thread="T-X", **base(chat)), label, "")  # type: ignore[arg-type]
        report = DeliveryReported(
            session_id=target,
            outbox_id=w.ids["outbox"],
            state=DeliveryState.FAILED,
            label="Note",
            **base(chat),  # type: ignore[arg-type]
        )
        await p.send(chat, report, label, "")
        for job in PilotJob:
            work = PilotWork(session_id=target, job=job, seq=p.sent, arg="resolution", **base(chat))  # type: ignore[arg-type]
            await p.send(chat, work, f"{label} {job.value}", "")


def changed(before: dict[str, list[str]], after: dict[str, list[str]]) -> list[str]:
    return [
        f"{table}: {sorted(set(before[table]) ^ set(after[table]))[:4]}"
        for table in before
        if before[table] != after[table]
    ]


def team_b_in(w: World, channel: str, thread: str) -> list[Chat]:
    """Team B's admin, engineer and viewer in a conversation."""
    return [Chat(w.engine, w.team_b, w.clock, c.user, channel=channel, thread=thread) for c in w.b.values()]


async def test_team_b_can_neither_see_nor_change_anything_of_team_a(database: Database) -> None:
    w = await build(database)
    before = await snapshot(database, w.team_a)
    p = Prober(w)
    # in team B's own conversation, and in the very channel and thread team A's session lives in
    own, same = team_b_in(w, "C-B", "T-B"), team_b_in(w, *w.a_conversation)
    await probe_buttons(p, w, own)
    after_buttons = await snapshot(database, w.team_a)
    await probe_forms(p, w, own)
    after_forms = await snapshot(database, w.team_a)
    await probe_commands(p, w, own + same)
    await probe_bookkeeping(p, w, own[0])
    after = await snapshot(database, w.team_a)
    assert p.sent > 1000
    problems = p.problems
    problems += [f"buttons changed A's rows: {c}" for c in changed(before, after_buttons)]
    problems += [f"forms changed A's rows: {c}" for c in changed(after_buttons, after_forms)]
    problems += [f"commands changed A's rows: {c}" for c in changed(after_forms, after)]
    assert not problems, f"{len(problems)} problems in {p.sent} probes:\n" + "\n".join(problems[:40])
    # the detectors work: team A's own admin, doing the same, sees team A's texts and changes team A's rows
    control, amira = Prober(w), Chat(w.engine, w.team_a, w.clock, "amira", channel="C-A", thread="T-A")
    await control.command(amira, "status", "")
    await control.command(amira, "note", "a control note")
    assert control.problems and "shows team A's" in control.problems[0]
    assert changed(after, await snapshot(database, w.team_a))


def test_every_action_form_and_command_has_a_probe() -> None:
    assert set(ActionId) - set(ACTION_VALUES) == set(), "add the new actions to isolation_probes.ACTION_VALUES"
    assert set(FormId) - set(FORM_VALUES) == set(), "add the new forms to isolation_probes.FORM_VALUES"
    assert set(COMMANDS) - set(COMMAND_ARGS) == set(), "add the new commands to isolation_probes.COMMAND_ARGS"
