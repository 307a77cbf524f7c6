"""Pause, resume, resolve and abandon."""

from __future__ import annotations

from bot.engine import texts
from bot.engine.commands.ticket_pushes import queue_resolution_pushes
from bot.engine.context import Ctx, UserError
from bot.engine.documents import document_for, redaction_enabled, store_note
from bot.engine.events import ActionId, ConversationRef, FormId
from bot.engine.knowledge import queue_session_index
from bot.engine.model import NoteKind, Session, SessionStatus, SessionType, TimelineKind
from bot.engine.replies import Attachment, Button, Buttons, Code, Input, OpenForm, Style, Text
from bot.engine.show import refresh_card, show_step
from bot.flows.model import Flow, NodeType
from bot.notes.redact import Redaction, redact_or_blank
from bot.notes.render import default_filename, render


async def cmd_pause(ctx: Ctx, args: str) -> None:
    """Pause the session here; `resume` picks it up later (only its engineer can)."""
    session = await ctx.open_session()
    await on_pause(ctx, session, await ctx.flow_of(session), "")


async def on_pause(ctx: Ctx, session: Session, flow: Flow | None, value: str) -> None:
    """Pause button."""
    ctx.require_writer()
    ctx.require_owner(session, "pause")
    ctx.ensure_open(session)
    expected = session.state_version
    session.status = SessionStatus.PAUSED
    session.bump(ctx.now)
    await ctx.record(session, TimelineKind.PAUSED)
    await ctx.save(session, expected)
    await refresh_card(ctx, session, flow)
    ctx.say(texts.PAUSED.format(actor=ctx.user.display_name))


async def cmd_resume(ctx: Ctx, args: str) -> None:
    """Resume a paused session: the one here, `resume <session id>`, or pick from your paused sessions."""
    ctx.require_writer()
    wanted = args.strip()
    if wanted:
        mine = await ctx.uow.sessions.for_engineer(ctx.team_id, ctx.user.id, [SessionStatus.PAUSED], 50)
        match = [s for s in mine if s.id.startswith(wanted)]
        if len(match) != 1:
            raise UserError(texts.UNKNOWN_SESSION)
        await on_resume(ctx, match[0], await ctx.flow_of(match[0]), "")
        return
    here = await ctx.uow.sessions.open_in_conversation(ctx.team_id, ctx.conversation.key)
    if here is not None and here.status is SessionStatus.PAUSED:
        await on_resume(ctx, here, await ctx.flow_of(here), "")
        return
    if here is not None:
        raise UserError(texts.NOT_PAUSED)
    paused = await ctx.uow.sessions.for_engineer(ctx.team_id, ctx.user.id, [SessionStatus.PAUSED], 10)
    if not paused:
        raise UserError(texts.NO_PAUSED)
    buttons = tuple(Button(f"Resume: {s.title} ({s.id[:8]})", ActionId.RESUME, s.id, s.state_version) for s in paused)
    ctx.whisper("Your paused sessions:", Buttons(buttons))


async def on_resume(ctx: Ctx, session: Session, flow: Flow | None, value: str) -> None:
    """Resume button: the session continues in the conversation it is resumed from."""
    ctx.require_writer()
    ctx.require_owner(session, "resume")
    if session.status is not SessionStatus.PAUSED:
        raise UserError(texts.NOT_PAUSED)
    if not ctx.conversation.channel:  # from a surface that is not a conversation (App Home): resume in place
        ctx.target = ConversationRef.from_dict(session.conversation)
    here = await ctx.uow.sessions.open_in_conversation(ctx.team_id, ctx.conversation.key)
    if here is not None and here.id != session.id:
        raise UserError(f"This conversation already has an open session: *{here.title}*. Pause or finish it first.")
    expected = session.state_version
    session.status = SessionStatus.ACTIVE
    moved = session.conversation_key != ctx.conversation.key
    if moved:
        conversation = ctx.conversation.to_dict()
        conversation["engineer_name"] = session.conversation.get("engineer_name", ctx.user.display_name)
        session.conversation, session.conversation_key = conversation, ctx.conversation.key
    session.bump(ctx.now)
    await ctx.record(session, TimelineKind.RESUMED)
    await ctx.save(session, expected)
    ctx.say(texts.RESUMED.format(actor=ctx.user.display_name))
    await refresh_card(ctx, session, flow, post=moved)
    await show_step(ctx, session, flow)


async def cmd_resolve(ctx: Ctx, args: str) -> None:
    """Resolve the session: confirm the resolution summary and follow-ups; the ticket note is written."""
    session = await ctx.open_session()
    await on_resolve(ctx, session, await ctx.flow_of(session), "")


async def on_resolve(ctx: Ctx, session: Session, flow: Flow | None, value: str) -> None:
    """Open the resolve form, pre-filled from the solution the flow reached and with a note preview.

    A FlowPilot session previews FlowPilot's resolution note instead (edit, then "Confirm & post")."""
    ctx.require_writer()
    ctx.ensure_open(session)
    if session.session_type is SessionType.CHAT:
        from bot.engine.commands.pilot_docs import on_pilot_resolve

        await on_pilot_resolve(ctx, session)
        return
    summary, followups = session.resolution_summary, list(session.followups)
    if flow is not None and session.current_node:
        node = flow.node(session.current_node)
        if node.type is NodeType.SOLUTION:
            summary = summary or node.resolution
            followups = followups or list(node.followups)
    doc = await document_for(ctx, session, flow)
    preview = render(doc, "md", redaction=await redaction_enabled(ctx)).body
    if len(preview) > 2500:
        preview = preview[:2500] + "\n…"
    ctx.replies.append(
        OpenForm(
            ctx.conversation,
            ctx.event.actor,
            FormId.RESOLVE,
            "Resolve session",
            session.id,
            session.state_version,
            (
                Input(
                    "summary",
                    "Resolution summary",
                    multiline=True,
                    initial=summary,
                    placeholder="What fixed it, in one or two sentences",
                ),
                Input(
                    "followups",
                    "Follow-up recommendations (one per line)",
                    multiline=True,
                    initial="\n".join(followups),
                    optional=True,
                ),
            ),
            intro=(
                Text("*Note preview* — the final note adds your summary and follow-ups."),
                Code(preview, "markdown"),
            ),
            submit_label="Resolve & write note",
        )
    )


async def on_resolve_form(ctx: Ctx, session: Session, flow: Flow | None, values: dict[str, str]) -> None:
    """Resolve form submitted: close the session, write and keep the note, queue it for the ticket."""
    ctx.require_writer()
    ctx.ensure_open(session)
    summary = values.get("summary", "").strip()
    if not summary:
        raise UserError(texts.RESOLVE_SUMMARY_REQUIRED)
    expected = session.state_version
    session.resolution_summary = summary
    session.followups = [
        line.strip().lstrip("-•* ").strip() for line in values.get("followups", "").splitlines() if line.strip()
    ]
    await finish_resolution(ctx, session, flow, expected)


async def finish_resolution(
    ctx: Ctx, session: Session, flow: Flow | None, expected: int, *, resolution_text: str | None = None
) -> None:
    """Close the session as resolved, keep its documentation, and queue the ticket notes (``resolution_text``:
    the customer-facing note the engineer confirmed, when FlowPilot wrote it) and the session's indexing for search,
    all in the handler's transaction (the slow parts run in the background)."""
    summary = session.resolution_summary
    session.status = SessionStatus.RESOLVED
    session.ended_at = ctx.now
    session.bump(ctx.now)
    await ctx.record(session, TimelineKind.RESOLVED, answer=summary)
    await ctx.save(session, expected)
    await queue_session_index(ctx, session)
    doc = await document_for(ctx, session, flow)  # read once: the note, the reply and the ticket pushes share it
    _, rendered = await store_note(ctx, session, NoteKind.SESSION_DOCUMENTATION, doc=doc)
    await refresh_card(ctx, session, flow)
    ctx.say(
        texts.RESOLVED.format(actor=ctx.user.display_name, hours=f"{doc.hours:.2f} hrs"),
        context=_redaction_line(rendered.redactions),
    )
    body = rendered.body
    if resolution_text:  # the file keeps the customer-facing note the engineer confirmed, too
        confirmed = redact_or_blank(resolution_text).text if await redaction_enabled(ctx) else resolution_text
        body = f"## {texts.CONFIRMED_NOTE}\n\n{confirmed.strip()}\n\n---\n\n{body}"
    ctx.replies.append(
        Attachment(ctx.conversation, default_filename(doc, "md"), body, "text/markdown", "Ticket note", final=True)
    )
    await queue_resolution_pushes(ctx, session, flow, resolution_text=resolution_text, doc=doc)


def _redaction_line(counts: dict[str, int]) -> str:
    return "Redaction: " + Redaction("", dict(counts)).summary() + "."


async def cmd_abandon(ctx: Ctx, args: str) -> None:
    """Abandon the session here (asks to confirm; the record is kept)."""
    session = await ctx.open_session()
    await on_abandon(ctx, session, await ctx.flow_of(session), "")


async def on_abandon(ctx: Ctx, session: Session, flow: Flow | None, value: str) -> None:
    """Ask before abandoning."""
    ctx.require_writer()
    if not session.status.is_open:
        raise UserError(texts.SESSION_CLOSED.format(status=session.status.value))
    ctx.whisper(
        texts.ABANDON_CONFIRM,
        Buttons(
            (
                Button("Yes, abandon", ActionId.CONFIRM_ABANDON, session.id, session.state_version, "", Style.DANGER),
                Button("Keep it", ActionId.CANCEL, session.id, session.state_version),
            )
        ),
    )


async def on_confirm_abandon(ctx: Ctx, session: Session, flow: Flow | None, value: str) -> None:
    """Abandon confirmed: close the session and keep its note (nothing goes to the ticket)."""
    ctx.require_writer()
    ctx.require_owner(session, "abandon")
    if not session.status.is_open:
        raise UserError(texts.SESSION_CLOSED.format(status=session.status.value))
    expected = session.state_version
    session.status = SessionStatus.ABANDONED
    session.ended_at = ctx.now
    session.bump(ctx.now)
    await ctx.record(session, TimelineKind.ABANDONED)
    await ctx.save(session, expected)
    doc = await document_for(ctx, session, flow)
    _, rendered = await store_note(ctx, session, NoteKind.SESSION_DOCUMENTATION, doc=doc)
    await refresh_card(ctx, session, flow)
    ctx.say(texts.ABANDONED.format(actor=ctx.user.display_name))
    ctx.replies.append(
        Attachment(
            ctx.conversation,
            default_filename(doc, "md"),
            rendered.body,
            "text/markdown",
            "Session note (abandoned)",
            final=True,
        )
    )


async def on_cancel(ctx: Ctx, session: Session, flow: Flow | None, value: str) -> None:
    """Cancel a confirmation."""
    ctx.whisper(texts.CANCELLED)


LIFECYCLE_ACTIONS = {
    ActionId.PAUSE: on_pause,
    ActionId.RESUME: on_resume,
    ActionId.RESOLVE: on_resolve,
    ActionId.ABANDON: on_abandon,
    ActionId.CONFIRM_ABANDON: on_confirm_abandon,
    ActionId.CANCEL: on_cancel,
}
LIFECYCLE_FORMS = {FormId.RESOLVE: on_resolve_form}
