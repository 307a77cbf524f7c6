"""A retriever over the flow library alone (keyword search), used until a search index is built.

``match_flows`` keeps flows whose keyword score is above ``MATCH_THRESHOLD``; ``search`` finds flows only (past
sessions need the search index).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from bot.engine.copilot import Hit
from bot.flows.model import Flow
from bot.flows.search import search as keyword_search

MATCH_THRESHOLD = 0.5
FlowLister = Callable[[str], Awaitable[Sequence[Flow]]]


class FlowLibraryRetriever:
    """Implements ``bot.engine.copilot.Retriever`` over the team's flows."""

    def __init__(self, list_flows: FlowLister) -> None:
        self._list_flows = list_flows

    async def search(
        self, team_id: str, query: str, kinds: tuple[str, ...] = ("flow", "session"), limit: int = 5
    ) -> list[Hit]:
        """Flows matching the words of ``query``."""
        if "flow" not in kinds:
            return []
        ranked = keyword_search(await self._list_flows(team_id), query, limit)
        return [Hit("flow", f.key, f.name, f.description[:200], score) for f, score in ranked]

    async def match_flows(self, team_id: str, text: str, limit: int = 3) -> list[Hit]:
        """Flows clearly matching a problem description."""
        hits = await self.search(team_id, text, ("flow",), limit)
        return [h for h in hits if h.score > MATCH_THRESHOLD]
