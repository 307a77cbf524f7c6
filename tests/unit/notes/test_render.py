"""Rendering the session documentation as Markdown, plain text and HTML."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

import pytest

from bot.notes.document import DocEntry, EntryKind, SessionDocument
from bot.notes.render import FORMATS, RenderedNote, default_filename, render

T0 = datetime(2026, 11, 25, 14, 0, tzinfo=UTC)


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


ENTRIES = (
    DocEntry(at(1), EntryKind.STEP, "Is the user licensed?", "Yes", "Alice Ng"),
    DocEntry(at(3), EntryKind.NOTE, "", "router answers on 192.0.2.1", "Alice Ng"),
    DocEntry(at(5), EntryKind.CUSTOM, "Checked firewall logs", "Done", "Bob Li"),
    DocEntry(at(6), EntryKind.BACK, "Is the user licensed?", actor="Alice Ng"),
    DocEntry(at(7), EntryKind.STEP, "Licence SKU", "SPE_E3", "Alice Ng", detail="Typed: SPE_E3\nChecked in portal"),
    DocEntry(at(8), EntryKind.STEP, "Restart the VPN service", "Worked", "Alice Ng", target="web01"),
    DocEntry(at(9), EntryKind.EVENT, "Paused", actor="Alice Ng"),
)


def doc(**changes: object) -> SessionDocument:
    fields: dict[str, object] = {
        "flow_name": "VPN will not connect",
        "flow_key": "vpn-wont-connect",
        "engineer": "Alice Ng",
        "started_at": T0,
        "ended_at": T0 + timedelta(minutes=14),
        "status": "resolved",
        "ticket": "12345",
        "problem": "User cannot reach the VPN from home",
        "facts": ("Internet works without the VPN",),
        "entries": ENTRIES,
        "resolution": "Restarted the VPN client service.",
        "followups": ("Update the VPN client",),
        "variables": {"Site": "HQ"},
        "progress": "3/4 targets complete",
    }
    fields.update(changes)
    return SessionDocument(**fields)  # type: ignore[arg-type]


HEADER = (
    "VPN will not connect | Ticket: #12345 | Engineer: Alice Ng | Date: 2026-11-25 | Time: 0.25 hrs | Status: resolved"
)
SECTION_TITLES = (
    "Problem",
    "Variables",
    "What we know",
    "Steps",
    "Progress",
    "Resolution",
    "Follow-up recommendations",
)


def text_of(rendered: RenderedNote) -> str:
    """The body as readable text: tags removed, entities undone (for checks common to every format)."""
    body = re.sub(r"<[^>]+>", "", rendered.body)
    return body.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&#x27;", "'")


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_section_in_every_format(fmt: str) -> None:
    body = text_of(render(doc(), fmt))
    positions = [body.index(title) for title in SECTION_TITLES]
    assert positions == sorted(positions)
    for piece in (
        "User cannot reach the VPN from home",
        "Site: HQ",
        "Internet works without the VPN",
        "14:01",
        "Is the user licensed?",
        "[CUSTOM]",
        "Checked firewall logs",
        "Went back to:",
        "web01",
        "Paused",
        "3/4 targets complete",
        "Restarted the VPN client service.",
        "Update the VPN client",
    ):
        assert piece in body, (fmt, piece)


def test_header_line_is_exact() -> None:
    assert render(doc(), "txt").body.splitlines()[0] == HEADER
    assert (
        render(doc(), "md").body.splitlines()[0] == "**VPN will not connect**" + HEADER[len("VPN will not connect") :]
    )
    assert f'<p class="rf-header"><strong>VPN will not connect</strong>{HEADER[20:]}</p>' in render(doc(), "html").body


def test_no_ticket_in_header() -> None:
    assert "| Ticket: no ticket |" in render(doc(ticket=""), "txt").body


def test_markdown_steps() -> None:
    body = render(doc(), "md").body
    assert "- `14:01` Is the user licensed? — **Yes**" in body
    assert "- `14:03` Note: router answers on [REDACTED:ip]" in body
    assert "- `14:05` [CUSTOM] Checked firewall logs — **Done** _(Bob Li)_" in body
    assert "- `14:06` Went back to: Is the user licensed?" in body
    assert "- `14:07` Licence SKU — **SPE_E3**\n  - Typed: SPE_E3\n  - Checked in portal" in body
    assert "- `14:08` **[web01]** Restart the VPN service — **Worked**" in body
    assert "### Steps" in body


def test_plain_text_steps_and_titles() -> None:
    body = render(doc(), "txt").body
    assert "Steps\n-----\n- 14:01 Is the user licensed? — Yes\n" in body
    assert "- 14:05 [CUSTOM] Checked firewall logs — Done (Bob Li)" in body
    assert "- 14:07 Licence SKU — SPE_E3\n    Typed: SPE_E3\n    Checked in portal" in body
    assert "- 14:08 [web01] Restart the VPN service — Worked" in body
    assert not re.search(r"\*\*|`|^#", body, re.M)


def test_plain_text_wraps_long_lines_without_breaking_words() -> None:
    long_note = "word " * 60 + "C:\\Very\\Long\\Path\\" + "x" * 120
    body = render(doc(entries=(DocEntry(at(1), EntryKind.NOTE, "", long_note),)), "txt").body
    lines = body.split("Steps\n-----\n")[1].split("\n\n")[0].splitlines()
    assert len(lines) == 5 and all(len(line) <= 100 for line in lines[:-1])
    assert "C:\\Very\\Long\\Path\\" + "x" * 120 in body


def test_times_are_utc() -> None:
    plus_two = timezone(timedelta(hours=2))
    entry = DocEntry(datetime(2026, 11, 25, 16, 5, tzinfo=plus_two), EntryKind.STEP, "Ping the gateway", "Fails")
    assert "- 14:05 Ping the gateway — Fails" in render(doc(entries=(entry,)), "txt").body


@pytest.mark.parametrize("fmt", FORMATS)
def test_timestamps_can_be_left_out(fmt: str) -> None:
    body = render(doc(), fmt, timestamps=False).body
    assert "14:01" not in body and "<time" not in body
    assert "Is the user licensed?" in body


def test_html_escapes_user_text() -> None:
    nasty = '<script>alert("x")</script> & <img src=x onerror=alert(1)>'
    entry = DocEntry(at(1), EntryKind.STEP, "<b>Title</b>", nasty, target="<i>t</i>", detail="<u>d</u>")
    body = render(doc(problem=nasty, facts=(nasty,), entries=(entry,), flow_name="<h1>Flow</h1>"), "html").body
    assert body.startswith('<article class="rf-note">') and body.rstrip().endswith("</article>")
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp;" in body
    tags = set(re.findall(r"</?([a-z0-9]+)", body))
    assert tags <= {"article", "p", "strong", "section", "h3", "ul", "li", "time", "span"}
    assert "&lt;img src=x onerror=alert(1)&gt;" in body and "<img" not in body


def test_markdown_neutralises_structure_in_user_text() -> None:
    problem = "# not a heading\n> not a quote\n| not | a table |\n1. not a list\n<b>raw html</b>"
    entry = DocEntry(at(1), EntryKind.STEP, "Run `Get-Service`", "**bold**\nsecond line")
    body = render(doc(problem=problem, entries=(entry,)), "md").body
    assert "\\# not a heading\n\\> not a quote\n\\| not \\| a table \\|\n1\\. not a list\n\\<b>raw html\\</b>" in body
    assert "- `14:01` Run \\`Get-Service\\` — **\\*\\*bold\\*\\* second line**" in body


def test_markdown_keeps_windows_paths_readable() -> None:
    body = render(doc(problem=r"Profile in C:\Users\Public and share \\?\C:\x"), "md").body
    assert r"C:\Users\Public" in body


@pytest.mark.parametrize("fmt", FORMATS)
def test_redaction_applies_to_every_format(fmt: str) -> None:
    secret_doc = doc(
        facts=("Mailbox jane@contoso.com",),
        entries=(*ENTRIES, DocEntry(at(10), EntryKind.STEP, "Temporary password", "Xk7!pq2")),
    )
    rendered = render(secret_doc, fmt)
    for secret in ("192.0.2.1", "jane@contoso.com", "Xk7!pq2"):
        assert secret not in rendered.body
    assert rendered.redactions == {"ip": 1, "email": 1, "password": 1}
    assert "[REDACTED:ip]" in rendered.body and "[REDACTED:password]" in rendered.body
    assert rendered.redaction_summary == "1 e-mail address, 1 IP address, 1 password masked"
    plain = render(secret_doc, fmt, redaction=False)
    assert "192.0.2.1" in plain.body and "Xk7!pq2" in plain.body and plain.redactions == {}


def test_redaction_does_not_disturb_html_markup() -> None:
    body = render(doc(problem="password is <b>Hunter2</b>"), "html").body
    assert "Hunter2" not in body
    assert body.count("<section") == body.count("</section>") == len(SECTION_TITLES)


@pytest.mark.parametrize(
    ("minutes", "hours"),
    [(0, "0.25"), (5, "0.25"), (15, "0.25"), (16, "0.50"), (30, "0.50"), (46, "1.00"), (61, "1.25"), (150, "2.50")],
)
def test_hours_round_up_to_the_quarter(minutes: int, hours: str) -> None:
    body = render(doc(ended_at=at(minutes)), "txt").body
    assert f"| Time: {hours} hrs |" in body


@pytest.mark.parametrize(
    ("status", "resolution", "text"),
    [
        ("resolved", "Replaced the cable.", "Replaced the cable."),
        ("resolved", "", "Resolved."),
        ("abandoned", "User left for the day", "Session abandoned — not resolved. Reason: User left for the day"),
        ("abandoned", "", "Session abandoned — not resolved."),
        ("escalated", "", "Escalated — not resolved in this session."),
        ("active", "half-written", "In progress."),
        ("paused", "", "In progress."),
    ],
)
def test_resolution_wording_follows_status(status: str, resolution: str, text: str) -> None:
    body = render(doc(status=status, resolution=resolution), "txt").body
    assert f"Resolution\n----------\n{text}\n" in body
    if status == "active":
        assert resolution not in body  # a draft resolution is not shown while the session runs


def test_problem_falls_back_to_ticket_summary() -> None:
    body = render(doc(problem="", ticket_summary="Cannot print to HP4050"), "txt").body
    assert "Problem\n-------\nCannot print to HP4050" in body


@pytest.mark.parametrize("fmt", FORMATS)
def test_empty_document(fmt: str) -> None:
    empty = SessionDocument(flow_name="", engineer="", started_at=T0, ended_at=T0, status="active")
    body = text_of(render(empty, fmt))
    for text in (
        "Troubleshooting session",
        "Ticket: no ticket",
        "Engineer: unknown",
        "Not described.",
        "Nothing confirmed yet.",
        "No steps recorded.",
        "In progress.",
        "None.",
    ):
        assert text in body, (fmt, text)
    assert "Variables" not in body and "Progress" not in body


def test_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError, match="md, txt, html"):
        render(doc(), "pdf")
    with pytest.raises(ValueError, match="md, txt, html"):
        default_filename(doc(), "docx")


def test_rendered_note_metadata() -> None:
    rendered = render(doc(), "html")
    assert rendered.format == "html" and rendered.filename_ext == ".html"


def test_filenames() -> None:
    assert default_filename(doc(), "md") == "rf-note-12345-2026-11-25.md"
    assert default_filename(doc(ticket=""), "html") == "rf-note-vpn-wont-connect-2026-11-25.html"
    assert default_filename(doc(ticket="", flow_key=""), "txt") == "rf-note-vpn-will-not-connect-2026-11-25.txt"


def test_a_free_form_sessions_filename_is_its_problem_redacted_and_short() -> None:
    problem = "Outlook keeps asking for the password since the monthly updates for user pat@example.com on 10.1.2.3"
    name = default_filename(doc(ticket="", flow_key="", flow_name=problem), "md")
    assert "pat" not in name and "example" not in name and "10-1-2-3" not in name
    assert name.startswith("rf-note-outlook-keeps-asking") and len(name) <= len("rf-note--2026-11-25.md") + 60
