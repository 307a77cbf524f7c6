"""Inbox claims: how N replicas sharing one PostgreSQL split the inbox without running an event twice or a
session's events out of order.

The unit of ownership is the **lane** (``bot.engine.inbox_lanes.lane_key``: a session, a session's copilot work,
or a conversation before its session exists), stored on every inbox row when it is written. A replica works a
lane only while it holds the lane's lease, a row of ``inbox_lanes`` (``lane`` is its primary key, so at most one
holder exists: taking a lane is ``INSERT … ON CONFLICT (lane) DO UPDATE … WHERE``, which PostgreSQL decides on the
latest committed row and serialises with any concurrent taker). Rows of a lane in hand carry
``claimed_by``/``lease_until`` too (who has them, until when), which is what an operator reads.

* **Intake (the ack path, one statement).** ``claiming_insert``: upsert the lane lease for this replica *only
  if the lane is free or already ours*, adopt the lane's older pending rows nobody else holds, insert the row
  claimed by us when we got the lane (else unclaimed); the table's trigger (migration 0018, every INSERT, any
  path) sends ``NOTIFY rfbot_inbox, '<claimer>'`` at commit. When the row is
  ours and nothing older was adopted, the intake hands it straight to the local worker; otherwise the local worker
  is woken to claim in inbox order, or (the lane is someone else's) the NOTIFY wakes the holder.
* **Claim pass (every worker pass: on NOTIFY, on wake, every poll).** ``take_lanes``: lease every lane with
  pending rows that is free, ours, or whose holder's lease has expired (a replica that died; the lanes are
  taken over), oldest lane first, at most ``b_lanes``; renewing our own lanes here is the heartbeat. Then
  ``claim_rows`` marks every pending row of the lanes we hold as ours and returns them, oldest first; the worker
  queues those not already in hand, each lane in inbox order. A row left by a lane's previous holder is therefore
  always claimed together with, and queued ahead of, the lane's newer rows.
* **Follow-ups (a copilot job queued by an event).** ``following_insert``: written in the transaction of the event
  that asked for it, the job is leased to the replica working that event's lane (``inbox_lanes.follow_lanes``), so
  it runs where its cause's replies are being delivered, after them (the worker orders a job behind its cause only
  among the events it holds). Soaks with several replicas showed a copilot answer posted as a new message in the
  channel instead of replacing its placeholder when another replica took the job first.
* **Letting go.** ``drop_idle_lanes`` (the pass's last statement) deletes our leases (and expired ones) of lanes
  with nothing pending, so an idle session can move to whichever replica receives its next event; ``release_all``
  drops ours on shutdown. A lane whose event is still in hand (processed, its replies being delivered) is kept:
  the next click answers a message whose location this replica is about to record, and must run here, after it.
  For the same reason the lane of a session an event just created is leased to that event's replica
  (``hold_lanes``) before its messages are posted. Soaks showed a step posted twice (its first copy never edited)
  when another replica took the click first and found no location for the message.
* **No deadlocks between passes.** Two passes once deadlocked on ``inbox_lanes`` rows ("inbox-worker pass failed"
  in the replicas' logs, a second lost to PostgreSQL's deadlock timeout each time): each ``take_lanes`` wrote its
  leases in ``min(id)`` order computed over the rows *it* may claim, so two replicas could lock the same two
  lanes in opposite orders, and the pass's first statement (the drop) held locks while the take waited. Now the
  take writes its leases in lane order (one global order), it is the only statement of the pass that waits for a
  lease row, and the drop runs last and skips rows locked by others (``SKIP LOCKED``).

A lane therefore runs on one replica at a time and in ``id`` order (rows committed out of ``id`` order are put
back in order by the worker while they are still queued). A replica that stalls past its lease can still finish
the event in hand while another takes the lane: ``mark_processed`` in the effect's transaction keeps that from
applying anything twice. SQLite serves one process: claims are plain reads of the pending rows.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, Update, and_, bindparam, delete, exists, func, literal, or_, select, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.sql.dml import Delete, Insert

from bot.store.inbox_tables import INBOX, INBOX_LANES

CHANNEL = "rfbot_inbox"
"""The NOTIFY channel (trigger ``inbox_notify``); the payload is the new row's claimer ('' when nobody)."""

LANES = INBOX_LANES
ROW_COLUMNS = (
    INBOX.c.id,
    INBOX.c.team_id,
    INBOX.c.dedupe_key,
    INBOX.c.kind,
    INBOX.c.payload,
    INBOX.c.received_at,
    INBOX.c.attempts,
)


def row_binds() -> dict[str, Any]:
    """The values of a new row as bind parameters ``v_<column>`` (see ``repositories.inbox.inbox_values``)."""
    names = ("team_id", "dedupe_key", "kind", "payload", "received_at", "attempts", "last_error", "lane")
    return {name: bindparam(f"v_{name}", type_=INBOX.c[name].type) for name in names}


def _pending() -> list[Any]:
    return [INBOX.c.processed_at.is_(None), INBOX.c.attempts < bindparam("b_max")]


def claiming_insert() -> Select[Any]:
    """One statement: lease the lane when free or ours, adopt its orphaned rows, insert the row (which NOTIFYs).

    Binds: the row's columns (``row_binds``), ``b_owner``, ``b_until``, ``b_max``. Returns one row
    ``(id, claimed_by, adopted)`` or none when the dedupe key was seen before.
    """
    take = postgresql.insert(LANES).values(
        lane=bindparam("v_lane"), claimed_by=bindparam("b_owner"), lease_until=bindparam("b_until")
    )
    lane = (
        take.on_conflict_do_update(
            index_elements=[LANES.c.lane],
            set_={"lease_until": take.excluded.lease_until},
            where=LANES.c.claimed_by == take.excluded.claimed_by,
        )
        .returning(LANES.c.claimed_by, LANES.c.lease_until)
        .cte("lane")
    )
    adopted = (
        update(INBOX)
        .values(claimed_by=lane.c.claimed_by, lease_until=lane.c.lease_until)
        .where(
            INBOX.c.lane == bindparam("v_lane"),
            *_pending(),
            INBOX.c.claimed_by.is_distinct_from(lane.c.claimed_by),
        )
        .returning(INBOX.c.id)
        .cte("adopted")
    )
    row = (
        postgresql.insert(INBOX)
        .values(
            **row_binds(),
            claimed_by=select(lane.c.claimed_by).scalar_subquery(),
            lease_until=select(lane.c.lease_until).scalar_subquery(),
        )
        .on_conflict_do_nothing()
        .returning(INBOX.c.id, INBOX.c.claimed_by)
        .cte("new_row")
    )
    return select(row.c.id, row.c.claimed_by, select(func.count()).select_from(adopted).scalar_subquery())


def following_insert() -> Insert:
    """A follow-up row written inside a worker's transaction (a copilot job, ``inbox_lanes.follow_lanes``): its lane is
    leased to the holder of one of its cause's lanes (``b_follow``) unless someone else is working it, and the row is
    inserted claimed by that holder, so it runs on the replica that is delivering its cause's replies. A plain
    insert when nobody holds those lanes. Binds: the row's columns (``row_binds``), ``b_follow`` (a list),
    ``b_now``, ``b_max``. Returns the new row's id (none when the dedupe key was seen before).
    """
    holder = (
        select(LANES.c.claimed_by, LANES.c.lease_until)
        .where(LANES.c.lane.in_(bindparam("b_follow", expanding=True)), LANES.c.lease_until >= bindparam("b_now"))
        .order_by(LANES.c.lease_until.desc())
        .limit(1)
        .cte("holder")
    )
    take = postgresql.insert(LANES).from_select(
        ["lane", "claimed_by", "lease_until"],
        select(bindparam("v_lane", type_=LANES.c.lane.type), holder.c.claimed_by, holder.c.lease_until),
    )
    idle = ~exists().where(INBOX.c.lane == bindparam("v_lane"), *_pending())  # nothing of the lane in hand
    lane = (
        take.on_conflict_do_update(
            index_elements=[LANES.c.lane],
            set_={"claimed_by": take.excluded.claimed_by, "lease_until": take.excluded.lease_until},
            where=or_(LANES.c.claimed_by == take.excluded.claimed_by, LANES.c.lease_until < bindparam("b_now"), idle),
        )
        .returning(LANES.c.claimed_by, LANES.c.lease_until)
        .cte("lane")
    )
    return (
        postgresql.insert(INBOX)
        .values(
            **row_binds(),
            claimed_by=select(lane.c.claimed_by).scalar_subquery(),
            lease_until=select(lane.c.lease_until).scalar_subquery(),
        )
        .on_conflict_do_nothing()
        .returning(INBOX.c.id)
    )


def take_lanes() -> Insert:
    """Lease (or renew) up to ``b_lanes`` lanes with pending rows that are free, ours or expired: the oldest lanes
    are chosen, and their lease rows are written (and so locked) in lane order, the one order every replica uses."""
    candidates = (
        select(INBOX.c.lane, literal("").label("x"))
        .where(
            *_pending(),
            INBOX.c.lane != "",
            or_(
                INBOX.c.claimed_by.is_(None),
                INBOX.c.claimed_by == bindparam("b_owner"),
                INBOX.c.lease_until < bindparam("b_now"),
            ),
        )
        .group_by(INBOX.c.lane)
        .order_by(func.min(INBOX.c.id))
        .limit(bindparam("b_lanes"))
        .subquery()
    )
    until = bindparam("b_until", type_=LANES.c.lease_until.type)
    take = postgresql.insert(LANES).from_select(
        ["lane", "claimed_by", "lease_until"],
        select(candidates.c.lane, bindparam("b_owner"), until).order_by(candidates.c.lane),  # the locking order
    )
    return take.on_conflict_do_update(
        index_elements=[LANES.c.lane],
        set_={"claimed_by": take.excluded.claimed_by, "lease_until": take.excluded.lease_until},
        where=or_(LANES.c.claimed_by == take.excluded.claimed_by, LANES.c.lease_until < bindparam("b_now")),
    )


def claim_rows() -> Update:
    """Mark the pending rows of our lanes (and lane-less rows from before 0018 that nobody holds) as ours."""
    ours = select(LANES.c.lane).where(LANES.c.claimed_by == bindparam("b_owner"))
    legacy = and_(
        INBOX.c.lane == "",
        or_(
            INBOX.c.claimed_by.is_(None),
            INBOX.c.claimed_by == bindparam("b_owner"),
            INBOX.c.lease_until < bindparam("b_now"),
        ),
    )
    return (
        update(INBOX)
        .values(claimed_by=bindparam("b_owner"), lease_until=bindparam("b_until"))
        .where(*_pending(), or_(INBOX.c.lane.in_(ours), legacy))
        .returning(*ROW_COLUMNS)
    )


def drop_idle_lanes() -> Delete:
    """Delete our leases and expired ones of lanes that have nothing pending, except the lanes we still have in
    hand (``b_keep``: an event processed but its replies still being delivered, or a session just created there); a
    lease row another transaction has locked (a replica taking or renewing it) is skipped, never waited for."""
    idle = LANES.alias("idle")
    busy = exists().where(INBOX.c.lane == idle.c.lane, *_pending())
    droppable = (
        select(idle.c.lane)
        .where(
            or_(idle.c.claimed_by == bindparam("b_owner"), idle.c.lease_until < bindparam("b_now")),
            ~busy,
            idle.c.lane.not_in(bindparam("b_keep", expanding=True)),
        )
        .with_for_update(skip_locked=True)
    )
    return delete(LANES).where(LANES.c.lane.in_(droppable.scalar_subquery()))


def renew_kept_lanes() -> Update:
    """Renew our leases of the lanes still in hand (``b_keep``: replies being delivered, a session just created),
    which ``take_lanes`` does not renew once nothing of theirs is pending: a delivery held up by Slack's rate limits
    must not outlast the lease and let another replica take the next click. Only our own rows, so no other replica
    waits on them."""
    return (
        update(LANES)
        .values(lease_until=bindparam("b_until"))
        .where(LANES.c.claimed_by == bindparam("b_owner"), LANES.c.lane.in_(bindparam("b_keep", expanding=True)))
    )


def hold_lanes() -> Insert:
    """Lease lanes to ``b_owner`` until ``b_until`` when free, expired or already ours (a session just created by an
    event this replica is delivering: its first click must run here, after the messages it answers are recorded).
    Binds: ``b_lanes`` (a list of ``{"lane": ...}`` rows via ``executemany``), ``b_owner``, ``b_now``, ``b_until``."""
    take = postgresql.insert(LANES).values(
        lane=bindparam("v_lane"), claimed_by=bindparam("b_owner"), lease_until=bindparam("b_until")
    )
    return take.on_conflict_do_update(
        index_elements=[LANES.c.lane],
        set_={"claimed_by": take.excluded.claimed_by, "lease_until": take.excluded.lease_until},
        where=or_(LANES.c.claimed_by == take.excluded.claimed_by, LANES.c.lease_until < bindparam("b_now")),
    )


def release_all() -> tuple[Delete, Update]:
    """Give up every lane we hold and our claims on their rows (a replica stopping): the next claim pass anywhere
    takes them."""
    lanes = delete(LANES).where(LANES.c.claimed_by == bindparam("b_owner"))
    rows = (
        update(INBOX)
        .values(claimed_by=None, lease_until=None)
        .where(INBOX.c.claimed_by == bindparam("b_owner"), INBOX.c.processed_at.is_(None))
    )
    return lanes, rows
