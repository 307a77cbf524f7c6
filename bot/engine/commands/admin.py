"""`admin …` — team administration from chat. Team admins (and super admins) only.

`admin psa` opens the PSA connection form (the keys are sealed by the intake before anything is stored);
`admin psa check` tries the current connection; `admin psa disconnect` forgets it.
"""

from __future__ import annotations

from bot.engine import texts
from bot.engine.commands.members import members_command
from bot.engine.context import Ctx, UserError
from bot.engine.events import FormId
from bot.engine.model import Role, Session
from bot.engine.psa import CheckResult, PsaCredentials, PsaError
from bot.engine.replies import Context, Input, OpenForm, Text
from bot.flows.model import Flow

ADMINS = (Role.TEAM_ADMIN, Role.SUPER_ADMIN)
FIELDS = ("site_url", "company_id", "public_key", "private_key", "client_id")


def require_admin(ctx: Ctx) -> None:
    """Refuse anyone below team admin."""
    if ctx.user.role not in ADMINS:
        raise UserError(texts.ADMIN_ONLY.format(role=ctx.user.role.value.replace("_", " ")))


def _check_lines(results: list[CheckResult]) -> str:
    return "\n".join(f"{'✅' if r.ok else '❌'} {r.what}" + (f" — {r.detail}" if r.detail else "") for r in results)


async def cmd_admin(ctx: Ctx, args: str) -> None:
    """Team administration: `admin psa` (connect the PSA, `check`, `disconnect`) and `admin members`."""
    require_admin(ctx)
    words = args.lower().split()
    if not words or words[0] not in ("psa", "members"):
        raise UserError(texts.ADMIN_USAGE)
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
    message = texts.PSA_CONNECTED if ok else texts.PSA_NOT_STORED
    ctx.whisper(message.format(company=credentials.company_id), Text(_check_lines(results)))
