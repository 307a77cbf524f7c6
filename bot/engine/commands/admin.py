"""`admin …` — team administration from chat. Team admins (and super admins) only.

`admin psa` opens the PSA connection form (the keys are sealed by the intake before anything is stored);
`admin psa check` tries the current connection; `admin psa disconnect` forgets it. `admin escalation-channel`
names the channel where escalations are announced with their Claim button (``bot.engine.escalation.channels``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.engine import texts
from bot.engine.audit import AuditAction
from bot.engine.commands.admin_audit import show_audit
from bot.engine.commands.admin_settings import settings_command
from bot.engine.commands.admin_teams import teams_command
from bot.engine.commands.admin_users import users_command
from bot.engine.commands.members import members_command
from bot.engine.context import Ctx, UserError
from bot.engine.escalation import channels
from bot.engine.escalation import texts as esc_texts
from bot.engine.events import FormId
from bot.engine.model import Role, Session
from bot.engine.psa import CheckResult, PsaCredentials, PsaError
from bot.engine.replies import Context, Input, OpenForm, Text
from bot.flows.model import Flow

FIELDS = ("site_url", "company_id", "public_key", "private_key", "client_id")


def require_admin(ctx: Ctx) -> None:
    """Refuse anyone below team admin."""
    ctx.require_role(Role.TEAM_ADMIN)


SubCommand = Callable[[Ctx, str], Awaitable[None]]
SUBCOMMANDS: dict[str, SubCommand] = {
    "teams": lambda ctx, rest: teams_command(ctx, rest.split()),
    "users": lambda ctx, rest: users_command(ctx, rest.split()),
    "audit": lambda ctx, rest: show_audit(ctx, rest.split()),
    "escalation-channel": lambda ctx, rest: escalation_channel(ctx, rest.split()),
    "settings": settings_command,
}
"""Sub-commands with a handler of their own (given the text after the sub-command); ``psa`` and ``members`` are
handled below. ``bot.handlers.commands.ADMIN_SUBCOMMANDS`` must name all of them (a test checks)."""


def _check_lines(results: list[CheckResult]) -> str:
    return "\n".join(f"{'✅' if r.ok else '❌'} {r.what}" + (f" — {r.detail}" if r.detail else "") for r in results)


async def cmd_admin(ctx: Ctx, args: str) -> None:
    """Team administration: `admin psa` (connect the PSA, `check`, `disconnect`), `admin members`, `admin users`,
    `admin settings` (show, `set <key> <value>`, `reset <key>`), `admin audit`, `admin escalation-channel
    here|#channel|off` and `admin teams` (super admins)."""
    require_admin(ctx)
    words = args.lower().split()
    first, _, rest = args.strip().partition(" ")
    handler = SUBCOMMANDS.get(first.lower())
    if handler is not None:
        await handler(ctx, rest.strip())
        return
    if not words or words[0] not in ("psa", "members"):
        raise UserError(f"{texts.ADMIN_USAGE} {esc_texts.CHANNEL_USAGE}")
    if ctx.psa is None:
        raise UserError(texts.PSA_NOT_AVAILABLE)
    if words[0] == "members":
        await members_command(ctx, ctx.psa, args.split()[1:])
        return
    action = words[1] if len(words) > 1 else "connect"
    if action == "check":
        client = await ctx.psa.for_team(ctx.team_id)
        if client is None:
            raise UserError(texts.PSA_NOT_CONNECTED)
        try:
            ctx.whisper(_check_lines(await client.check()))
        except PsaError as err:
            raise UserError(err.message) from None
    elif action == "disconnect":
        gone = await ctx.psa.disconnect(ctx.team_id)
        if gone:
            await ctx.audit(AuditAction.PSA_DISCONNECTED, "ConnectWise")
        ctx.whisper(texts.PSA_DISCONNECTED if gone else texts.PSA_NOT_CONNECTED)
    elif action == "connect":
        if not ctx.psa.can_store():
            raise UserError(texts.PSA_CANNOT_STORE)
        current = await ctx.psa.describe(ctx.team_id)
        ctx.replies.append(
            OpenForm(
                ctx.conversation,
                ctx.event.actor,
                FormId.PSA_CONNECT,
                "Connect ConnectWise",
                "",
                0,
                (
                    Input("site_url", "Site URL", placeholder="https://na.myconnectwise.net"),
                    Input("company_id", "Company id", placeholder="the company you log in with"),
                    Input("public_key", "Public key"),
                    Input("private_key", "Private key"),
                    Input("client_id", "Client id", placeholder="from developer.connectwise.com"),
                ),
                intro=(Text(texts.PSA_FORM_INTRO), Context(f"Now: {current}")),
                submit_label="Check & connect",
            )
        )
    else:
        raise UserError(texts.ADMIN_USAGE)


async def escalation_channel(ctx: Ctx, words: list[str]) -> None:
    """`admin escalation-channel [here | #channel | off]`: where this platform announces escalations."""
    platform, settings = ctx.conversation.platform, ctx.uow.settings
    choice = words[0] if words else ""
    if choice.lower() == "off":
        await channels.set_channel(settings, ctx.team_id, platform, None)
        await ctx.audit(AuditAction.ESCALATION_CHANNEL, platform, channel="off")
        ctx.whisper(esc_texts.CHANNEL_OFF)
        return
    named = channels.parse_channel(choice) if choice else None
    if named is not None:
        entry = channels.stored(ctx.conversation, named[0], named[1])
    elif choice.lower() == "here":
        if not ctx.conversation.channel:
            raise UserError(esc_texts.CHANNEL_NOT_HERE)
        entry = channels.stored(ctx.conversation)
    else:
        label = await channels.label_for(settings, ctx.team_id, platform)
        now = esc_texts.CHANNEL_NOW.format(where=label) if label else esc_texts.CHANNEL_NONE
        ctx.whisper(now, Context(esc_texts.CHANNEL_USAGE))
        return
    await channels.set_channel(settings, ctx.team_id, platform, entry)
    await ctx.audit(AuditAction.ESCALATION_CHANNEL, platform, channel=str(entry[channels.LABEL]))
    ctx.whisper(esc_texts.CHANNEL_SET.format(where=entry[channels.LABEL]))


async def on_psa_form(ctx: Ctx, session: Session | None, flow: Flow | None, values: dict[str, str]) -> None:
    """The connection form: check the connection and store it only if it works."""
    require_admin(ctx)
    if ctx.psa is None:
        raise UserError(texts.PSA_NOT_AVAILABLE)
    missing = [name for name in FIELDS if not values.get(name, "").strip()]
    if missing:
        raise UserError(texts.PSA_FORM_MISSING.format(names=", ".join(missing)))
    credentials = PsaCredentials(
        "connectwise",
        values["site_url"].strip(),
        values["company_id"].strip(),
        values["public_key"].strip(),
        values["private_key"].strip(),
        values["client_id"].strip(),
    )
    try:
        results = await ctx.psa.connect(ctx.team_id, credentials)
    except PsaError as err:
        raise UserError(err.message) from None
    ok = bool(results) and all(r.ok for r in results)
    if ok:
        await ctx.audit(
            AuditAction.PSA_CONNECTED, "ConnectWise", site=credentials.site_url, company=credentials.company_id
        )
    message = texts.PSA_CONNECTED if ok else texts.PSA_NOT_STORED
    ctx.whisper(message.format(company=credentials.company_id), Text(_check_lines(results)))
