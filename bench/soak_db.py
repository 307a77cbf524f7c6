"""What the soak reads from its database after the run: who processed which event, every session's answered steps,
the schedule's fires, and what the inbox and outbox still hold."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

import psycopg

TICKET = re.compile(r"#(\d+)")


@dataclass(frozen=True)
class Processed:
    """Which worker (``host:pid:random``) processed an inbox event, and when."""

    owner: str
    at: datetime


@dataclass
class Facts:
    """The database's side of the verdict."""

    owners: dict[str, Processed] = field(default_factory=dict)  # dedupe key prefix (3 and 4 fields) -> who, when
    started_by: dict[int, Processed] = field(default_factory=dict)  # ticket -> who processed its start, when
    answered: dict[int, list[str]] = field(default_factory=dict)  # ticket -> node ids answered, in timeline order
    database: dict[str, int] = field(default_factory=dict)
    schedule: dict[str, int] = field(default_factory=dict)

    def processed(self, cause: str) -> Processed | None:
        """Who processed the event ``cause`` names (a dedupe key prefix, or ``ticket:#N`` for the start of the
        session on ticket N), and when; None when no such event was processed."""
        if cause.startswith("ticket:#"):
            return self.started_by.get(int(cause[8:]))
        return self.owners.get(cause)


def read_facts(url: str, schedule_id: str) -> Facts:
    """Everything the checks need from the soak database."""
    facts = Facts()
    with psycopg.connect(url, autocommit=True) as conn:
        for key, owner, at, kind, text in conn.execute(
            "SELECT dedupe_key, coalesce(claimed_by, ''), processed_at, payload->>'type', "
            "CASE WHEN payload->>'type' = 'CommandIssued' THEN payload::text ELSE '' END "
            "FROM inbox WHERE processed_at IS NOT NULL"
        ):
            done, parts = Processed(str(owner), at), str(key).split(":")
            for n in (3, 4):  # teams:act:<activity id>: / slack:act:<user>:<action_ts>:
                facts.owners[":".join(parts[:n]) + ":"] = done
            found = TICKET.search(str(text)) if kind == "CommandIssued" and "start" in str(text) else None
            if found:
                facts.started_by[int(found.group(1))] = done
        for ticket, node in conn.execute(
            "SELECT s.ticket_number, t.node_id FROM session_timeline t JOIN sessions s ON s.id = t.session_id "
            "WHERE t.kind = 'step_answered' AND s.ticket_number IS NOT NULL ORDER BY s.ticket_number, t.seq"
        ):
            if str(ticket).isdigit():
                facts.answered.setdefault(int(ticket), []).append(str(node))
        for ticket in conn.execute("SELECT ticket_number FROM sessions WHERE ticket_number IS NOT NULL"):
            if str(ticket[0]).isdigit():
                facts.answered.setdefault(int(ticket[0]), [])
        inbox = conn.execute(
            "SELECT count(*) FILTER (WHERE processed_at IS NOT NULL), count(*) FILTER (WHERE processed_at IS NULL "
            "AND attempts < 5), count(*) FILTER (WHERE processed_at IS NULL AND attempts >= 5), "
            "count(*) FILTER (WHERE attempts > 0), count(DISTINCT claimed_by) FROM inbox"
        ).fetchone() or (0, 0, 0, 0, 0)
        outbox = conn.execute(
            "SELECT count(*) FILTER (WHERE status = 'done'), count(*) FILTER (WHERE status <> 'done'), "
            "coalesce(sum(attempts), 0) FROM outbox"
        ).fetchone() or (0, 0, 0)
        if schedule_id:
            fires = conn.execute(
                "SELECT count(*), count(DISTINCT fired_by) FROM schedule_runs WHERE schedule_id = %s", (schedule_id,)
            ).fetchone() or (0, 0)
            runs = conn.execute(
                "SELECT count(*) FROM maintenance_runs WHERE schedule_id = %s", (schedule_id,)
            ).fetchone() or (0,)
            facts.schedule = {"fires": int(fires[0]), "leaders": int(fires[1]), "runs": int(runs[0])}
    names = ("inbox_processed", "inbox_pending", "inbox_given_up", "inbox_retried", "inbox_claimers")
    facts.database = dict(zip(names, map(int, inbox), strict=True))
    facts.database |= dict(zip(("outbox_done", "outbox_open", "outbox_attempts"), map(int, outbox), strict=True))
    return facts
