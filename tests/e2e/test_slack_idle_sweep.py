"""The idle sweep end to end in Slack: the workspace's team gets its `idle-sweep` schedule when it first shows up;
Alice pauses a session, which is then made two days old; one fire of the sweep (recorded the way the scheduler
records it) reaches Slack through the scheduler's sender — a line with Resume/Abandon in the session's thread and a
DM to Alice — and Resume in the DM resumes the session in its own thread."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from bot.engine import codec
from bot.engine.model import SessionStatus, TimelineKind
from bot.engine.ports import UnitOfWork
from bot.engine.scheduled import fired_event
from bot.engine.team_schedules import IDLE_SWEEP_KEY
from bot.store.schedules import SqlSchedules
from bot.store.tables import SessionRow, TimelineRow
from tests.e2e.slack_server import SIGNING_SECRET, running_bot
from tests.e2e.slack_transcript import blocks_of, eventually, text_of, wait_post
from tests.fakes.slack_api import FakeSlackApi
from tests.fakes.slack_driver import SlackDriver, find_button

ALICE, CHANNEL = "U1", "C1"


async def test_a_paused_session_is_nudged_in_its_thread_and_by_dm_and_resumed_from_the_dm(migrated_url: str) -> None:
    async with FakeSlackApi() as api:
        api.add_user("T1", ALICE, "Alice Ng", "alice@example.invalid")
        async with running_bot(migrated_url, api.base_url) as bot, SlackDriver(bot.url, SIGNING_SECRET, api) as slack:
            app = bot.app
            await slack.slash_command("start vpn-wont-connect", user_id=ALICE, channel_id=CHANNEL)
            await wait_post(api, lambda d: d.get("channel") == CHANNEL and not d.get("thread_ts"))
            thread = next(m["ts"] for m in api.posted(channel=CHANNEL) if not m.get("thread_ts"))
            await wait_post(api, lambda d: d.get("thread_ts") == thread and "Pause" in text_of(d))
            await slack.slash_command("pause", user_id=ALICE, channel_id=CHANNEL)

            async with app.database.uow() as uow:
                team = await uow.teams.get_by_name("slack:T1")
                assert team is not None
            assert app.schedules is not None
            sweep = await app.schedules.by_key(team.id, IDLE_SWEEP_KEY)
            assert sweep is not None and sweep.cron == "*/15 * * * *", "the team got its sweep when it showed up"

            async def paused() -> bool:
                async with app.database.uow() as uow:
                    (found,) = await uow.sessions.for_engineer(team.id, await _alice(uow, team.id), list(SessionStatus))
                return found.status is SessionStatus.PAUSED

            await eventually(paused, "the session paused")
            earlier = app.clock.now() - timedelta(hours=48)
            async with app.database.engine.begin() as conn:  # two days pass
                await conn.execute(update(SessionRow).values(updated_at=earlier))
                await conn.execute(
                    update(TimelineRow).where(TimelineRow.kind == TimelineKind.PAUSED.value).values(at=earlier)
                )

            now = app.clock.now()
            event = fired_event(sweep, now, f"{sweep.id}:test")
            record = await SqlSchedules(app.database.engine).record_fire(
                sweep,
                now,
                None,
                fired_at=now,
                fired_by="test",
                inbox_kind=event.conversation.platform,
                dedupe_key=event.event_id,
                payload=codec.encode(event),
            )
            assert record is not None and app.worker is not None
            app.worker.wake()

            line = await wait_post(api, lambda d: d.get("thread_ts") == thread and "Paused for 48 hours" in text_of(d))
            assert find_button(blocks_of(line), "Resume") and find_button(blocks_of(line), "Abandon")
            dm = await wait_post(api, lambda d: d.get("channel") == "D1" and "paused for 48 hours" in text_of(d))
            dm_ts = next(m["ts"] for m in api.posted(channel="D1") if "paused for 48 hours" in text_of(m))
            button = find_button(blocks_of(dm), "Resume")
            reply = await slack.block_action(
                button["action_id"], button["value"], user_id=ALICE, channel_id="D1", message_ts=dm_ts
            )
            assert reply.status == 200
            await wait_post(api, lambda d: d.get("thread_ts") == thread and "Session resumed" in text_of(d))


async def _alice(uow: UnitOfWork, team_id: str) -> str:
    user = await uow.users.by_identity(team_id, "slack", ALICE)
    assert user is not None
    return str(user.id)
