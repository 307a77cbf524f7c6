"""`admin audit [N] [action]` — the team's audit log, newest first (team admins; ``bot.engine.audit``)."""

from __future__ import annotations

from bot.engine.audit import AuditAction, AuditEntry
from bot.engine.context import Ctx, UserError
from bot.engine.replies import Context, Text

DEFAULT_SHOWN, MAX_SHOWN = 20, 100
USAGE = (
    "Usage: `admin audit [how many] [action]` — e.g. `admin audit 50 psa` for the last 50 ConnectWise writes. "
    "Actions start with: " + ", ".join(sorted({a.value.split(".")[0] for a in AuditAction})) + "."
)
EMPTY = "Nothing in the audit log{what} yet."


def parse_audit_args(words: list[str]) -> tuple[int, str]:
    """``["50", "psa"]`` -> ``(50, "psa")``; a count outside 1..100 or more than two words is refused."""
    count, action = DEFAULT_SHOWN, ""
    for word in words:
        if word.isdigit():
            count = int(word)
            if not 1 <= count <= MAX_SHOWN:
                raise UserError(f"Show between 1 and {MAX_SHOWN} entries. {USAGE}")
        elif not action:
            action = word.lower()
        else:
            raise UserError(USAGE)
    return count, action


def audit_line(item: AuditEntry) -> str:
    """One entry as a line: when (UTC), who, what, to what, and the detail that says most."""
    when = item.at.strftime("%Y-%m-%d %H:%M")
    extra = [
        str(item.detail[k]) for k in ("what", "result", "channel", "member", "setting", "value") if item.detail.get(k)
    ]
    tail = f" — {' · '.join(extra)}" if extra else ""
    target = f" · {item.target}" if item.target else ""
    return f"`{when}` *{item.actor_name}* · `{item.action}`{target}{tail}"


async def show_audit(ctx: Ctx, words: list[str]) -> None:
    """Whisper the newest entries (the caller checked the role)."""
    count, action = parse_audit_args(words)
    entries = await ctx.uow.audit.recent(ctx.team_id, count, action)
    if not entries:
        ctx.whisper(EMPTY.format(what=f" for `{action}`" if action else ""))
        return
    header = f"Audit log — the last {len(entries)} entries" + (f" for `{action}`" if action else "") + " (UTC):"
    ctx.whisper(header, Text("\n".join(audit_line(e) for e in entries)), Context(USAGE))
