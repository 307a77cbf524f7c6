"""The knowledge index port: what `search` and FlowPilot retrieve from (flows and past resolved sessions), and how
the engine keeps it current without making anyone wait for it.

Indexing is derived, slow work (an embeddings call), so a handler never does it on an engineer's click. It queues an
*index job* in the click's own unit of work (``queue_session_index``): the job is committed with the resolution or
not at all, so a crash right after the click loses nothing, and the click costs one more INSERT. A background
worker (``bot.jobs.indexing``) then reads the session as it is at that moment, indexes its redacted text (and embeds
it when Voyage is configured), retries with backoff, and deletes the job. Indexing is idempotent: a document is
replaced by scope, kind and ref, and unchanged text is not embedded again.

The composition root hands the engine a ``KnowledgeIndex`` as FlowPilot's retriever (``PilotServices.retriever``);
any plain ``Retriever`` still searches, it just cannot be told what changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, runtime_checkable

from bot.engine.context import Ctx
from bot.engine.copilot import Retriever
from bot.engine.model import Session
from bot.engine.pilot.services import PilotServices
from bot.engine.ports import UnitOfWork

SESSION_JOB = "session"  # ref: the session id; indexes the session if it is resolved, else drops its document
FLOWS_JOB = "flows"  # ref "": every published flow of the scope (the team, or the public flows when team is None)


@dataclass(frozen=True, slots=True)
class IndexJob:
    """A claimed index job. ``generation`` tells a job processed once from one requested again meanwhile."""

    id: int
    team_id: str | None
    kind: str
    ref: str
    generation: int
    attempts: int  # claims so far, this one included


@runtime_checkable
class KnowledgeIndex(Retriever, Protocol):
    """A ``Retriever`` that can also be told that a document changed."""

    async def enqueue(self, uow: UnitOfWork, team_id: str | None, kind: str, ref: str, at: datetime) -> None:
        """Queue (re)indexing of one document in ``uow``'s transaction (it takes effect when ``uow`` commits).
        ``team_id`` None: the public flows."""
        ...


def knowledge_of(services: PilotServices | None) -> KnowledgeIndex | None:
    """The knowledge index among FlowPilot's services, if the composition root gave one."""
    retriever = services.retriever if services is not None else None
    return retriever if isinstance(retriever, KnowledgeIndex) else None


async def queue_session_index(ctx: Ctx, session: Session) -> None:
    """Have the session (re)indexed once the handler's transaction commits (the worker is woken then)."""
    knowledge = knowledge_of(ctx.pilot)
    if knowledge is None:
        return
    await knowledge.enqueue(ctx.uow, session.team_id, SESSION_JOB, session.id, ctx.now)
    ctx.queued = True
