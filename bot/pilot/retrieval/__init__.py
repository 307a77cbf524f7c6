"""Retrieval over flows, flow steps and resolved sessions, per team: hybrid semantic + lexical.

Why it lives here, in ``bot.pilot``: ranking is a FlowPilot rule (domain §6: semantic 0.5, keywords 0.3, recency
0.2, a flow matches above 0.5), and it needs both the embedder (``voyage``, a FlowPilot vendor) and the store. The
store cannot import the embedder and ``bot.pilot`` may not import ``bot.store``, so the glue is here and reaches the
store through the small Protocols of ``ports`` (``SearchStore``, ``CorpusSource``) that
``bot.store.search_index.SqlSearchIndex`` satisfies structurally; ``bot.app`` joins the two.

Modules: ``ports`` (Protocols), ``documents`` (what is indexed), ``scoring`` (the composite), ``vectors`` (the
in-memory per-team vector matrices), ``indexer`` (writes, only what changed), ``hybrid`` (``HybridRetriever``).
"""

from bot.pilot.retrieval.documents import Document, flow_documents, session_document, session_text
from bot.pilot.retrieval.hybrid import HybridRetriever, Scored
from bot.pilot.retrieval.indexer import IndexReport, IndexWrite
from bot.pilot.retrieval.ports import CorpusSource, Embedder, SearchStore
from bot.pilot.retrieval.scoring import MATCH_THRESHOLD

__all__ = [
    "MATCH_THRESHOLD",
    "CorpusSource",
    "Document",
    "Embedder",
    "HybridRetriever",
    "IndexReport",
    "IndexWrite",
    "Scored",
    "SearchStore",
    "flow_documents",
    "session_document",
    "session_text",
]
