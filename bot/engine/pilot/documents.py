"""FlowPilot's documents in the thread: the previewed resolution note / escalation package, and its plain text.

A preview is cached by the session's ``state_version``: asking again for an unchanged session shows the stored
preview without a model call. The engineer edits it in a form, then "Confirm & post".
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.engine.events import ActionId
from bot.engine.model import Session, SessionStatus
from bot.engine.pilot.records import DocumentPreview
from bot.engine.replies import Block, Button, Buttons, Context, Header, Style, Text, View
from bot.engine.shown import shown

TITLES = {"resolution": "Resolution note", "escalation": "Escalation package"}


def doc_ref(session: Session, kind: str) -> str:
    """The message ref of a document preview."""
    return f"{session.id}:doc:{kind}"


def document_text(sections: Sequence[tuple[str, str]]) -> str:
    """The document as plain text for the ticket: each heading on its own line, then its text."""
    return "\n\n".join(f"{heading}\n{body.strip()}" for heading, body in sections if body.strip())


def preview_view(session: Session, preview: DocumentPreview) -> View:
    """The preview with "Confirm & post" and "Edit" (only while the session is open); masked like every shared
    card (the posted note is redacted per the team's setting when it is pushed)."""
    title = TITLES.get(preview.kind, preview.kind)
    blocks: list[Block] = [Header(f"📝 {title} — preview")]
    for heading, body in preview.sections:
        blocks.append(Text(f"*{heading}*\n{shown(body.strip()) or '—'}"))
    who = "offline template" if preview.tier == "offline" else f"Claude ({preview.tier})" if preview.tier else ""
    blocks.append(Context(" · ".join(x for x in (f"Drafted by {who}" if who else "", "edit before posting") if x)))
    if session.status.is_open and session.status is not SessionStatus.PAUSED:
        blocks.append(
            Buttons(
                (
                    Button(
                        "Confirm & post",
                        ActionId.CONFIRM_POST,
                        session.id,
                        preview.state_version,
                        preview.kind,
                        Style.PRIMARY,
                    ),
                    Button("Edit", ActionId.EDIT_DOCUMENT, session.id, preview.state_version, preview.kind),
                )
            )
        )
    return View(tuple(blocks), f"{title} preview")
