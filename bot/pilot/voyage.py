"""Voyage AI embeddings for retrieval (``voyageai.AsyncClient``).

Every text is redacted (``bot.notes.redact``) before it leaves the process; a text whose redaction fails is sent as
the "withheld" placeholder instead, never unmasked. Documents are embedded with ``input_type="document"``, queries
with ``"query"``; requests carry at most 128 inputs and about 100k estimated tokens. Vectors come back as float32
rows scaled to unit length, so a dot product is the cosine similarity.

Failures raise ``EmbeddingError`` with the error class and the service's message, the API key masked out.

Connections: the SDK's ``AsyncClient`` holds no HTTP session of its own. Unless one is installed in the
``voyageai.aiosession`` context variable, every request opens a new ``aiohttp.ClientSession`` and closes it after
the answer (a new TCP and TLS handshake per query, which is most of a query's embedding latency). The SDK offers no
constructor argument for a session, so the embedder installs one around each call (``aiosession.set`` / ``reset``:
a context variable, so concurrent calls in other tasks are unaffected). ``session`` is that session, or a callable
returning it: the composition root passes its shared, keep-alive session, opened lazily inside the running event
loop and closed at shutdown (``bot.app.pilot.HttpSession``). ``bot.pilot`` does not import aiohttp itself. One
embedder (and so one ``AsyncClient``) serves the app's lifetime.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import numpy as np
import voyageai
import voyageai.error
from voyageai.client_async import AsyncClient

from bot.notes.redact import redact_or_blank

log = logging.getLogger(__name__)

MAX_BATCH = 128
MAX_BATCH_CHARS = 400_000  # ~100k tokens at 4 characters per token
MAX_INPUT_CHARS = 16_000
Vectors = np.ndarray[Any, np.dtype[np.float32]]


class EmbeddingError(Exception):
    """The embeddings service could not answer (the message never contains the API key)."""


def batches(texts: Sequence[str], size: int = MAX_BATCH, chars: int = MAX_BATCH_CHARS) -> list[list[str]]:
    """Split ``texts`` into consecutive batches of at most ``size`` inputs and about ``chars`` characters."""
    out: list[list[str]] = []
    current: list[str] = []
    used = 0
    for text in texts:
        if current and (len(current) >= size or used + len(text) > chars):
            out.append(current)
            current, used = [], 0
        current.append(text)
        used += len(text)
    if current:
        out.append(current)
    return out


def unit_rows(vectors: Sequence[Sequence[float]], dims: int) -> Vectors:
    """Vectors as a float32 ``(n, dims)`` matrix with unit-length rows (all-zero rows stay zero)."""
    matrix: Vectors = np.asarray(vectors, dtype=np.float32).reshape(len(vectors), dims)
    norms: Vectors = np.linalg.norm(matrix, axis=1, keepdims=True).astype(np.float32)
    norms[norms == 0] = 1.0
    unit: Vectors = matrix / norms
    return unit


class VoyageEmbedder:
    """Embeds documents and queries with one Voyage model at one output dimension.

    ``model`` and ``dims`` are recorded with each stored vector: changing either re-embeds the index.
    """

    def __init__(
        self,
        api_key: str,
        base_url: str = "",
        model: str = "voyage-4-lite",
        dims: int = 256,
        *,
        timeout: float = 20.0,
        max_retries: int = 3,
        session: Any = None,
    ) -> None:
        """``session``: an ``aiohttp.ClientSession`` to send every request on, or a zero-argument callable returning
        the one to use for a call (None: the SDK's session per request)."""
        if not api_key:
            raise ValueError("VoyageEmbedder needs an API key (without one, run retrieval lexical-only)")
        self.model = model
        self.dims = dims
        self._key = api_key
        self._session = session
        self._client = AsyncClient(api_key=api_key, max_retries=max_retries, timeout=timeout, base_url=base_url or None)

    async def embed_documents(self, texts: Sequence[str]) -> Vectors:
        """Unit vectors for documents being indexed, in input order (``(len(texts), dims)``)."""
        return await self._embed(list(texts), "document")

    async def embed_query(self, text: str) -> Vectors:
        """The unit vector of a search query (shape ``(dims,)``)."""
        vector: Vectors = (await self._embed([text], "query"))[0]
        return vector

    async def _embed(self, texts: list[str], input_type: str) -> Vectors:
        if not texts:
            return np.zeros((0, self.dims), dtype=np.float32)
        safe = [redact_or_blank(t[:MAX_INPUT_CHARS]).text or "-" for t in texts]
        rows: list[Sequence[float]] = []
        for batch in batches(safe):
            rows.extend(await self._call(batch, input_type))
        return unit_rows(rows, self.dims)

    def _http(self) -> Any:
        """The shared HTTP session for this call, if there is one."""
        return self._session() if callable(self._session) else self._session

    async def _call(self, batch: list[str], input_type: str) -> list[Sequence[float]]:
        session = self._http()
        token = voyageai.aiosession.set(session) if session is not None else None
        try:
            result = await self._client.embed(
                batch, model=self.model, input_type=input_type, output_dimension=self.dims
            )
        except voyageai.error.VoyageError as err:
            raise EmbeddingError(self._describe(err)) from None
        except (OSError, TimeoutError) as err:
            raise EmbeddingError(f"Voyage embeddings unreachable: {type(err).__name__}") from None
        finally:
            if token is not None:
                voyageai.aiosession.reset(token)
        vectors: list[Sequence[float]] = [list(v) for v in result.embeddings]
        if len(vectors) != len(batch) or any(len(v) != self.dims for v in vectors):
            raise EmbeddingError(f"Voyage returned {len(vectors)} vectors for {len(batch)} inputs at {self.dims} dims")
        return vectors

    def _describe(self, err: voyageai.error.VoyageError) -> str:
        status = getattr(err, "http_status", None)
        detail = str(getattr(err, "user_message", None) or err).replace(self._key, "***")
        where = f" (HTTP {status})" if status else ""
        return f"Voyage embeddings failed{where}: {type(err).__name__}: {detail}"[:500]
