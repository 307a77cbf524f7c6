"""What gets indexed: a flow (its summary), each step of a flow, and a resolved session.

A document's text is ``title`` + newline + ``body``; that is what is stored for full text and embedded, and
``text_hash`` is its sha256, so re-indexing an unchanged document costs nothing. A session's text is stored
redacted. Refs: the flow key, ``key#node``
for a step, the session id for a session.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from bot.engine.model import Session
from bot.flows.model import Flow, Node, NodeType
from bot.notes.redact import redact_or_blank

FLOW, STEP, SESSION = "flow", "step", "session"
MAX_PART = 600  # characters of any one field (a long script says little more than its first lines)
MAX_STEP_TITLES = 40


@dataclass(frozen=True, slots=True)
class Document:
    """One thing to index. ``recency_at`` None (flows): now when the text changed, else the stored time."""

    team_id: str | None
    kind: str
    ref: str
    title: str
    body: str
    recency_at: datetime | None = None

    @property
    def text(self) -> str:
        """What is stored and embedded."""
        return f"{self.title}\n{self.body}".strip()

    @property
    def text_hash(self) -> str:
        """sha256 of ``text`` (hex)."""
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()


def _join(parts: Iterable[str], sep: str = "\n") -> str:
    return sep.join(p.strip()[:MAX_PART] for p in parts if p and p.strip())


def step_label(node: Node) -> str:
    """A short name for a node: its title, else its question, else its id."""
    return (node.title or node.question or node.id).strip()


def step_body(node: Node) -> str:
    """Everything an engineer reads on a step (commands included, trimmed)."""
    return _join(
        [
            node.question,
            "; ".join(o.label for o in node.options),
            node.instructions,
            *(f"{c.label}: {c.code}" if c.label else c.code for c in node.commands),
            node.expected_outcome,
            node.warning,
            node.verification_prompt,
            node.resolution,
            *node.followups,
        ]
    )


def flow_documents(team_id: str | None, flow: Flow) -> list[Document]:
    """The flow's summary document and one document per step with something to read."""
    steps = [n for n in flow.nodes if n.type not in (NodeType.PROCEDURE_END, NodeType.SUBFLOW)]
    summary = _join(
        [
            flow.description,
            f"Category: {flow.category}" if flow.category else "",
            f"Tags: {', '.join(flow.tags)}" if flow.tags else "",
            f"Keywords: {', '.join(flow.keywords)}" if flow.keywords else "",
            "Steps: " + "; ".join(step_label(n) for n in steps[:MAX_STEP_TITLES]) if steps else "",
        ]
    )
    docs = [Document(team_id, FLOW, flow.key, flow.name, summary)]
    for node in steps:
        body = step_body(node)
        if body or node.title:
            docs.append(Document(team_id, STEP, f"{flow.key}#{node.id}", f"{flow.name} — {step_label(node)}", body))
    return docs


def session_text(session: Session) -> tuple[str, str]:
    """``(title, text)`` of a resolved session for ``index_session``: the problem, triage and the resolution."""
    title = session.title or (session.ticket.summary if session.ticket else "") or session.problem_summary[:80]
    text = _join(
        [
            session.problem_summary,
            session.ticket.summary if session.ticket else "",
            f"Client: {session.client_name}" if session.client_name else "",
            f"Asset: {session.asset_name}" if session.asset_name else "",
            f"Category: {session.issue_category}" if session.issue_category else "",
            session.triage_hypothesis,
            *session.evidence_items,
            f"Resolution: {session.resolution_summary}" if session.resolution_summary else "",
            *session.followups,
        ]
    )
    return title.strip(), text


def session_document(team_id: str, session_id: str, title: str, text: str, resolved_at: datetime) -> Document:
    """The document of one resolved session, redacted (``bot.notes.redact``; a text whose redaction fails is
    withheld): search shows snippets of it, so the index holds no more than a shared channel would."""
    title, text = redact_or_blank(title.strip()).text, redact_or_blank(text.strip()).text
    return Document(team_id, SESSION, session_id, title, text, resolved_at)
