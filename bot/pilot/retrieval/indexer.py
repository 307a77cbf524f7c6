"""Keeping the index in step: flows (summary + steps), resolved sessions, and a full rebuild.

A document is written only when its text (``text_hash``) or recency changed, and embedded only when its text
changed or its stored vector was made by another model or size; so re-indexing an unchanged corpus sends nothing
to the embeddings service. If embedding fails, texts are still written (lexical search keeps working; changed
documents lose their stale vector) and the rest of the run skips embedding; the report counts the failures and a
later run embeds what is missing.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from bot.flows.model import Flow
from bot.pilot.retrieval.documents import FLOW, SESSION, STEP, Document, flow_documents, session_document, session_text
from bot.pilot.retrieval.ports import CorpusSource, Embedder, SearchStore, StoredFingerprint

log = logging.getLogger(__name__)
CHUNK = 512  # documents embedded and written per round trip


@dataclass(frozen=True, slots=True)
class IndexWrite:
    """A document as written to the store (see ``bot.store.search_index.DocumentWrite``)."""

    team_id: str | None
    kind: str
    ref: str
    title: str
    body: str
    text_hash: str
    recency_at: datetime
    embedding: bytes | None = None
    model: str = ""
    dims: int = 0
    keep_embedding: bool = False


@dataclass(frozen=True, slots=True)
class _Planned:
    doc: Document
    recency: datetime
    embed: bool
    same_text: bool


@dataclass(slots=True)
class IndexReport:
    """What one indexing call did."""

    written: int = 0
    embedded: int = 0
    unchanged: int = 0
    removed: int = 0
    embed_failures: int = 0
    errors: list[str] = field(default_factory=list)

    def add(self, other: IndexReport) -> None:
        """Add another report's counts to this one."""
        self.written += other.written
        self.embedded += other.embedded
        self.unchanged += other.unchanged
        self.removed += other.removed
        self.embed_failures += other.embed_failures
        self.errors.extend(e for e in other.errors if e not in self.errors)

    def __str__(self) -> str:
        text = f"{self.written} written ({self.embedded} embedded), {self.unchanged} unchanged, {self.removed} removed"
        return text + (f", {self.embed_failures} not embedded: {self.errors[0]}" if self.embed_failures else "")


class Indexer:
    """Writes documents to the store; ``changed(scope, removed)`` is told about every scope it touched."""

    def __init__(
        self,
        store: SearchStore,
        embedder: Embedder | None,
        clock: Callable[[], datetime],
        changed: Callable[[str, bool], None] = lambda scope, removed: None,
    ) -> None:
        self._store, self._embedder, self._clock, self._changed = store, embedder, clock, changed

    async def index_flows(self, team_id: str | None, flows: Iterable[Flow], *, prune: bool = False) -> IndexReport:
        """Index flows of one scope (None = public); their removed steps go. ``prune``: these are all the scope's
        flows, so flows (and steps) not among them go too."""
        flows = list(flows)
        docs = [d for f in flows for d in flow_documents(team_id, f)]
        existing = await self._store.fingerprints(team_id, (FLOW, STEP))
        report = await self._write(team_id, docs, existing)
        keys = {f.key for f in flows}
        wanted = {(d.kind, d.ref) for d in docs}
        stale: dict[str, list[str]] = defaultdict(list)
        for kind, ref in existing:
            owner = ref.split("#", 1)[0]
            if (kind, ref) not in wanted and (prune or owner in keys):
                stale[kind].append(ref)
        for kind, refs in stale.items():
            report.removed += await self._store.remove(team_id, kind, refs)
        if report.removed:
            self._changed(team_id or "public", True)
        return report

    async def index_session(
        self, team_id: str, session_id: str, title: str, text: str, resolved_at: datetime
    ) -> IndexReport:
        """Index (or re-index) one resolved session."""
        doc = session_document(team_id, session_id, title, text, resolved_at)
        existing = await self._store.fingerprints(team_id, (SESSION,), [session_id])
        return await self._write(team_id, [doc], existing)

    async def remove(self, team_id: str | None, kind: str, refs: Sequence[str]) -> IndexReport:
        """Delete these documents of the scope (if indexed)."""
        report = IndexReport(removed=await self._store.remove(team_id, kind, refs))
        if report.removed:
            self._changed(team_id or "public", True)
        return report

    async def reindex_all(
        self,
        source: CorpusSource,
        *,
        flows: bool = True,
        sessions: bool = True,
        progress: Callable[[str], None] = log.info,
    ) -> IndexReport:
        """Bring the whole index in line with ``source``: every published flow, every resolved session."""
        total = IndexReport()
        if flows:
            by_scope: dict[str | None, list[Flow]] = defaultdict(list)
            for team_id, flow in await source.published_flows():
                by_scope[team_id].append(flow)
            for team_id, scoped in by_scope.items():
                report = await self.index_flows(team_id, scoped, prune=True)
                progress(f"flows of {team_id or 'public'}: {report}")
                total.add(report)
        if sessions:
            seen: dict[str, set[str]] = defaultdict(set)
            async for batch in source.resolved_sessions():
                by_team: dict[str, list[Document]] = defaultdict(list)
                for s in batch:
                    title, text = session_text(s)
                    by_team[s.team_id].append(
                        session_document(s.team_id, s.id, title, text, s.ended_at or s.updated_at)
                    )
                    seen[s.team_id].add(s.id)
                for team_id, docs in by_team.items():
                    existing = await self._store.fingerprints(team_id, (SESSION,), [d.ref for d in docs])
                    total.add(await self._write(team_id, docs, existing))
            for team_id, ids in seen.items():
                gone = [ref for _, ref in await self._store.fingerprints(team_id, (SESSION,)) if ref not in ids]
                if gone:
                    total.removed += await self._store.remove(team_id, SESSION, gone)
                    self._changed(team_id, True)
            progress(f"sessions: {sum(len(v) for v in seen.values())} resolved, index {total}")
        await self._store.refresh_statistics()
        return total

    async def _write(
        self, team_id: str | None, docs: Sequence[Document], existing: Mapping[tuple[str, str], StoredFingerprint]
    ) -> IndexReport:
        report = IndexReport()
        now = self._clock()
        plan: list[_Planned] = []
        for doc in docs:
            fp = existing.get((doc.kind, doc.ref))
            same_text = fp is not None and fp.text_hash == doc.text_hash
            recency = doc.recency_at or (fp.recency_at if fp is not None and same_text else now)
            if fp is not None and same_text:
                stale_vector = self._embedder is not None and (fp.model, fp.dims) != self._model_key
                if not stale_vector and fp.recency_at == recency:
                    report.unchanged += 1
                    continue
                plan.append(_Planned(doc, recency, stale_vector, True))
            else:
                plan.append(_Planned(doc, recency, self._embedder is not None, False))
        for start in range(0, len(plan), CHUNK):
            writes = await self._embed(team_id, plan[start : start + CHUNK], report)
            report.written += await self._store.upsert(writes, now)
        if report.written:
            self._changed(team_id or "public", False)
        return report

    @property
    def _model_key(self) -> tuple[str, int]:
        return (self._embedder.model, self._embedder.dims) if self._embedder is not None else ("", 0)

    async def _embed(self, team_id: str | None, plan: Sequence[_Planned], report: IndexReport) -> list[IndexWrite]:
        todo = [p.doc for p in plan if p.embed]
        vectors: dict[tuple[str, str], bytes] = {}
        if todo and self._embedder is not None and not report.errors:
            try:
                matrix = await self._embedder.embed_documents([d.text for d in todo])
                vectors = {(d.kind, d.ref): matrix[i].astype("<f4").tobytes() for i, d in enumerate(todo)}
                report.embedded += len(todo)
            except Exception as err:  # the index still gets the text; a later run embeds
                log.warning("embedding %d documents failed: %s", len(todo), err)
                report.errors.append(str(err))
        writes = []
        model, dims = self._model_key
        for p in plan:
            doc = p.doc
            vector = vectors.get((doc.kind, doc.ref))
            if p.embed and vector is None:
                report.embed_failures += 1
            keep = vector is None and p.same_text  # a changed text never keeps its old vector
            writes.append(
                IndexWrite(
                    team_id, doc.kind, doc.ref, doc.title, doc.body, doc.text_hash, p.recency, vector, model, dims, keep
                )
            )
        return writes
