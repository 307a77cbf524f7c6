"""Tenancy on SQLite and PostgreSQL: a team finds its own documents and the public flows, never another team's,
whatever it asks for, including ids and refs it guessed."""

from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy import select

from bot.pilot.voyage import VoyageEmbedder
from bot.store.search_index import SqlSearchIndex
from bot.store.tables import SEARCH_DOCUMENTS
from tests.integration.retrieval.conftest import MakeRetriever
from tests.integration.retrieval.corpus import BACKUP_A, PAYROLL_B, PRINTER, PUBLIC_FLOWS, SESSIONS
from tests.integration.retrieval.helpers import index_corpus
from tests.integration.store.builders import TEAM_A, TEAM_B

A_ONLY = {"backup-job-failed", "sa-outlook", "sa-printer"} | {f"backup-job-failed#{n.id}" for n in BACKUP_A.nodes}
PUBLIC = {f.key for f in PUBLIC_FLOWS}


def a_queries() -> list[str]:
    """Texts that would find team A's documents: their titles, texts and refs."""
    texts = [BACKUP_A.name, BACKUP_A.description, *A_ONLY]
    for _, title, text, _ in SESSIONS[TEAM_A]:
        texts += [title, text]
    return texts


@pytest.mark.parametrize("semantic", [False, True], ids=["lexical", "hybrid"])
async def test_another_teams_documents_are_never_found(
    make_retriever: MakeRetriever, embedder: VoyageEmbedder, semantic: bool
) -> None:
    retriever = make_retriever(embedder if semantic else None, lexical_candidates=100, semantic_candidates=100)
    await index_corpus(retriever)
    for query in a_queries():
        for kinds in (("flow", "session"), ("step",), ("flow", "step", "session")):
            refs = {h.ref for h in await retriever.search(TEAM_B, query, kinds, limit=50)}
            assert not refs & A_ONLY, query
        assert not {h.ref for h in await retriever.match_flows(TEAM_B, query, limit=50)} & A_ONLY
    own = {h.ref for q in a_queries() for h in await retriever.search(TEAM_A, q, limit=50)}
    assert {"backup-job-failed", "sa-outlook", "sa-printer"} <= own
    assert not own & {"payroll-disk-full", "sb-payroll"}


async def test_public_flows_are_visible_to_every_team_and_to_no_team(make_retriever: MakeRetriever) -> None:
    retriever = make_retriever()
    await index_corpus(retriever)
    for team in (TEAM_A, TEAM_B, "", "team-that-does-not-exist"):
        assert (await retriever.search(team, "vpn tunnel certificate", ("flow",)))[0].ref == "vpn-wont-connect"
    assert await retriever.search("", "payroll shadow copies") == []
    assert await retriever.search("team-that-does-not-exist", "backup vss writer", ("flow",)) == []


async def test_guessed_ids_and_refs_read_nothing(store: SqlSearchIndex, make_retriever: MakeRetriever) -> None:
    retriever = make_retriever()
    await index_corpus(retriever)
    async with store._engine.connect() as conn:  # every id in the index, whoever owns it
        rows = (await conn.execute(select(SEARCH_DOCUMENTS.c.id, SEARCH_DOCUMENTS.c.scope))).all()
    a_ids = [r.id for r in rows if r.scope == TEAM_A]
    assert a_ids
    assert await store.documents(TEAM_B, a_ids) == []
    assert await store.documents("", a_ids) == []
    assert await store.vectors_for(TEAM_B, a_ids, "voyage-4-lite", 256) == {}
    assert {d.id for d in await store.documents(TEAM_A, a_ids)} == set(a_ids)
    guesses = ["sa-outlook", "backup-job-failed", "backup-job-failed#vss", "team-a", "%", "*", "' OR 1=1 --"]
    for guess in guesses:
        assert not {h.ref for h in await retriever.search(TEAM_B, guess, ("flow", "step", "session"), 50)} & A_ONLY


async def test_a_teams_own_flow_shadows_the_public_one_with_the_same_key(make_retriever: MakeRetriever) -> None:
    retriever = make_retriever()
    await index_corpus(retriever)
    custom = dataclasses.replace(PRINTER, name="Printer offline (Contoso floor printers)")
    await retriever.index_flows(TEAM_A, [custom, BACKUP_A])
    mine = await retriever.search(TEAM_A, "printer offline", ("flow",))
    theirs = await retriever.search(TEAM_B, "printer offline", ("flow",))
    assert [h.title for h in mine if h.ref == "printer-offline"] == [custom.name]
    assert [h.title for h in theirs if h.ref == "printer-offline"] == [PRINTER.name]
    assert PAYROLL_B.key not in {h.ref for h in mine} and {h.ref for h in theirs} <= PUBLIC
