"""The retrieval composite (domain §6), keyword and recency scores, snippets and the indexed documents."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.engine.model import Session, SessionStatus, TicketLink
from bot.flows.model import Command, Flow, FlowKind, Node, NodeType
from bot.pilot.retrieval import flow_documents, session_document, session_text
from bot.pilot.retrieval.scoring import (
    MATCH_THRESHOLD,
    composite,
    keyword_score,
    query_terms,
    query_words,
    recency_score,
    snippet,
)

NOW = datetime(2026, 11, 25, tzinfo=UTC)


def test_composite_weights_and_the_lexical_only_form() -> None:
    assert composite(1.0, 1.0, 1.0) == pytest.approx(1.0)
    assert composite(0.6, 0.5, 0.5) == pytest.approx(0.5 * 0.6 + 0.3 * 0.5 + 0.2 * 0.5)
    assert composite(-0.4, 0.0, 0.0) == 0.0 and composite(1.7, 0.0, 0.0) == 0.5  # cosine clamped to 0..1
    assert composite(None, 0.5, 1.0) == pytest.approx(0.8 * 0.5 + 0.2)
    assert composite(None, 0.375, 1.0) <= MATCH_THRESHOLD < composite(None, 0.38, 1.0)
    assert composite(None, 0.0, 1.0) < MATCH_THRESHOLD  # recency alone never matches


def test_keyword_score_reads_both_ways() -> None:
    wanted = query_terms("Printers offline on floor 2 since this morning")
    assert wanted == {"printer", "offline", "floor", "2", "morn"}  # folded like the flow search
    assert keyword_score(wanted, "Printer offline", "") == pytest.approx((2 / 5 + 1) / 2)
    assert keyword_score(wanted, "VPN drops", "Tunnel resets") == 0.0
    assert keyword_score(query_terms("the and"), "Printer", "") == 0.0
    assert keyword_score(query_terms("printer"), "", "the printer") == 0.5


def test_recency_halves_every_half_life() -> None:
    assert recency_score(NOW, NOW) == 1.0 and recency_score(NOW + timedelta(days=3), NOW) == 1.0
    assert recency_score(NOW - timedelta(days=90), NOW) == pytest.approx(0.5)
    assert recency_score(NOW - timedelta(days=30), NOW, half_life_days=30) == pytest.approx(0.5)


def test_query_words_drop_stop_words_and_repeats() -> None:
    assert query_words("The printer IS offline, the PRINTER!") == ["printer", "offline"]
    assert len(query_words(" ".join(f"w{n}" for n in range(40)))) == 16


def test_snippets_center_on_the_first_query_word() -> None:
    body = "intro " * 60 + "the spooler service hung " + "outro " * 60
    piece = snippet(body, ["spooler"], width=80)
    assert "spooler" in piece and piece.startswith("…") and piece.endswith("…") and len(piece) <= 82
    assert snippet("short  text\n", ["x"]) == "short text"


def test_flow_documents_cover_the_summary_and_readable_steps() -> None:
    flow = Flow(
        "printer-offline",
        "Printer offline",
        FlowKind.PROCEDURAL,
        (
            Node(
                "s1", NodeType.PROCEDURE_STEP, title="Restart spooler", commands=(Command("Restart-Service Spooler"),)
            ),
            Node("sub", NodeType.SUBFLOW, flow="other"),
            Node("end", NodeType.PROCEDURE_END, title="Done"),
        ),
        description="Jobs stuck.",
        keywords=("printer", "spooler"),
    )
    docs = flow_documents("team-a", flow)
    assert [(d.kind, d.ref) for d in docs] == [("flow", "printer-offline"), ("step", "printer-offline#s1")]
    assert "Keywords: printer, spooler" in docs[0].body and "Restart spooler" in docs[0].body
    assert "Restart-Service Spooler" in docs[1].body and docs[1].title == "Printer offline — Restart spooler"
    assert docs[0].text_hash == flow_documents(None, flow)[0].text_hash and len(docs[0].text_hash) == 64


def test_session_text_and_document() -> None:
    session = Session(
        "s-1",
        "team-a",
        "u-1",
        {},
        "k",
        NOW,
        NOW,
        status=SessionStatus.RESOLVED,
        problem_summary="Outlook asks for the password",
        ticket=TicketLink("123", "Password prompts"),
        resolution_summary="Cleared cached credentials.",
        client_name="Contoso",
    )
    title, text = session_text(session)
    assert title == "Password prompts" and "Resolution: Cleared cached credentials." in text
    assert "Client: Contoso" in text
    doc = session_document("team-a", "s-1", f" {title} ", text, NOW)
    assert (doc.kind, doc.ref, doc.title, doc.recency_at) == ("session", "s-1", "Password prompts", NOW)
