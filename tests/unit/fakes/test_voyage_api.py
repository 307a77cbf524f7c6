"""The fake Voyage API answers the real ``voyageai`` async client the way Voyage does."""

from __future__ import annotations

import math
from collections.abc import AsyncIterator

import aiohttp
import pytest
import voyageai
import voyageai.error

from tests.fakes.voyage_api import EMBEDDINGS, RERANK, FakeVoyage, cosine, embed_text

MODEL = "voyage-4-lite"
KEY = "pa-test-key"
PRINTER = "The printer on floor 2 shows offline and the print queue is stuck."
PRINTER_TOO = "Print queue stuck: the floor 2 printer is offline again."
VPN = "VPN client fails to connect after the password change."


@pytest.fixture
async def fake() -> AsyncIterator[FakeVoyage]:
    async with FakeVoyage(api_key=KEY) as server:
        yield server


@pytest.fixture
def client(fake: FakeVoyage) -> voyageai.AsyncClient:
    return voyageai.AsyncClient(api_key=KEY, base_url=fake.url, max_retries=0, timeout=5)


async def test_embeddings_decode_from_base64_with_input_order_and_dims(
    fake: FakeVoyage, client: voyageai.AsyncClient
) -> None:
    result = await client.embed([PRINTER, VPN], model=MODEL, input_type="document")
    assert len(result.embeddings) == 2 and all(len(v) == 256 for v in result.embeddings)
    assert result.embeddings[0] == embed_text(PRINTER) and result.embeddings[1] == embed_text(VPN)
    assert math.isclose(sum(x * x for x in result.embeddings[0]), 1.0, rel_tol=1e-5)
    assert result.total_tokens > 0
    sent = fake.embedding_requests[0]
    assert sent["encoding_format"] == "base64" and sent["input_type"] == "document" and sent["model"] == MODEL
    assert fake.calls_to(EMBEDDINGS)[0].headers["authorization"] == f"Bearer {KEY}"

    small = await client.embed([PRINTER], model=MODEL, input_type="query", output_dimension=512, output_dtype="float")
    assert len(small.embeddings[0]) == 512 and fake.input_types == ["document", "query"]


async def test_embeddings_are_deterministic_and_count_inputs(fake: FakeVoyage, client: voyageai.AsyncClient) -> None:
    first = await client.embed([PRINTER, VPN], model=MODEL)
    again = await client.embed([PRINTER], model=MODEL)
    assert first.embeddings[0] == again.embeddings[0]
    assert fake.embedded[PRINTER] == 2 and fake.embedded[VPN] == 1 and fake.embedded_total == 3
    assert len(fake.calls_to(EMBEDDINGS)) == 2


async def test_similar_texts_score_higher_than_unrelated_ones(client: voyageai.AsyncClient) -> None:
    query, printer, printer_too, vpn = (
        await client.embed(["printer offline floor 2", PRINTER, PRINTER_TOO, VPN], model=MODEL)
    ).embeddings
    assert cosine(printer, printer_too) > 0.5 > abs(cosine(printer, vpn))
    assert cosine(query, printer) > cosine(query, vpn) and cosine(query, printer_too) > cosine(query, vpn)


async def test_batch_limit_and_bad_requests_are_rejected_with_detail(
    fake: FakeVoyage, client: voyageai.AsyncClient
) -> None:
    with pytest.raises(voyageai.error.InvalidRequestError, match="1000"):
        await client.embed([f"text {i}" for i in range(1001)], model=MODEL)
    with pytest.raises(voyageai.error.InvalidRequestError, match="output_dtype"):
        await client.embed(["x"], model=MODEL, output_dtype="int8")
    assert fake.embedded_total == 0 and len(fake.calls_to(EMBEDDINGS)) == 2
    thousand = await client.embed([f"text {i}" for i in range(1000)], model=MODEL)
    assert len(thousand.embeddings) == 1000


async def test_auth_rate_limit_and_timeout(fake: FakeVoyage, client: voyageai.AsyncClient) -> None:
    wrong = voyageai.AsyncClient(api_key="pa-wrong", base_url=fake.url)
    with pytest.raises(voyageai.error.AuthenticationError):
        await wrong.embed(["x"], model=MODEL)
    fake.rate_limit()
    with pytest.raises(voyageai.error.RateLimitError):
        await client.embed(["x"], model=MODEL)
    fake.unavailable(RERANK)
    with pytest.raises(voyageai.error.ServiceUnavailableError):
        await client.rerank("x", ["y"], model="rerank-2.5")
    fake.stall_next(EMBEDDINGS, 30)
    slow = voyageai.AsyncClient(api_key=KEY, base_url=fake.url, timeout=0.3)
    with pytest.raises(voyageai.error.Timeout):
        await slow.embed(["x"], model=MODEL)
    assert (await client.embed(["x"], model=MODEL)).embeddings


async def test_plain_float_lists_without_base64(fake: FakeVoyage) -> None:
    body = {"input": "printer offline", "model": MODEL}
    async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {KEY}"}) as http:
        async with http.post(fake.url + "/embeddings", json=body) as response:
            payload = await response.json()
        async with http.post(fake.url + "/embeddings", json={"input": []}) as missing_model:
            assert missing_model.status == 400 and "detail" in await missing_model.json()
    assert payload["object"] == "list" and payload["model"] == MODEL and payload["usage"]["total_tokens"] > 0
    item = payload["data"][0]
    assert item["object"] == "embedding" and item["index"] == 0 and item["embedding"] == embed_text("printer offline")


async def test_rerank_orders_by_word_overlap_and_honours_top_k(fake: FakeVoyage, client: voyageai.AsyncClient) -> None:
    documents = [VPN, PRINTER, "Printer toner is low.", PRINTER_TOO]
    ranked = await client.rerank("floor 2 printer offline", documents, model="rerank-2.5")
    assert [r.index for r in ranked.results] == [1, 3, 2, 0]
    scores = [r.relevance_score for r in ranked.results]
    assert scores == sorted(scores, reverse=True) and scores[0] == 1.0 and scores[-1] == 0.0
    assert ranked.results[0].document == PRINTER and ranked.total_tokens > 0
    top = await client.rerank("floor 2 printer offline", documents, model="rerank-2.5", top_k=2)
    assert [r.index for r in top.results] == [1, 3] and fake.rerank_requests[-1]["top_k"] == 2
    with pytest.raises(voyageai.error.InvalidRequestError):
        await client.rerank("q", ["d"] * 1001, model="rerank-2.5")
