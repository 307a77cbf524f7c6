"""The scheduler's sender: replies of a fire with no conversation of its own go to the platforms they address."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.app.scheduling import QuietSender
from bot.engine.events import Actor, ConversationRef, InboundEvent, ThreadStarted
from bot.engine.replies import DirectMessage, Post, Reply, Text, View
from bot.engine.scheduled import SCHEDULER_ACTOR, SCHEDULER_PLATFORM

VIEW = View((Text("hi"),), "hi")


class Recording:
    """A platform sender that keeps what it was given."""

    def __init__(self, follow_up: InboundEvent | None = None) -> None:
        self.batches: list[tuple[list[Reply], Actor | None]] = []
        self.follow_up = follow_up

    async def send(self, team_id: str, replies: list[Reply], actor: Actor | None = None) -> list[InboundEvent]:
        self.batches.append((replies, actor))
        return [self.follow_up] if self.follow_up is not None else []


async def test_replies_go_to_their_platforms_and_the_rest_is_dropped() -> None:
    thread = ConversationRef("slack", "C1", "T1")
    started = ThreadStarted(
        team_id="t", actor=SCHEDULER_ACTOR, conversation=thread, at=datetime.now(UTC), session_id="s", thread="T1"
    )
    slack, teams = Recording(started), Recording()
    sender = QuietSender({"slack": slack, "teams": teams})
    post = Post(thread, VIEW)
    dm = DirectMessage(Actor("slack", "U1", "Alice"), VIEW)
    nowhere = Post(ConversationRef(SCHEDULER_PLATFORM, "sched-1"), VIEW)
    lost = Post(ConversationRef("discord", "X"), VIEW)
    follow_ups = await sender.send("t", [post, nowhere, dm, lost], SCHEDULER_ACTOR)
    assert slack.batches == [([post, dm], None)] and teams.batches == []  # one batch per platform, in order
    assert follow_ups == [started]
    assert await QuietSender().send("t", [post]) == []  # no senders: logged and dropped
