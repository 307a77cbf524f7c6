"""Search and flow matching on SQLite and PostgreSQL: lexical ranking, semantic ranking with the fake Voyage API,
the match threshold, and the lexical-only mode."""

from __future__ import annotations

from bot.pilot.retrieval import MATCH_THRESHOLD
from bot.pilot.voyage import VoyageEmbedder
from tests.fakes.voyage_api import EMBEDDINGS, FakeVoyage
from tests.integration.retrieval.conftest import MakeRetriever
from tests.integration.retrieval.helpers import index_corpus
from tests.integration.store.builders import TEAM_A, TEAM_B

CLEAR_PRINTER = "The printer on floor 3 is offline and print jobs are stuck in the queue"
UNRELATED = "Teams meeting audio echoes on the conference room speakerphone"


async def test_lexical_ranking_puts_the_best_match_first(make_retriever: MakeRetriever) -> None:
    retriever = make_retriever()
    await index_corpus(retriever)
    hits = await retriever.search(TEAM_A, "print spooler offline", limit=5)
    assert hits[0].kind == "flow" and hits[0].ref == "printer-offline"
    assert ("session", "sa-printer") in [(h.kind, h.ref) for h in hits]
    assert hits == sorted(hits, key=lambda h: -h.score)
    assert all(0 < h.score <= 1 for h in hits)
    sessions = await retriever.search(TEAM_A, "outlook password prompt", kinds=("session",))
    assert [h.ref for h in sessions][:1] == ["sa-outlook"] and all(h.kind == "session" for h in sessions)


async def test_a_hit_on_a_step_finds_its_flow_unless_steps_are_asked_for(make_retriever: MakeRetriever) -> None:
    retriever = make_retriever()
    await index_corpus(retriever)
    folded = await retriever.search(TEAM_A, "Restart-Service Spooler", kinds=("flow",))
    assert folded[0].kind == "flow" and folded[0].ref == "printer-offline" and "spooler" in folded[0].title.lower()
    steps = await retriever.search(TEAM_A, "Restart-Service Spooler", kinds=("step",))
    assert steps[0].kind == "step" and steps[0].ref == "printer-offline#spooler"


async def test_semantic_ranking_with_embeddings(
    make_retriever: MakeRetriever, embedder: VoyageEmbedder, voyage: FakeVoyage
) -> None:
    retriever = make_retriever(embedder)
    assert retriever.mode == "hybrid"
    await index_corpus(retriever)
    ranked = await retriever.rank(TEAM_A, CLEAR_PRINTER, ["flow"])
    by_ref = {c.row.ref: c for c in ranked}
    assert ranked[0].row.ref == "printer-offline"
    assert by_ref["printer-offline"].semantic is not None and by_ref["printer-offline"].semantic > 0.3
    vpn = by_ref.get("vpn-wont-connect")
    assert vpn is None or (vpn.semantic or 0) < by_ref["printer-offline"].semantic
    assert voyage.input_types[-1] == "query" and set(voyage.input_types[:-1]) == {"document"}


async def test_semantic_candidates_are_found_without_any_lexical_candidate(
    make_retriever: MakeRetriever, embedder: VoyageEmbedder
) -> None:
    retriever = make_retriever(embedder, lexical_candidates=0)
    await index_corpus(retriever)
    hits = await retriever.search(TEAM_A, "printer offline, print queue stuck", kinds=("flow",))
    assert hits and hits[0].ref == "printer-offline"


async def test_match_flows_threshold_with_embeddings(make_retriever: MakeRetriever, embedder: VoyageEmbedder) -> None:
    retriever = make_retriever(embedder)
    await index_corpus(retriever)
    matched = await retriever.match_flows(TEAM_A, CLEAR_PRINTER)
    assert [h.ref for h in matched][:1] == ["printer-offline"] and matched[0].score > MATCH_THRESHOLD
    assert all(h.kind == "flow" and h.score > MATCH_THRESHOLD for h in matched)
    assert await retriever.match_flows(TEAM_A, UNRELATED) == []
    ranked = await retriever.rank(TEAM_A, UNRELATED, ["flow"])
    assert all(c.score <= MATCH_THRESHOLD for c in ranked)


async def test_match_flows_threshold_lexical_only(make_retriever: MakeRetriever) -> None:
    retriever = make_retriever()
    assert retriever.mode == "lexical"
    await index_corpus(retriever)
    matched = await retriever.match_flows(TEAM_A, CLEAR_PRINTER)
    assert [h.ref for h in matched] == ["printer-offline"] and matched[0].score > MATCH_THRESHOLD
    assert await retriever.match_flows(TEAM_A, UNRELATED) == []
    # a word in common is not a match: "outlook" alone against a longer, different problem
    assert await retriever.match_flows(TEAM_A, "Outlook add-in for the CRM shows a licence error on start") == []
    ranked = await retriever.rank(TEAM_A, CLEAR_PRINTER, ["flow"])
    assert all(c.semantic is None for c in ranked)


async def test_match_flows_sees_team_flows_and_not_other_teams(make_retriever: MakeRetriever) -> None:
    retriever = make_retriever()
    await index_corpus(retriever)
    text = "Nightly backup job failed with a VSS writer error"
    assert [h.ref for h in await retriever.match_flows(TEAM_A, text)] == ["backup-job-failed"]
    assert await retriever.match_flows(TEAM_B, text) == []


async def test_an_embeddings_outage_degrades_to_lexical(
    make_retriever: MakeRetriever, embedder: VoyageEmbedder, voyage: FakeVoyage
) -> None:
    retriever = make_retriever(embedder)
    await index_corpus(retriever)
    voyage.unavailable(EMBEDDINGS, times=5)
    hits = await retriever.search(TEAM_A, "print spooler offline")
    assert hits and hits[0].ref == "printer-offline"
    assert [h.ref for h in await retriever.match_flows(TEAM_A, CLEAR_PRINTER)][:1] == ["printer-offline"]


async def test_queries_without_words_find_nothing(make_retriever: MakeRetriever, embedder: VoyageEmbedder) -> None:
    retriever = make_retriever(embedder)
    await index_corpus(retriever)
    assert await retriever.search(TEAM_A, "the and of ?!") == []
    assert await retriever.match_flows(TEAM_A, "") == []


async def test_documents_not_embedded_yet_still_match(make_retriever: MakeRetriever, embedder: VoyageEmbedder) -> None:
    await index_corpus(make_retriever())  # indexed before a Voyage key was configured
    retriever = make_retriever(embedder)
    matched = await retriever.match_flows(TEAM_A, CLEAR_PRINTER)
    assert [h.ref for h in matched] == ["printer-offline"]
    assert await retriever.match_flows(TEAM_A, UNRELATED) == []
    assert (await retriever.search(TEAM_A, "print spooler offline"))[0].ref == "printer-offline"
