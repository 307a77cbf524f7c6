"""``SqlSearchIndex`` on SQLite and PostgreSQL: upserts keyed by scope, kind and ref, vectors kept or replaced,
full text that tolerates any input, scoped reads, and vector deltas."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta

import pytest

from bot.store.database import Database
from bot.store.search_index import SqlSearchIndex, fts_terms
from tests.integration.store.builders import NOW, TEAM_A, TEAM_B


@dataclass(frozen=True)
class Doc:
    """A document to write (the shape of ``DocumentWrite``)."""

    team_id: str | None
    kind: str
    ref: str
    title: str
    body: str = ""
    text_hash: str = "h1"
    recency_at: object = NOW
    embedding: bytes | None = None
    model: str = ""
    dims: int = 0
    keep_embedding: bool = False


VECTOR = bytes(range(16))


@pytest.fixture
async def index(seeded: Database) -> SqlSearchIndex:
    return SqlSearchIndex(seeded.engine)


async def test_upsert_replaces_by_scope_kind_and_ref(index: SqlSearchIndex) -> None:
    first = Doc(TEAM_A, "session", "s-1", "Printer offline", "Spooler restarted", embedding=VECTOR, model="m", dims=4)
    public = Doc(None, "flow", "s-1", "Same ref, public scope", "Other text")
    await index.upsert([first, public], NOW)
    fps = await index.fingerprints(TEAM_A, ("session",))
    assert fps[("session", "s-1")].model == "m" and fps[("session", "s-1")].dims == 4
    assert set(await index.fingerprints(None, ("flow", "step"))) == {("flow", "s-1")}

    await index.upsert([replace(first, recency_at=NOW + timedelta(days=1), keep_embedding=True, embedding=None)], NOW)
    assert (
        await index.vectors_for(
            TEAM_A, [r.id for r in await index.lexical(TEAM_A, ["spooler"], ["session"], 5)], "m", 4
        )
        != {}
    )
    await index.upsert([replace(first, text_hash="h2", body="Driver reinstalled", embedding=None)], NOW)
    fp = (await index.fingerprints(TEAM_A, ("session",), ["s-1"]))[("session", "s-1")]
    assert fp.text_hash == "h2" and fp.model == "" and fp.dims == 0  # changed text, vector cleared
    assert await index.lexical(TEAM_A, ["spooler"], ["session"], 5) == []
    assert [r.ref for r in await index.lexical(TEAM_A, ["driver"], ["session"], 5)] == ["s-1"]


async def test_full_text_takes_any_input_and_stems(index: SqlSearchIndex) -> None:
    await index.upsert([Doc(TEAM_A, "session", "s-1", "Printers offline", "The printing queues were stuck")], NOW)
    nasty = ['"', "'; DROP TABLE search_documents; --", "NEAR(a b)", "a* OR b", "(", ":*", "&|!", "\\", "🙂", ""]
    for word in nasty:
        await index.lexical(TEAM_A, [word], ["session"], 5)
    assert fts_terms(nasty) == ["drop", "table", "search", "documents", "near", "a", "b", "or"]
    assert [r.ref for r in await index.lexical(TEAM_A, ["printer", "queue"], ["session"], 5)] == ["s-1"]
    assert [r.ref for r in await index.lexical(TEAM_A, ["zebra", "queue"], ["session"], 5)] == ["s-1"]  # any word
    assert await index.lexical(TEAM_A, ["printer"], ["flow"], 5) == []  # kinds filter


async def test_reads_are_scoped_to_the_team_and_public(index: SqlSearchIndex) -> None:
    docs = [
        Doc(TEAM_A, "session", "a", "Printer A", embedding=VECTOR, model="m", dims=4),
        Doc(TEAM_B, "session", "b", "Printer B", embedding=VECTOR, model="m", dims=4),
        Doc(None, "flow", "p", "Printer public", embedding=VECTOR, model="m", dims=4),
    ]
    await index.upsert(docs, NOW)
    seen_by_a = await index.lexical(TEAM_A, ["printer"], ["flow", "session"], 10)
    assert sorted(r.ref for r in seen_by_a) == ["a", "p"]
    ids = [r.id for r in seen_by_a]
    assert sorted(r.ref for r in await index.documents(TEAM_B, ids)) == ["p"]
    assert len(await index.vectors_for(TEAM_B, ids, "m", 4)) == 1
    assert [r.ref for r in await index.lexical("", ["printer"], ["flow", "session"], 10)] == ["p"]
    assert await index.remove(TEAM_B, "session", ["a"]) == 0  # another team's ref
    assert await index.remove(TEAM_A, "session", ["a"]) == 1


async def test_vectors_full_and_delta(index: SqlSearchIndex) -> None:
    await index.upsert([Doc(TEAM_A, "session", "a", "A", embedding=VECTOR, model="m", dims=4)], NOW)
    await index.upsert([Doc(TEAM_A, "session", "b", "B")], NOW)  # no vector
    full = await index.vectors(TEAM_A, "m", 4)
    assert [(v.kind, v.embedding) for v in full] == [("session", VECTOR)]
    assert await index.vectors(TEAM_A, "other-model", 4) == []
    later = NOW + timedelta(minutes=1)
    await index.upsert([Doc(TEAM_A, "session", "a", "A", text_hash="h2")], later)  # text changed, vector cleared
    delta = await index.vectors(TEAM_A, "m", 4, since=NOW)
    assert [(v.id, v.embedding) for v in delta] == [(full[0].id, None)]
    assert await index.vectors(TEAM_B, "m", 4) == []


async def test_common_words_do_not_flood_the_candidates(seeded: Database) -> None:
    index = SqlSearchIndex(seeded.engine, prune_from=0)  # prune however small the index (PostgreSQL)
    docs = [Doc(TEAM_A, "session", f"s{n}", f"Server {n} slow", "The server was slow for users.") for n in range(30)]
    docs.append(Doc(TEAM_A, "session", "spool", "Print server slow", "The print spooler on the server hung."))
    await index.upsert(docs, NOW)
    await index.refresh_statistics()
    found = await index.lexical(TEAM_A, ["server", "slow", "spooler"], ["session"], 3)
    assert found[0].ref == "spool"
    assert len(await index.lexical(TEAM_A, ["server", "slow"], ["session"], 50)) == 31  # the rarest is always kept
    await index.upsert([Doc(TEAM_A, "session", "new", "Server slow", "Brand-new word: zyxwvut.")], NOW)
    assert [r.ref for r in await index.lexical(TEAM_A, ["server", "zyxwvut"], ["session"], 3)][:1] == ["new"]
    assert await index.lexical(TEAM_B, ["server", "spooler"], ["session"], 3) == []
