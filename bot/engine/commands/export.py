"""`export md|txt|html` — the session documentation as a file, redacted per the team's setting.

The ``Attachment`` asks to be uploaded as a file where the platform allows it (Slack) and carries a short-lived
signed download link (when ``rfbot serve`` serves one) for platforms whose bots cannot upload into the conversation
(Teams channels and chats)."""

from __future__ import annotations

from bot.engine import texts
from bot.engine.context import Ctx, UserError
from bot.engine.documents import document_for, redaction_enabled
from bot.engine.model import Session, SessionStatus
from bot.engine.replies import Attachment
from bot.engine.sharing.signing import DOWNLOAD_PATH, DOWNLOAD_TTL, Purpose
from bot.notes.redact import Redaction
from bot.notes.render import default_filename, render

FORMATS = {"md": "text/markdown", "txt": "text/plain", "html": "text/html"}
ALIASES = {"markdown": "md", "text": "txt", "plain": "txt", "htm": "html", "": "md"}


async def session_to_export(ctx: Ctx) -> Session:
    """The open session here, else the actor's latest one here. A command typed at channel level (Slack slash
    commands carry no thread) also finds the actor's sessions in that channel's threads, open ones first."""
    conversation = ctx.conversation
    here = await ctx.uow.sessions.open_in_conversation(ctx.team_id, conversation.key)
    if here is not None:
        return here
    recent = await ctx.uow.sessions.for_engineer(ctx.team_id, ctx.user.id, list(SessionStatus), 20)
    mine = [s for s in recent if s.conversation_key == conversation.key]
    if not mine and not conversation.thread:
        mine = [
            s
            for s in recent
            if s.conversation.get("platform") == conversation.platform
            and s.conversation.get("channel") == conversation.channel
        ]
    if not mine:
        raise UserError(texts.NO_SESSION_HERE)
    session = next((s for s in mine if s.status.is_open), mine[0])
    ctx.focus(session)
    return session


async def cmd_export(ctx: Ctx, args: str) -> None:
    """Export the session here (or your last one here) as `md` (default), `txt` or `html`."""
    fmt = args.strip().lower()
    fmt = ALIASES.get(fmt, fmt)
    if fmt not in FORMATS:
        raise UserError(texts.EXPORT_FORMATS)
    session = await session_to_export(ctx)
    doc = await document_for(ctx, session)
    rendered = render(doc, fmt, redaction=await redaction_enabled(ctx))
    filename = default_filename(doc, fmt)
    ctx.whisper(texts.EXPORT_READY.format(filename=filename, redactions=Redaction("", rendered.redactions).summary()))
    download = ""
    if ctx.links is not None:
        claims = {"team": ctx.team_id, "session": session.id, "user": ctx.user.id, "fmt": fmt}
        download = ctx.links.url(DOWNLOAD_PATH, ctx.links.sign(Purpose.DOWNLOAD, claims, ctx.now + DOWNLOAD_TTL))
    ctx.replies.append(
        Attachment(
            ctx.conversation,
            filename,
            rendered.body,
            FORMATS[fmt],
            f"Export ({fmt})",
            upload=True,
            download_url=download,
        )
    )
