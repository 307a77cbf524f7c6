"""``VoyageEmbedder`` against the fake Voyage API with the real SDK: input types, sizes, batching, redaction,
errors that never show the key, and a shared HTTP session."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import numpy as np
import pytest
import voyageai

from bot.pilot.voyage import EmbeddingError, VoyageEmbedder, batches
from tests.fakes.voyage_api import EMBEDDINGS, FakeVoyage, embed_text

KEY = "pa-unit-test-key-abcdef"


@pytest.fixture
async def fake() -> AsyncIterator[FakeVoyage]:
    async with FakeVoyage(api_key=KEY) as server:
        yield server


def embedder(fake: FakeVoyage, key: str = KEY, dims: int = 256) -> VoyageEmbedder:
    return VoyageEmbedder(key, fake.url, "voyage-4-lite", dims, max_retries=1, timeout=5)


async def test_documents_and_queries_use_their_input_type_model_and_size(fake: FakeVoyage) -> None:
    docs = await embedder(fake, dims=512).embed_documents(["Printer offline", "VPN drops"])
    query = await embedder(fake, dims=512).embed_query("printer is offline")
    assert docs.shape == (2, 512) and docs.dtype == np.float32 and query.shape == (512,)
    assert np.allclose(docs[0], embed_text("Printer offline", 512), atol=1e-6)
    assert np.allclose(np.linalg.norm(docs, axis=1), 1.0, atol=1e-5)
    assert fake.input_types == ["document", "query"]
    assert {(r["model"], r["output_dimension"]) for r in fake.embedding_requests} == {("voyage-4-lite", 512)}
    assert await embedder(fake).embed_documents([]) is not None and fake.embedded_total == 3


async def test_requests_carry_at_most_128_inputs(fake: FakeVoyage) -> None:
    vectors = await embedder(fake).embed_documents([f"ticket {n}" for n in range(300)])
    assert vectors.shape == (300, 256)
    assert [len(r["input"]) for r in fake.embedding_requests] == [128, 128, 44]
    assert np.allclose(vectors[299], embed_text("ticket 299"), atol=1e-6)


def test_batches_also_respect_a_character_budget() -> None:
    assert [len(b) for b in batches(["x" * 10] * 5, size=128, chars=25)] == [2, 2, 1]
    assert batches([]) == []


async def test_everything_sent_is_redacted(fake: FakeVoyage) -> None:
    await embedder(fake).embed_documents(["Mail jdoe@contoso.example from 10.1.2.3 with password: Hunter2!"])
    await embedder(fake).embed_query("who is jdoe@contoso.example")
    sent = [t for r in fake.embedding_requests for t in r["input"]]
    assert all("[REDACTED:" in t for t in sent)
    assert not any(raw in t for t in sent for raw in ("jdoe@contoso.example", "10.1.2.3", "Hunter2!"))


async def test_errors_are_clear_and_never_show_the_key(fake: FakeVoyage) -> None:
    with pytest.raises(EmbeddingError, match="401") as bad_key:
        await embedder(fake, key="pa-wrong-key-123").embed_query("x")
    assert "pa-wrong-key-123" not in str(bad_key.value) and "AuthenticationError" in str(bad_key.value)
    fake.fail_next(EMBEDDINGS, 400, {"detail": f"Key {KEY} may not use this model."})
    with pytest.raises(EmbeddingError) as echoed:
        await embedder(fake).embed_query("x")
    assert KEY not in str(echoed.value) and "***" in str(echoed.value)
    fake.unavailable()
    with pytest.raises(EmbeddingError, match="503"):
        await embedder(fake).embed_documents(["x"])


async def test_an_unreachable_service_is_an_embedding_error() -> None:
    down = VoyageEmbedder(KEY, "http://127.0.0.1:9/v1", dims=8, max_retries=1, timeout=2)
    with pytest.raises(EmbeddingError) as err:
        await down.embed_query("x")
    assert KEY not in str(err.value)


def test_a_key_is_required() -> None:
    with pytest.raises(ValueError, match="API key"):
        VoyageEmbedder("")


async def test_a_shared_session_is_used_and_released(fake: FakeVoyage) -> None:
    async with aiohttp.ClientSession() as session:
        shared = VoyageEmbedder(KEY, fake.url, dims=64, session=session, max_retries=1)
        await shared.embed_query("one")
        await shared.embed_query("two")
        assert voyageai.aiosession.get() is None and not session.closed
    assert len(fake.embedding_requests) == 2


async def test_a_session_callable_is_asked_for_the_session_of_each_call(fake: FakeVoyage) -> None:
    async with aiohttp.ClientSession() as session:
        asked: list[int] = []

        def current() -> aiohttp.ClientSession:
            asked.append(1)
            return session

        shared = VoyageEmbedder(KEY, fake.url, dims=64, session=current, max_retries=1)
        await shared.embed_documents(["one", "two"])
        await shared.embed_query("three")
        assert len(asked) == 2 and voyageai.aiosession.get() is None and not session.closed
