"""The kinds table: ``announce`` posts its text in the schedule's conversation, and nothing when there is none."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.engine.context import Ctx
from bot.engine.events import ConversationRef, ScheduleFired
from bot.engine.replies import Post
from bot.engine.schedule_kinds import KINDS
from bot.engine.scheduled import SCHEDULER_ACTOR, ScheduledRun, ScheduleKind, bot_user
from tests.fakes.memory_store import MemoryDatabase, SequentialIds

AT = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
WHERE = ConversationRef("teams", "19:general", "")


def run(text: str) -> ScheduledRun:
    fired = ScheduleFired(
        team_id="t1",
        actor=SCHEDULER_ACTOR,
        conversation=WHERE,
        at=AT,
        schedule_id="s1",
        kind=ScheduleKind.ANNOUNCE,
        fire_time=AT,
        payload={"text": text},
    )
    ctx = Ctx(MemoryDatabase()(), fired, bot_user("t1"), AT, SequentialIds())
    return ScheduledRun(ctx, fired)


async def test_announce_posts_its_text_where_the_schedule_says() -> None:
    r = run("  Patch window opens in 10 minutes ")
    await KINDS[ScheduleKind.ANNOUNCE](r)
    (reply,) = r.ctx.replies
    assert isinstance(reply, Post) and reply.conversation == WHERE
    assert reply.view.fallback == "Patch window opens in 10 minutes"


async def test_announce_without_text_posts_nothing() -> None:
    r = run("   ")
    await KINDS[ScheduleKind.ANNOUNCE](r)
    assert r.ctx.replies == []
