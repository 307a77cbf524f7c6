"""FlowPilot's documents in the thread: the previewed resolution note / escalation package, and its plain text.

A preview is cached by the session's ``state_version``: asking again for an unchanged session shows the stored
preview without a model call. The engineer edits it in a form, then "Confirm & post" (the resolution note: resolves
the session) or "Post to ticket" (the escalation package: an internal note on the linked ticket, once; the session's
status is unchanged).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bot.engine.copilot import DocKind
from bot.engine.events import ActionId
from bot.engine.model import FixDecision, FixStatus, Session, SessionStatus, SuggestedFix
from bot.engine.pilot import texts as t
from bot.engine.pilot.records import DocumentPreview
from bot.engine.pilot.status import posted, posted_line
from bot.engine.replies import Block, Button, Buttons, Context, Header, Style, Text, View
from bot.engine.shown import shown

TITLES = {"resolution": "Resolution note", "escalation": "Escalation package"}
MAX_STEPS = 8


def doc_ref(session: Session, kind: str) -> str:
    """The message ref of a document preview."""
    return f"{session.id}:doc:{kind}"


def document_text(sections: Sequence[tuple[str, str]]) -> str:
    """The document as plain text for the ticket: each heading on its own line, then its text."""
    return "\n\n".join(f"{heading}\n{body.strip()}" for heading, body in sections if body.strip())


def assessment_blocks(assessment: Mapping[str, object]) -> list[Block]:
    """The escalation package's structured assessment (summary, likely cause, suggested steps, confidence) as
    FlowPilot wrote it; nothing when there is none."""
    summary = str(assessment.get("summary_prose") or "").strip()
    cause = str(assessment.get("likely_cause") or "").strip()
    raw_steps = assessment.get("suggested_steps")
    steps = [str(s).strip() for s in raw_steps if str(s).strip()] if isinstance(raw_steps, list) else []
    if not (summary or cause or steps):
        return []
    confidence = assessment.get("confidence")
    head = f"*{t.PACKAGE_ASSESSMENT}*"
    if isinstance(confidence, int | float) and not isinstance(confidence, bool):
        head += f" · confidence {round(max(0.0, min(1.0, float(confidence))) * 100)}%"
    lines = [head]
    if summary:
        lines.append(shown(summary))
    if cause:
        lines.append(f"*Likely cause:* {shown(cause)}")
    if steps:
        lines.append("*Suggested steps:*\n" + "\n".join(f"{i}. {shown(s)}" for i, s in enumerate(steps[:MAX_STEPS], 1)))
    return [Text("\n".join(lines)), Context(t.PACKAGE_ASSESSMENT_HINT)]


def _resolution_actions(session: Session, preview: DocumentPreview) -> list[Block]:
    confirm = Button(
        "Confirm & post", ActionId.CONFIRM_POST, session.id, preview.state_version, preview.kind, Style.PRIMARY
    )
    edit = Button("Edit", ActionId.EDIT_DOCUMENT, session.id, preview.state_version, preview.kind)
    return [Buttons((confirm, edit))]


def _package_actions(session: Session, preview: DocumentPreview) -> list[Block]:
    edit = Button("Edit", ActionId.EDIT_DOCUMENT, session.id, preview.state_version, preview.kind)
    if session.ticket is None:
        return [Context(t.PACKAGE_NO_TICKET), Buttons((edit,))]
    number = session.ticket.number
    post = Button(
        f"Post to ticket #{number}"[:75],
        ActionId.POST_PACKAGE,
        session.id,
        preview.state_version,
        preview.kind,
        Style.PRIMARY,
    )
    return [Context(t.PACKAGE_POST_HINT.format(number=number)), Buttons((post, edit))]


def fix_first_view(session: Session, fix: SuggestedFix) -> View:
    """Asked for the package while the active fix is unfinished: how did it go? The fix card's own outcome buttons
    (plus "Never applied", which dismisses a fix not yet tried); the engineer asks for the package again after."""
    text = t.PACKAGE_FIX_FIRST.format(title=shown(fix.title))

    def button(label: str, action: ActionId, value: str, style: Style = Style.DEFAULT) -> Button:
        return Button(label, action, session.id, session.state_version, f"{fix.id}:{value}", style)

    buttons = [
        button("It worked", ActionId.FIX_OUTCOME, FixStatus.APPLIED_SUCCESS.value, Style.PRIMARY),
        button("Didn't work", ActionId.FIX_OUTCOME, FixStatus.APPLIED_FAILED.value),
        button("Partly", ActionId.FIX_OUTCOME, FixStatus.APPLIED_PARTIAL.value),
    ]
    if fix.status is FixStatus.PROPOSED:
        buttons.append(button(t.PACKAGE_NEVER_APPLIED, ActionId.FIX_DECISION, FixDecision.DISMISSED.value))
    return View((Text(text), Buttons(tuple(buttons))), text[:150])


def preview_view(session: Session, preview: DocumentPreview) -> View:
    """The preview with its buttons while the session is open: "Confirm & post" and "Edit" for the resolution note;
    the assessment, "Post to ticket" (only with a linked ticket) and "Edit" for the escalation package, which says
    when it was sent instead once it was. Masked like every shared card (the posted note is redacted per the team's
    setting when it is pushed)."""
    title = TITLES.get(preview.kind, preview.kind)
    package = preview.kind == DocKind.ESCALATION.value
    blocks: list[Block] = [Header(f"📝 {title} — preview")]
    for heading, body in preview.sections:
        blocks.append(Text(f"*{heading}*\n{shown(body.strip()) or '—'}"))
    if package:
        blocks.extend(assessment_blocks(preview.assessment))
    who = "offline template" if preview.tier == "offline" else f"Claude ({preview.tier})" if preview.tier else ""
    blocks.append(Context(" · ".join(x for x in (f"Drafted by {who}" if who else "", "edit before posting") if x)))
    sent = posted(preview) if package else None
    if sent is not None:
        blocks.append(Context(posted_line(sent, t.PACKAGE_QUEUED)))
    elif session.status.is_open and session.status is not SessionStatus.PAUSED:
        blocks.extend(_package_actions(session, preview) if package else _resolution_actions(session, preview))
    return View(tuple(blocks), f"{title} preview")
