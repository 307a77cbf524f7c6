"""A loopback fake of the Voyage AI API: ``POST /v1/embeddings`` and ``POST /v1/rerank``.

Checks ``Authorization: Bearer <key>`` (401 otherwise) and answers in the real shapes; every 4xx body is
``{"detail": "..."}`` as the ``voyageai`` client expects. Embeddings are deterministic hashed bags of words: each
lowercased word (minus a few stop words) and, at half weight, each word bigram adds ±1 to a hashed dimension, then
the vector is L2-normalised, so texts sharing words have a high cosine similarity and unrelated texts about zero.
``input_type`` does not change a vector (as with the real models, query and document vectors are comparable) but is
recorded. ``encoding_format: "base64"`` (what the client always asks for) returns little-endian float32 bytes.
Rerank scores a document by the share of the query's words it contains. Limits: ≤ 1,000 inputs or documents per
request, and a per-model token budget (a token is 4 characters).

Faults come from ``LoopbackFake``; ``rate_limit`` and ``unavailable`` script the usual 429 and 503.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import math
import re
import struct
from collections import Counter
from typing import Any, ClassVar

from aiohttp import web

from tests.fakes.http_fake import Handler, LoopbackFake

EMBEDDINGS = "/v1/embeddings"
RERANK = "/v1/rerank"
MAX_INPUTS = 1000
DEFAULT_DIMENSION = 256
TOKEN_BUDGET = {"voyage-4-lite": 1_000_000, "voyage-3.5-lite": 1_000_000, "voyage-4": 320_000, "voyage-3.5": 320_000}
DEFAULT_TOKEN_BUDGET = 120_000
_STOP = "a an and are as at be but by for from has have i in is it its my of on or our so that the their this to was we"
STOP_WORDS = frozenset([*_STOP.split(" "), "were", "what", "when", "which", "with", "you", "your"])
Json = dict[str, Any]


def words(text: str) -> list[str]:
    """The lowercased word tokens of ``text`` that count for similarity (stop words dropped)."""
    return [w for w in re.findall(r"[a-z0-9]+", text.lower()) if w not in STOP_WORDS]


def count_tokens(text: str) -> int:
    """The fake's rough token count: one token per 4 characters, at least one."""
    return max(1, (len(text) + 3) // 4)


def embed_text(text: str, dimension: int = DEFAULT_DIMENSION) -> list[float]:
    """The fake's embedding of ``text``: a signed, hashed bag of words and bigrams, L2-normalised (float32 values)."""
    vector = [0.0] * dimension
    tokens = words(text)
    features = [(w, 1.0) for w in tokens] + [(f"{a} {b}", 0.5) for a, b in itertools.pairwise(tokens)]
    for feature, weight in features:
        digest = int.from_bytes(hashlib.blake2b(feature.encode(), digest_size=8).digest(), "little")
        vector[digest % dimension] += weight if digest >> 63 else -weight
    norm = math.sqrt(sum(v * v for v in vector)) or 1.0
    packed = struct.pack(f"<{dimension}f", *(v / norm for v in vector))
    return list(struct.unpack(f"<{dimension}f", packed))


def cosine(a: list[float], b: list[float]) -> float:
    """Cosine similarity of two vectors (the fake's are unit length, so this is their dot product)."""
    norm = math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b))
    return sum(x * y for x, y in zip(a, b, strict=True)) / norm if norm else 0.0


def relevance(query: str, document: str) -> float:
    """The fake reranker's score: the share of the query's distinct words found in the document."""
    wanted = set(words(query))
    return round(len(wanted & set(words(document))) / len(wanted), 6) if wanted else 0.0


class FakeVoyage(LoopbackFake):
    """The Voyage API for one key (any non-empty Bearer key unless ``api_key`` is given)."""

    outage_body: ClassVar[Any] = {"detail": "The service is temporarily unavailable."}

    def __init__(self, api_key: str | None = None) -> None:
        super().__init__()
        self.api_key = api_key
        self.embedded: Counter[str] = Counter()
        self.input_types: list[str | None] = []
        self.app.middlewares.append(self._guard)
        self.app.router.add_post(EMBEDDINGS, self._embeddings)
        self.app.router.add_post(RERANK, self._rerank)

    @property
    def url(self) -> str:
        """The client's ``base_url`` (``…/v1``; the client appends ``/embeddings`` or ``/rerank``)."""
        return self.base_url + "/v1"

    @property
    def embedding_requests(self) -> list[Json]:
        """The JSON bodies of every embeddings request, failed ones included."""
        return [c.json for c in self.calls_to(EMBEDDINGS) if isinstance(c.json, dict)]

    @property
    def rerank_requests(self) -> list[Json]:
        """The JSON bodies of every rerank request, failed ones included."""
        return [c.json for c in self.calls_to(RERANK) if isinstance(c.json, dict)]

    @property
    def embedded_total(self) -> int:
        """How many inputs were embedded successfully, counting repeats."""
        return sum(self.embedded.values())

    def rate_limit(self, path_suffix: str = EMBEDDINGS, times: int = 1) -> None:
        """429 for the next ``times`` requests to ``path_suffix``."""
        detail = "You have exceeded your rate limit (RPM or TPM). Please retry after a short wait."
        self.fail_next(path_suffix, 429, {"detail": detail}, times=times)

    def unavailable(self, path_suffix: str = EMBEDDINGS, times: int = 1) -> None:
        """503 for the next ``times`` requests to ``path_suffix`` (the client raises ``ServiceUnavailableError``)."""
        self.fail_next(path_suffix, 503, self.outage_body, times=times)

    @web.middleware
    async def _guard(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        key = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        if not key or (self.api_key is not None and key != self.api_key):
            return _bad("Provided API key is invalid.", 401)
        return await handler(request)

    async def _body(self, request: web.Request) -> Json | web.Response:
        try:
            body = await request.json()
        except ValueError:
            return _bad("Request body is not valid JSON.")
        if not isinstance(body, dict) or not isinstance(body.get("model"), str):
            return _bad("Field 'model' is required.")
        return body

    async def _embeddings(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        if isinstance(body, web.Response):
            return body
        texts = body.get("input")
        texts = [texts] if isinstance(texts, str) else texts
        if not isinstance(texts, list) or not texts or not all(isinstance(t, str) for t in texts):
            return _bad("Field 'input' must be a non-empty string or list of strings.")
        if len(texts) > MAX_INPUTS:
            return _bad(f"The batch size limit is {MAX_INPUTS}. Your batch size is {len(texts)}.")
        dimension = body.get("output_dimension") or DEFAULT_DIMENSION
        if not isinstance(dimension, int) or not 1 <= dimension <= 4096:
            return _bad(f"Value '{dimension}' is not supported for output_dimension.")
        if body.get("output_dtype") not in (None, "float"):
            return _bad(f"The fake supports output_dtype 'float' only, not {body['output_dtype']!r}.")
        encoding = body.get("encoding_format")
        if encoding not in (None, "base64"):
            return _bad(f"Value {encoding!r} is not supported for encoding_format.")
        total = sum(count_tokens(t) for t in texts)
        budget = TOKEN_BUDGET.get(body["model"], DEFAULT_TOKEN_BUDGET)
        if total > budget:
            return _bad(
                f"Request to model '{body['model']}' failed. The max allowed tokens per submitted batch is {budget}."
            )
        self.input_types.append(body.get("input_type"))
        self.embedded.update(texts)
        data = []
        for index, text in enumerate(texts):
            vector: Any = embed_text(text, dimension)
            if encoding == "base64":
                vector = base64.b64encode(struct.pack(f"<{dimension}f", *vector)).decode("ascii")
            data.append({"object": "embedding", "embedding": vector, "index": index})
        usage = {"total_tokens": total}
        return web.json_response({"object": "list", "data": data, "model": body["model"], "usage": usage})

    async def _rerank(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        if isinstance(body, web.Response):
            return body
        query, documents, top_k = body.get("query"), body.get("documents"), body.get("top_k")
        if not isinstance(query, str) or not query:
            return _bad("Field 'query' must be a non-empty string.")
        if not isinstance(documents, list) or not documents or not all(isinstance(d, str) for d in documents):
            return _bad("Field 'documents' must be a non-empty list of strings.")
        if len(documents) > MAX_INPUTS:
            return _bad(f"The number of documents is limited to {MAX_INPUTS}. You provided {len(documents)}.")
        if top_k is not None and (not isinstance(top_k, int) or top_k < 1):
            return _bad("Field 'top_k' must be a positive integer.")
        ranked = sorted(range(len(documents)), key=lambda i: (-relevance(query, documents[i]), i))[:top_k]
        data = []
        for index in ranked:
            item: Json = {"index": index, "relevance_score": relevance(query, documents[index])}
            data.append(item | ({"document": documents[index]} if body.get("return_documents") else {}))
        total = count_tokens(query) * len(documents) + sum(count_tokens(d) for d in documents)
        usage = {"total_tokens": total}
        return web.json_response({"object": "list", "data": data, "model": body["model"], "usage": usage})


def _bad(detail: str, status: int = 400) -> web.Response:
    return web.json_response({"detail": detail}, status=status)
