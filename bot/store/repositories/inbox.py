"""Inbound events, deduplicated by key, and the claims of N replicas on them (``inbox_claims``)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.dml import Insert

from bot.engine.inbox_lanes import follow_lanes, lane_key
from bot.engine.model import InboxItem
from bot.store.inbox_tables import INBOX
from bot.store.repositories import inbox_claims
from bot.store.repositories.base import SqlRepository, dialect_insert, per_dialect

log = logging.getLogger(__name__)

PENDING = (
    select(*inbox_claims.ROW_COLUMNS)
    .where(INBOX.c.processed_at.is_(None), INBOX.c.attempts < bindparam("b_max"), INBOX.c.id > bindparam("b_after"))
    .order_by(INBOX.c.id)
    .limit(bindparam("b_limit"))
)
MARK_PROCESSED = update(INBOX).where(INBOX.c.id == bindparam("b_id"), INBOX.c.processed_at.is_(None))
MARK_FAILED = update(INBOX).where(INBOX.c.id == bindparam("b_id")).values(attempts=INBOX.c.attempts + 1)
LANES_PER_CLAIM = 200
CONTENTION = frozenset({"40P01", "40001", "55P03"})  # deadlock_detected, serialization_failure, lock_not_available
MAX_ATTEMPTS = 5
FOLLOWING_INSERT = inbox_claims.following_insert()


@per_dialect
def add_statement(dialect: str) -> Insert:
    """``INSERT INTO inbox … ON CONFLICT DO NOTHING RETURNING id`` of this dialect, fed with ``inbox_values`` (on
    PostgreSQL the table's trigger NOTIFYs the replicas' workers at commit)."""
    stmt: Insert = dialect_insert(dialect)(INBOX).values(**inbox_claims.row_binds()).on_conflict_do_nothing()
    return stmt.returning(INBOX.c.id)


HOLD_LANES = inbox_claims.hold_lanes()
RENEW_KEPT = inbox_claims.renew_kept_lanes()


@per_dialect
def claim_statements(dialect: str) -> tuple[Any, ...]:
    """The claim pass of ``SqlInbox.claim`` (PostgreSQL only), in the order it runs: take, claim, drop."""
    return (inbox_claims.take_lanes(), inbox_claims.claim_rows(), inbox_claims.drop_idle_lanes())


def inbox_values(team_id: str, dedupe_key: str, kind: str, payload: dict[str, Any], at: datetime) -> dict[str, Any]:
    """Bind values of a new inbox row (``inbox_claims.row_binds``), its lane included."""
    return {
        "v_team_id": team_id,
        "v_dedupe_key": dedupe_key,
        "v_kind": kind,
        "v_payload": dict(payload),
        "v_received_at": at,
        "v_attempts": 0,
        "v_last_error": "",
        "v_lane": lane_key(team_id, payload),
    }


def _item(r: Any) -> InboxItem:
    return InboxItem(r.id, r.team_id, r.dedupe_key, r.kind, dict(r.payload), r.received_at, r.attempts)


class SqlInbox(SqlRepository):
    """``InboxRepository`` over ``inbox``; ``(team_id, dedupe_key)`` is unique."""

    async def add(self, team_id: str, dedupe_key: str, kind: str, payload: dict[str, Any], at: datetime) -> bool:
        """Insert an event; False when the key was seen before.

        Uses ``INSERT … ON CONFLICT DO NOTHING RETURNING id``: a duplicate raises nothing, so the surrounding
        transaction stays usable and commits the rest of its work.
        """
        return await self.append(team_id, dedupe_key, kind, payload, at) is not None

    async def append(
        self, team_id: str, dedupe_key: str, kind: str, payload: dict[str, Any], at: datetime
    ) -> int | None:
        """``add``, returning the new row's id (None when the key was seen before). The row is nobody's (the NOTIFY
        on PostgreSQL, or the local ``wake``, gets it claimed), except a follow-up such as a copilot job on
        PostgreSQL, which goes to the replica working its cause (``inbox_claims.following_insert``)."""
        values = inbox_values(team_id, dedupe_key, kind, payload, at)
        follow = follow_lanes(team_id, payload) if self.dialect == "postgresql" else ()
        if follow:
            binds = values | {"b_follow": list(follow), "b_now": at, "b_max": MAX_ATTEMPTS}
            row = (await self.run(FOLLOWING_INSERT, binds)).first()
            return None if row is None else int(row[0])
        row = (await self.run(add_statement(self.dialect), values)).first()
        return None if row is None else int(row[0])

    async def pending(self, limit: int = 50, max_attempts: int = 5, after_id: int = 0) -> Sequence[InboxItem]:
        """Unprocessed events of every team above ``after_id``, oldest first (claimed or not)."""
        rows = await self.all(PENDING, {"b_max": max_attempts, "b_after": after_id, "b_limit": limit})
        return [_item(r) for r in rows]

    async def claim(
        self,
        owner: str,
        now: datetime,
        lease_until: datetime,
        max_attempts: int = 5,
        keep: Sequence[str] = (),
    ) -> Sequence[InboxItem]:
        """One claim pass for ``owner`` (see ``inbox_claims``): the pending events of every lane it now holds,
        oldest first, leased until ``lease_until``. SQLite (one process): every pending event.

        Lease rows are only ever waited for by ``take_lanes``, which writes them in lane order (as every replica
        does), and idle leases are dropped last, skipping locked ones: two replicas' passes cannot deadlock on
        each other. Should the database still pick this pass as a deadlock victim (an event handled on a lane
        whose lease it lost meanwhile), it is benign contention: the pass is retried once, quietly, in a savepoint,
        and otherwise left to the next wake or poll."""
        if self.dialect != "postgresql":
            return await self.pending(10_000, max_attempts)
        binds = {"b_owner": owner, "b_now": now, "b_until": lease_until, "b_max": max_attempts, "b_keep": list(keep)}
        take, claim, drop = claim_statements(self.dialect)
        for attempt in (1, 2):
            try:
                async with self._c.begin_nested():
                    if keep:
                        await self.run(RENEW_KEPT, binds)
                    await self.run(take, {**binds, "b_lanes": LANES_PER_CLAIM})
                    rows = (await self.run(claim, binds)).all()
                    await self.run(drop, binds)
                break
            except DBAPIError as err:
                if getattr(err.orig, "sqlstate", None) not in CONTENTION:
                    raise
                log.info("inbox claim pass of %s lost a lock race (attempt %d): %s", owner, attempt, err.orig)
                rows = []
        return sorted((_item(r) for r in rows), key=lambda item: item.id)

    async def hold(self, owner: str, lanes: Sequence[str], now: datetime, lease_until: datetime) -> None:
        """Lease ``lanes`` to ``owner`` when free, expired or already its own (``inbox_claims.hold_lanes``); SQLite
        (one process): nothing to do."""
        if self.dialect != "postgresql" or not lanes:
            return
        binds = {"b_owner": owner, "b_now": now, "b_until": lease_until}
        await self.run(HOLD_LANES, [{**binds, "v_lane": lane} for lane in lanes])

    async def release(self, owner: str) -> None:
        """Give up every lane ``owner`` holds (a worker stopping), so other replicas take them at once."""
        if self.dialect == "postgresql":
            for statement in inbox_claims.release_all():
                await self.run(statement, {"b_owner": owner})

    async def mark_processed(self, item_id: int, at: datetime) -> bool:
        """Record that the event took effect; False if it already had (a second run must roll back)."""
        result = await self.run(MARK_PROCESSED, {"b_id": item_id, "processed_at": at})
        return bool(result.rowcount)

    async def mark_failed(self, item_id: int, error: str) -> None:
        """Count a failed attempt and keep the (truncated) error."""
        await self.run(MARK_FAILED, {"b_id": item_id, "last_error": error[:2000]})
