"""Rendering the session documentation in Markdown, plain text and HTML."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.notes.document import DocEntry, EntryKind, SessionDocument
from bot.notes.render import default_filename, render

T0 = datetime(2026, 11, 25, 14, 0, tzinfo=UTC)


def doc(**changes: object) -> SessionDocument:
    base = {
        "flow_name": "VPN will not connect",
        "flow_key": "vpn-wont-connect",
        "engineer": "Alice Ng",
        "started_at": T0,
        "ended_at": T0 + timedelta(minutes=14),
        "status": "resolved",
        "ticket": "12345",
        "problem": "User cannot reach the VPN from home",
        "facts": ("Internet works without VPN",),
        "entries": (
            DocEntry(
                T0 + timedelta(minutes=1), EntryKind.STEP, "Does the internet work without the VPN?", "Yes", "Alice Ng"
            ),
            DocEntry(
                T0 + timedelta(minutes=3), EntryKind.NOTE, "Restart the client", "router at 192.0.2.1", "Alice Ng"
            ),
            DocEntry(T0 + timedelta(minutes=5), EntryKind.CUSTOM, "Checked firewall logs", "Done", "Alice Ng"),
            DocEntry(T0 + timedelta(minutes=6), EntryKind.STEP, "Licence SKU", "SPE_E3", "Alice Ng", detail="ok"),
        ),
        "resolution": "Restarted the VPN client service.",
        "followups": ("Update the client",),
    }
    base.update(changes)
    return SessionDocument(**base)  # type: ignore[arg-type]


HEADER = (
    "VPN will not connect | Ticket #12345 | Engineer: Alice Ng | Date: 2026-11-25 | Time: 0.25 hrs | Status: resolved"
)


@pytest.mark.parametrize("fmt", ["md", "txt", "html"])
def test_every_section_in_every_format(fmt: str) -> None:
    body = render(doc(), fmt).body
    for piece in (
        "Problem",
        "What we know",
        "Steps",
        "Resolution",
        "Follow-up recommendations",
        "User cannot reach the VPN from home",
        "Internet works without VPN",
        "14:01",
        "Yes",
        "[CUSTOM] Checked firewall logs",
        "Restarted the VPN client service.",
        "Update the client",
    ):
        assert piece in body, (fmt, piece)


def test_header_line_is_exact() -> None:
    assert render(doc(), "txt").body.splitlines()[0] == HEADER
    assert render(doc(), "md").body.splitlines()[0] == f"**{HEADER.replace('|', chr(92) + '|')}**"


def test_answers_are_inline() -> None:
    assert "- `14:01` Does the internet work without the VPN? — **Yes**" in render(doc(), "md").body
    assert "* 14:01  Does the internet work without the VPN? -> Yes" in render(doc(), "txt").body


def test_timestamps_can_be_left_out() -> None:
    assert "14:01" not in render(doc(), "md", timestamps=False).body


@pytest.mark.parametrize("fmt", ["md", "txt", "html"])
def test_redaction_applies_to_every_format(fmt: str) -> None:
    rendered = render(doc(), fmt)
    assert "192.0.2.1" not in rendered.body and rendered.redactions == {"ip": 1}
    assert "192.0.2.1" in render(doc(), fmt, redaction=False).body


def test_html_escapes_user_text() -> None:
    nasty = doc(problem='<script>alert("x")</script> & <b>bold</b>')
    body = render(nasty, "html").body
    assert "<script>" not in body and "&lt;script&gt;" in body and "<b>" not in body
    assert body.startswith('<article class="rf-note">')


def test_markdown_neutralises_structure_in_user_text() -> None:
    body = render(doc(problem="# not a heading\n| not | a table |"), "md").body
    assert "\n# not a heading" not in body and "\\# not a heading" in body


@pytest.mark.parametrize(("minutes", "hours"), [(0, "0.25"), (5, "0.25"), (15, "0.25"), (16, "0.50"), (61, "1.25")])
def test_hours_round_up_to_the_quarter(minutes: int, hours: str) -> None:
    assert f"Time: {hours} hrs" in render(doc(ended_at=T0 + timedelta(minutes=minutes)), "txt").body


@pytest.mark.parametrize(
    ("status", "text"),
    [("abandoned", "Session abandoned — not resolved."), ("active", "In progress — not resolved yet.")],
)
def test_resolution_wording_follows_status(status: str, text: str) -> None:
    assert text in render(doc(status=status, resolution=""), "txt").body


def test_empty_document() -> None:
    body = render(doc(facts=(), entries=(), followups=(), problem="", ticket=""), "md").body
    assert "Nothing confirmed yet." in body and "No steps recorded." in body and "Ticket no ticket" in body


def test_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError, match="md, txt, html"):
        render(doc(), "pdf")


def test_filenames() -> None:
    assert default_filename(doc(), "md") == "rf-note-12345-2026-11-25.md"
    assert default_filename(doc(ticket=""), "html") == "rf-note-vpn-wont-connect-2026-11-25.html"
