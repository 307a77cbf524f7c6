"""``LatestWins``: deferred deliveries folded per key, cancelled by a newer eager view, flushed at shutdown."""

from __future__ import annotations

import asyncio

from bot.handlers.latest import LatestWins


class Delivered:
    def __init__(self) -> None:
        self.items: list[str] = []

    async def __call__(self, item: str) -> None:
        self.items.append(item)


async def test_a_burst_for_one_key_is_delivered_once_with_the_latest_item() -> None:
    delivered = Delivered()
    latest = LatestWins(0.05, delivered)
    for n in range(5):
        latest.put("card-1", f"v{n}")
    latest.put("card-2", "other")
    await asyncio.sleep(0.2)
    await latest.flush()
    assert sorted(delivered.items) == ["other", "v4"]


async def test_nothing_is_delivered_before_the_delay() -> None:
    delivered = Delivered()
    latest = LatestWins(30, delivered)
    latest.put("card", "v1")
    await asyncio.sleep(0.01)
    assert delivered.items == []
    await latest.flush()  # shutdown delivers what is pending
    assert delivered.items == ["v1"]


async def test_cancel_drops_what_is_pending_for_that_key_only() -> None:
    delivered = Delivered()
    latest = LatestWins(30, delivered)
    latest.put("card-1", "old view")
    latest.put("card-2", "kept")
    latest.cancel("card-1")
    await latest.flush()
    assert delivered.items == ["kept"]


async def test_a_failing_delivery_is_logged_and_does_not_stop_the_others() -> None:
    delivered = Delivered()

    async def deliver(item: str) -> None:
        if item == "bad":
            raise RuntimeError("chat is down")
        await delivered(item)

    latest = LatestWins(30, deliver)
    latest.put("a", "bad")
    latest.put("b", "good")
    await latest.flush()
    assert delivered.items == ["good"]


def test_a_delay_of_zero_defers_nothing() -> None:
    assert not LatestWins(0, Delivered()).deferring
    assert LatestWins(0.5, Delivered()).deferring
