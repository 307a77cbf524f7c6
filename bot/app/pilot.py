"""Builds FlowPilot for the composition root: Claude when ``ANTHROPIC_API_KEY`` is set, else the offline copilot;
retrieval over the flow library (and the search index when it exists)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from bot.config import Settings
from bot.engine.pilot.services import PilotServices
from bot.flows.model import Flow, FlowStatus
from bot.metrics import Metrics
from bot.pilot.build import build_copilot, close_copilot
from bot.pilot.claude import ClaudeCopilot
from bot.pilot.flow_match import FlowLibraryRetriever
from bot.pilot.offline import OfflineCopilot
from bot.store.database import Database


def build_pilot(settings: Settings, database: Database, metrics: Metrics) -> PilotServices:
    """FlowPilot's services (the worker's ``wake`` is attached once the worker exists)."""

    async def load_flow(team_id: str, key: str) -> Flow | None:
        async with database.uow() as uow:
            return await uow.flows.get(team_id, key)

    async def list_flows(team_id: str) -> Sequence[Flow]:
        async with database.uow() as uow:
            return [f for f in await uow.flows.list(team_id) if f.status is FlowStatus.PUBLISHED]

    offline = OfflineCopilot(load_flow)
    claude = build_copilot(settings, metrics.model_call) if settings.claude_enabled else None
    return PilotServices(
        copilot=claude or offline,
        offline=offline,
        retriever=FlowLibraryRetriever(list_flows),
        close=claude_closer(claude),
    )


def claude_closer(claude: ClaudeCopilot | None) -> Callable[[], Awaitable[None]] | None:
    """Closes Claude's HTTP client at shutdown."""
    if claude is None:
        return None

    async def close() -> None:
        await close_copilot(claude)

    return close
