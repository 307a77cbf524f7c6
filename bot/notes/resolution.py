"""The customer-visible resolution note: four short sections in plain text, for the ticket.

Problem, What we confirmed, Root cause, Resolution (domain §8), written from the session document: the problem
statement, the answered steps and facts, the solution the flow reached, and the engineer's resolution summary and
follow-ups. Plain text because PSA ticket notes are plain text; redacted by the caller's choice.
"""

from __future__ import annotations

from bot.notes.document import EntryKind, SessionDocument
from bot.notes.redact import redact

MAX_CONFIRMED = 8
NOT_DETERMINED = "Not determined."


def _confirmed(doc: SessionDocument) -> list[str]:
    lines = [fact for fact in doc.facts if fact.strip()]
    for entry in doc.entries:
        if entry.kind is EntryKind.STEP and entry.answer:
            lines.append(f"{entry.title.rstrip('?: ')}: {entry.answer}")
    return lines[-MAX_CONFIRMED:]


def resolution_note(
    doc: SessionDocument, root_cause: str = "", *, redaction: bool = True
) -> tuple[str, dict[str, int]]:
    """The note text and what redaction masked (``{}`` when redaction is off)."""
    problem = doc.problem or doc.ticket_summary or doc.flow_name
    confirmed = _confirmed(doc)
    parts = [
        "Problem",
        problem.strip(),
        "",
        "What we confirmed",
        *([f"- {line}" for line in confirmed] or ["- Nothing recorded."]),
        "",
        "Root cause",
        root_cause.strip() or NOT_DETERMINED,
        "",
        "Resolution",
        doc.resolution.strip(),
    ]
    if doc.followups:
        parts += ["", "Follow-up", *[f"- {item}" for item in doc.followups]]
    parts += ["", f"Time: {doc.hours:.2f} hrs · {doc.engineer}"]
    text = "\n".join(parts).strip() + "\n"
    if not redaction:
        return text, {}
    masked = redact(text)
    return masked.text, dict(masked.counts)
