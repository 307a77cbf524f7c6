"""The soak's verdict, read after the backlog drained: from what the fakes accepted and from the database.

* **Session timelines** (the database): every accepted click is one ``step_answered`` entry, none twice, in order.
* **Chat** (Slack and Teams threads): every step was posted once, none an accepted click asked for is missing, in
  order, and every answered step's message was edited (a lost edit leaves live buttons on an answered step).
* **Notes**: a resolved session's ticket holds exactly its two notes (resolution + documentation) in the
  ConnectWise fake; a ticket whose session was not resolved holds none.
* **Copilot turns**: every accepted ``/rf pilot`` and thread message was answered once (the placeholder replaced,
  or the answer posted), by the model or, when the model failed, by the offline copilot.
* **Probes** (``help`` sent while a fault lasts, ``bench.soak_probes``): each acknowledged one was answered.
* **Scheduled runs**: every recorded fire of the soak's schedule made one run and posted one run card.
* **The database**: no inbox row pending or given up, no outbox item pending or failed.

A chat problem is charged to the drill whose fault was on when its cause (the start or click whose replies were
missing or wrong) was processed, give or take 2 s (replies in flight), else to the phase running then; a copilot
problem likewise by its session's last request; a timeline or note problem to the phase in which its session
started or was resolved.
**Crash window**: replies are sent after their event's transaction commits, so a replica killed between the two
takes the replies of its last events with it (the events and their notes are intact, the next replica does not
resend them), and a message it posted but had not yet recorded can no longer be edited (its answered form is
posted anew). Chat problems whose cause was processed by a replica in the 10 s before it was killed are counted
apart (``crash_window``), not as duplicates or losses, and listed.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from bench.soak_db import Facts
from bench.soak_fakes import Seen
from bench.soak_ledger import Conversation, Ledger
from bench.soak_slack import CURSOR, THINKING, step_number
from bench.soak_world import World

RUN_CARD = "maintenance run"
CRASH_WINDOW = timedelta(seconds=10)  # an event committed this long before its replica was killed may have lost replies


@dataclass
class Verdict:
    """Duplicates and losses per phase, crash-window artifacts, and what the database still holds."""

    duplicates: Counter[str] = field(default_factory=Counter)  # phase -> count
    lost: Counter[str] = field(default_factory=Counter)
    disorder: Counter[str] = field(default_factory=Counter)
    crash_window: Counter[str] = field(default_factory=Counter)
    notes: Counter[str] = field(default_factory=Counter)  # phase -> notes delivered for its resolutions
    notes_due: Counter[str] = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)  # one line per violation
    crashes: list[str] = field(default_factory=list)  # one line per crash-window artifact
    database: dict[str, int] = field(default_factory=dict)
    schedule: dict[str, Any] = field(default_factory=dict)

    def charge(self, phase: str, kind: str, count: int, what: str) -> None:
        """Record ``count`` problems of ``kind`` (duplicates, lost, disorder, crash_window) in ``phase``."""
        if count > 0:
            getattr(self, kind)[phase] += count
            (self.crashes if kind == "crash_window" else self.problems).append(f"[{phase}] {kind} {count}: {what}")

    @property
    def failed(self) -> bool:
        """Anything duplicated, lost, out of order, or left in the database."""
        left = sum(self.database.get(k, 0) for k in ("inbox_pending", "inbox_given_up", "outbox_open"))
        schedule_bad = self.schedule.get("duplicates", 0) + self.schedule.get("lost", 0)
        bad = sum(self.duplicates.values()) + sum(self.lost.values()) + sum(self.disorder.values())
        return bool(bad + left + schedule_bad)


@dataclass
class Checker:
    """Checks one run's conversations against the fakes and the database."""

    world: World
    facts: Facts
    kills: dict[str, datetime]  # ":<pid>:" of every replica killed by a drill -> when
    verdict: Verdict = field(default_factory=Verdict)

    @property
    def ledger(self) -> Ledger:
        """The run's ledger."""
        return self.world.ledger

    def crashed(self, record: Conversation, *indexes: int) -> datetime | None:
        """When the replica was killed that processed one of these causes of ``record`` within ``CRASH_WINDOW``
        before (its replies, sent after the commit, may have died with it); None if no such replica."""
        for i in indexes:
            done = self.facts.processed(record.causes[i][0]) if 0 <= i < len(record.causes) else None
            for pid, when in self.kills.items():
                if done is not None and pid in done.owner and timedelta(0) <= when - done.at <= CRASH_WINDOW:
                    return when
        return None

    def phase_of(self, record: Conversation, index: int) -> str:
        """The phase to charge for cause ``index`` of ``record`` (``Ledger.blame`` at the time it was processed, else
        accepted); the session's own phase when there is no such cause."""
        if not 0 <= index < len(record.causes):
            return record.phase
        done = self.facts.processed(record.causes[index][0])
        at = (
            done.at
            if done is not None
            else datetime.now(UTC) - timedelta(seconds=time.monotonic() - record.causes[index][1])
        )
        return self.ledger.blame(at)

    def chat(self, record: Conversation, kind: str, index: int, count: int, what: str, *crash_causes: int) -> None:
        """Charge a chat problem to its cause's phase, or, when the cause died with a replica, as a crash-window
        artifact to the phase of the kill."""
        killed = self.crashed(record, *crash_causes) if count > 0 else None
        if killed is not None:
            what = f"{what} (cause processed by a replica killed {killed:%H:%M:%S})"
            self.verdict.charge(self.ledger.blame(killed), "crash_window", count, what)
            return
        self.verdict.charge(self.phase_of(record, index), kind, count, what)

    def posts(self, record: Conversation) -> list[Seen]:
        """The messages posted in the session's thread."""
        if record.platform == "teams":
            return [s for s in self.world.teams.accepted.seen.get(record.key, []) if s.method in ("send", "reply")]
        return [
            s
            for s in self.world.slack.accepted.seen.get(record.key, [])
            if s.method == "chat.postMessage" and s.params.get("thread_ts") == record.thread
        ]

    def edited(self, record: Conversation) -> set[str]:
        """Ids of the thread's messages that were edited."""
        log = (self.world.teams if record.platform == "teams" else self.world.slack).accepted.seen.get(record.key, [])
        return {s.ts for s in log if s.method in ("update", "chat.update")}

    def checklist(self, record: Conversation) -> None:
        """The session's chat thread and its database timeline."""
        if not record.started:
            return  # the start was never acknowledged: nothing was promised
        self.timeline(record)
        if not record.thread:  # the engineer gave up waiting for the session card: did it come later?
            card = next(
                (
                    s
                    for s in self.world.slack.accepted.seen.get(record.key, [])
                    if s.method == "chat.postMessage"
                    and not s.params.get("thread_ts")
                    and f"#{record.ticket}" in s.text
                ),
                None,
            )
            if card is None:
                self.chat(record, "lost", 0, 1, f"no session card for ticket #{record.ticket} in {record.key}", 0)
                return
            record.thread = card.ts
        where = f"{record.platform} {record.key} ticket #{record.ticket}"
        steps = [(step_number(s), s) for s in self.posts(record) if step_number(s)]
        numbers = [n for n, _ in steps]
        for n, count in Counter(numbers).items():
            copies = [s for k, s in steps if k == n]
            reposted = any(_answered_form(s) for s in copies[1:])
            self.chat(
                record,
                "duplicates",
                n - 1,
                count - 1,
                f"step {n} posted {count} times in {where}",
                *((n - 1,) if reposted else ()),
            )
        for n in sorted(set(range(1, record.clicks + 2)) - set(numbers)):
            self.chat(record, "lost", n - 1, 1, f"step {n} never posted in {where}", n - 1)
        distinct = list(dict.fromkeys(numbers))
        self.verdict.charge(record.phase, "disorder", int(distinct != sorted(distinct)), f"steps {numbers} in {where}")
        edited = self.edited(record)
        for n, post in steps:
            if n <= record.clicks and post.ts not in edited and not _answered_form(post):
                self.chat(record, "lost", n, 1, f"answered step {n} never edited in {where}", n, n - 1)

    def timeline(self, record: Conversation) -> None:
        """Every accepted click answered one step in the session's timeline, once, in order."""
        answered = self.facts.answered.get(record.ticket)
        where = f"the timeline of ticket #{record.ticket} ({record.platform})"
        if answered is None:
            self.verdict.charge(record.phase, "lost", 1, f"no session in the database for ticket #{record.ticket}")
            return
        expected = [f"s{n}" for n in range(record.clicks)]
        self.verdict.charge(record.phase, "duplicates", len(answered) - len(set(answered)), f"a step twice in {where}")
        self.verdict.charge(
            record.phase,
            "lost",
            len(set(expected) - set(answered)),
            f"{sorted(set(expected) - set(answered))} missing from {where}",
        )
        self.verdict.charge(
            record.phase,
            "duplicates",
            len(set(answered) - set(expected)),
            f"{sorted(set(answered) - set(expected))} answered but never clicked in {where}",
        )
        ordered = [a for a in answered if a in expected]
        self.verdict.charge(
            record.phase, "disorder", int(ordered != expected[: len(ordered)]), f"{answered} in {where}"
        )

    def notes(self, record: Conversation) -> None:
        """Two notes on a resolved session's ticket; none on another's."""
        notes = self.world.cw.notes_on(record.ticket) if record.ticket else []
        due = 2 if record.resolved else 0
        phase = self.ledger.name_at(record.resolved_at) if record.resolved else record.phase
        self.verdict.notes[phase] += len(notes)
        self.verdict.notes_due[phase] += due
        where = f"ticket #{record.ticket} ({record.platform})"
        self.verdict.charge(phase, "duplicates", len(notes) - due, f"{len(notes)} notes on {where}, {due} due")
        self.verdict.charge(phase, "lost", due - len(notes), f"{len(notes)} notes on {where}, {due} due")
        if due and len(notes) == due:
            flags = sorted(k for n in notes for k in ("resolutionFlag", "internalAnalysisFlag") if n.get(k))
            if flags != ["internalAnalysisFlag", "resolutionFlag"]:
                self.verdict.problems.append(f"[{phase}] notes on {where} are not resolution + documentation")

    def pilot(self, record: Conversation) -> None:
        """Each accepted copilot request answered once: a placeholder replaced, or the answer posted anew."""
        if not record.started:
            return
        seen = self.world.slack.accepted.seen.get(record.key, [])
        placeholders = [s for s in seen if s.method == "chat.postMessage" and THINKING in s.text]
        finals = {s.ts for s in seen if s.method == "chat.update" and _finished(s)}
        posted = [
            s
            for s in seen
            if s.method == "chat.postMessage"
            and s.params.get("thread_ts")
            and _finished(s)
            and "FlowPilot ·" in s.text
            and "Task lane" not in s.text
        ]
        answers = sum(1 for p in placeholders if p.ts in finals) + len(posted)
        where = f"copilot session in {record.key}"
        self.verdict.charge(
            record.phase,
            "duplicates",
            answers - record.turns,
            f"{answers} answers to {record.turns} requests in {where}",
        )
        self.verdict.charge(
            record.phase,
            "lost",
            record.turns - answers,
            f"{record.turns - answers} of {record.turns} requests unanswered in {where}",
        )

    def probe(self, record: Conversation) -> None:
        """An acknowledged probe was answered."""
        if record.started and not record.turns:
            self.verdict.charge(self.phase_of(record, 0), "lost", 1, f"{record.platform} in {record.key} unanswered")

    def schedule(self, schedule_id: str) -> None:
        """Each recorded fire of the soak's schedule: one run, one card."""
        if not schedule_id:
            return
        cards = [
            s
            for s in self.world.slack.accepted.seen.get("COPS", [])
            if s.method == "chat.postMessage" and not s.params.get("thread_ts") and RUN_CARD in s.text
        ]
        fires, runs = self.facts.schedule.get("fires", 0), self.facts.schedule.get("runs", 0)
        self.verdict.schedule = dict(self.facts.schedule) | {"cards": len(cards)}
        self.verdict.schedule["duplicates"] = max(0, len(cards) - fires) + max(0, runs - fires)
        self.verdict.schedule["lost"] = max(0, fires - len(cards)) + max(0, fires - runs)
        if self.verdict.schedule["duplicates"] or self.verdict.schedule["lost"]:
            self.verdict.problems.append(f"[schedule] {self.verdict.schedule}")


def _finished(seen: Seen) -> bool:
    return CURSOR not in seen.text and THINKING not in seen.text


def _answered_form(seen: Seen) -> bool:
    """A step message without buttons (its answer shown): what an edit that found no message to edit posts."""
    return seen.button("") is None and "Action.Execute" not in seen.text


def verdict_of(world: World, facts: Facts, schedule_id: str, kills: dict[str, datetime]) -> Verdict:
    """Every check over the run; ``kills``: ``":<pid>:"`` of each replica a drill killed, and when."""
    checker = Checker(world, facts, kills)
    for record in world.ledger.conversations:
        if record.platform == "pilot":
            checker.pilot(record)
        elif record.platform.startswith("probe"):
            checker.probe(record)
        else:
            checker.checklist(record)
            checker.notes(record)
    checker.schedule(schedule_id)
    checker.verdict.database = facts.database
    return checker.verdict
