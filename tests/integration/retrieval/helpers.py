"""Index the test corpus."""

from __future__ import annotations

from bot.pilot.retrieval import HybridRetriever
from tests.integration.retrieval.corpus import BACKUP_A, PAYROLL_B, PUBLIC_FLOWS, SESSIONS
from tests.integration.store.builders import TEAM_A, TEAM_B


async def index_corpus(retriever: HybridRetriever) -> None:
    """Public flows, one flow per team, and the resolved sessions of both teams."""
    await retriever.index_flows(None, PUBLIC_FLOWS)
    await retriever.index_flows(TEAM_A, [BACKUP_A])
    await retriever.index_flows(TEAM_B, [PAYROLL_B])
    for team, sessions in SESSIONS.items():
        for session_id, title, text, resolved_at in sessions:
            await retriever.index_session(team, session_id, title, text, resolved_at)
