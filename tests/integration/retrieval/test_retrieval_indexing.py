"""Indexing on SQLite and PostgreSQL: embeddings computed only when text (or the model) changes, what the fake
Voyage API received is redacted, removed steps and un-resolved sessions leave the index, and a rebuild from the
stored flows and sessions."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from bot.engine.model import SessionStatus
from bot.flows.loader import dump_flow
from bot.flows.model import FlowStatus
from bot.pilot.retrieval import flow_documents
from bot.pilot.voyage import VoyageEmbedder
from bot.store.database import Database
from bot.store.search_index import SqlSearchIndex
from tests.fakes.voyage_api import EMBEDDINGS, FakeVoyage
from tests.integration.retrieval.conftest import KEY, MODEL, MakeRetriever
from tests.integration.retrieval.corpus import BACKUP_A, NOW, PRINTER, PUBLIC_FLOWS, step
from tests.integration.retrieval.helpers import index_corpus
from tests.integration.store.builders import TEAM_A, TEAM_B, session


async def test_embeddings_are_computed_only_when_the_text_changes(
    make_retriever: MakeRetriever, embedder: VoyageEmbedder, voyage: FakeVoyage
) -> None:
    retriever = make_retriever(embedder)
    first = await retriever.index_flows(None, PUBLIC_FLOWS)
    documents = sum(len(flow_documents(None, f)) for f in PUBLIC_FLOWS)
    assert first.written == first.embedded == voyage.embedded_total == documents
    requests = len(voyage.calls_to(EMBEDDINGS))

    again = await retriever.index_flows(None, PUBLIC_FLOWS)
    assert again.written == 0 and again.unchanged == documents
    assert len(voyage.calls_to(EMBEDDINGS)) == requests

    reworded = dataclasses.replace(PRINTER, description="Print jobs are stuck and the printer shows offline.")
    changed = await retriever.index_flows(None, [reworded])
    assert changed.written == changed.embedded == 1  # the summary only; the steps did not change
    assert voyage.embedded_total == documents + 1

    await retriever.index_session(TEAM_A, "s-9", "VPN drops", "Tunnel drops every hour.", NOW)
    await retriever.index_session(TEAM_A, "s-9", "VPN drops", "Tunnel drops every hour.", NOW)
    assert voyage.embedded_total == documents + 2
    moved = await retriever.index_session(TEAM_A, "s-9", "VPN drops", "Tunnel drops every hour.", NOW + timedelta(1))
    assert moved.written == 1 and moved.embedded == 0  # a new resolution time keeps the vector


async def test_a_new_model_or_size_re_embeds_and_lexical_indexing_keeps_vectors(
    make_retriever: MakeRetriever, embedder: VoyageEmbedder, voyage: FakeVoyage
) -> None:
    await make_retriever(embedder).index_flows(None, [PRINTER])
    count = voyage.embedded_total
    assert (await make_retriever().index_flows(None, [PRINTER])).written == 0  # no key: nothing to redo
    smaller = VoyageEmbedder(KEY, voyage.url, MODEL, 128, max_retries=1)
    report = await make_retriever(smaller).index_flows(None, [PRINTER])
    assert report.embedded == report.written == count
    assert {r["output_dimension"] for r in voyage.embedding_requests} == {256, 128}
    hits = await make_retriever(smaller, lexical_candidates=0).search(TEAM_A, "printer offline queue", ("flow",))
    assert hits and hits[0].ref == "printer-offline"


async def test_batches_hold_at_most_128_inputs(
    make_retriever: MakeRetriever, embedder: VoyageEmbedder, voyage: FakeVoyage
) -> None:
    retriever = make_retriever(embedder)
    sessions = _Sessions([(f"s-{n}", f"Ticket {n}", f"Disk {n} full", NOW) for n in range(300)])
    report = await retriever.reindex_all(sessions)
    sizes = [len(r["input"]) for r in voyage.embedding_requests]
    assert report.embedded == sum(sizes) == 300 and max(sizes) <= 128


async def test_everything_sent_to_voyage_is_redacted(
    make_retriever: MakeRetriever, embedder: VoyageEmbedder, voyage: FakeVoyage
) -> None:
    retriever = make_retriever(embedder)
    secret = "Reset jdoe@contoso.example password to Winter2026! on 10.20.30.40"
    await retriever.index_session(TEAM_A, "s-secret", "Locked out", f"Resolution: {secret}", NOW)
    await retriever.search(TEAM_A, "who is jdoe@contoso.example on 10.20.30.40")
    sent = [text for request in voyage.embedding_requests for text in request["input"]]
    assert len(sent) == 2 and all("[REDACTED:" in text for text in sent)
    for raw in ("jdoe@contoso.example", "10.20.30.40", "Winter2026!"):
        assert not any(raw in text for text in sent)
    assert all(KEY not in text for text in sent)


async def test_removed_steps_leave_the_index(make_retriever: MakeRetriever, store: SqlSearchIndex) -> None:
    retriever = make_retriever()
    await retriever.index_flows(None, [PRINTER])
    shorter = dataclasses.replace(PRINTER, nodes=(step("ping", "Ping the printer", "Check it answers."),))
    report = await retriever.index_flows(None, [shorter])
    assert report.removed == 1
    assert set(await store.fingerprints(None, ("step",))) == {("step", "printer-offline#ping")}


async def test_reindex_all_from_stored_flows_and_sessions(
    make_retriever: MakeRetriever, embedder: VoyageEmbedder, database: Database, store: SqlSearchIndex
) -> None:
    async with database.uow() as uow:
        for flow in PUBLIC_FLOWS:
            await uow.flows.save(None, flow, dump_flow(flow), FlowStatus.PUBLISHED)
        await uow.flows.save(TEAM_A, BACKUP_A, dump_flow(BACKUP_A), FlowStatus.PUBLISHED)
        resolved = session("s-res", status=SessionStatus.RESOLVED, title="Mailbox full", ticket=None)
        resolved.resolution_summary = "Archived old mail to free the Exchange mailbox quota."
        await uow.sessions.add(resolved)
        await uow.sessions.add(session("s-open", status=SessionStatus.ACTIVE, title="Mailbox still full"))
        await uow.commit()
    retriever = make_retriever(embedder)
    await retriever.index_session(TEAM_A, "s-gone", "Was resolved", "Reopened since.", NOW)
    report = await retriever.reindex_all(store)
    assert report.removed == 1 and report.embed_failures == 0
    hits = await retriever.search(TEAM_A, "exchange mailbox quota", kinds=("session",))
    assert [h.ref for h in hits] == ["s-res"]
    assert [h.ref for h in await retriever.search(TEAM_A, "vss writer", kinds=("flow",))] == ["backup-job-failed"]
    assert await retriever.search(TEAM_B, "vss writer", kinds=("flow",)) == []
    assert (await retriever.reindex_all(store)).written == 0


async def test_failed_embeddings_still_index_the_text(
    make_retriever: MakeRetriever, embedder: VoyageEmbedder, voyage: FakeVoyage
) -> None:
    voyage.unavailable(EMBEDDINGS, times=2)  # the indexing request, then the search's query
    retriever = make_retriever(embedder)
    report = await retriever.index_flows(None, [PRINTER])
    assert report.written == report.embed_failures == len(flow_documents(None, PRINTER)) and report.embedded == 0
    assert KEY not in str(report) and "503" in str(report)
    assert (await retriever.search(TEAM_A, "spooler"))[0].ref == "printer-offline"
    healed = await retriever.index_flows(None, [PRINTER])  # the service is back: only the vectors are added
    assert healed.embedded == healed.written == report.written


async def test_a_new_session_is_found_semantically_right_away(
    make_retriever: MakeRetriever, embedder: VoyageEmbedder
) -> None:
    retriever = make_retriever(embedder, lexical_candidates=0)
    await index_corpus(retriever)
    assert await retriever.search(TEAM_B, "scanner jams feeder rollers", ("session",)) == []
    await retriever.index_session(TEAM_B, "sb-scan", "Scanner jams", "Feeder rollers worn; replaced rollers.", NOW)
    assert [h.ref for h in await retriever.search(TEAM_B, "scanner jams feeder rollers", ("session",))] == ["sb-scan"]


class _Sessions:
    """A corpus of sessions only (ids, titles, texts, resolution times) for ``reindex_all``."""

    def __init__(self, rows: list[tuple[str, str, str, object]]) -> None:
        self.rows = rows

    async def published_flows(self) -> list[object]:
        return []

    async def resolved_sessions(self, batch: int = 500):  # type: ignore[no-untyped-def]
        yield [
            session(sid, status=SessionStatus.RESOLVED, title=title, problem_summary=text, ended_at=at, ticket=None)
            for sid, title, text, at in self.rows
        ]
