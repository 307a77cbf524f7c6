"""What the ``share`` command says (one place for its wording)."""

from __future__ import annotations

USAGE = (
    "Usage: `share` (a link to this session for you, inside your team), `share public [24h|7d|90d]` (a redacted "
    "link anyone can open; 7 days unless you say), `share list`, `share revoke ID|all`."
)
NOT_SERVED = "Share links open pages served by `rfbot serve`, which this bot is not running here. Use `export` instead."
TEAM_LINK = (
    "Your link to this session (for you only; open it within 15 minutes, then the page stays readable in that "
    "browser for 8 hours unless the link is revoked): {url}"
)
TEAM_LINK_CONTEXT = "Link `{id}` · `share list` shows the session's links · `share revoke {id}` turns it off"
PUBLIC_LINK = (
    "Public link `{id}`: anyone who has it can read this session, redacted, until {expires} UTC. It is shown only "
    "this once (only a fingerprint of it is stored).\n{url}"
)
PUBLIC_LINK_CONTEXT = "`share revoke {id}` turns it off · `share list` shows who opened the session's links"
PUBLIC_OFF = (
    "Public links are turned off for this team (team setting `public_share_links`). `share` gives you a link that "
    "only works for you, inside the team."
)
BAD_DURATION = (
    "`{text}` is not a duration I understand. Use a number and a unit — m, h, d or w — such as `24h`, `7d` or `2w`."
)
TOO_LONG = "Public links last at most 90 days; `{text}` is longer."
TOO_SHORT = "Public links last at least 10 minutes; `{text}` is shorter."
NO_LINKS = "This session has no share links yet. `share` makes one for you; `share public` one for anyone."
LIST_HEADER = "Share links of this session"
LIST_LINE = "`{id}` {scope} by {maker}, made {created} — {state} — {views}"
NEVER_VIEWED = "not opened yet"
VIEWED = "opened {count}x, last {last}"
STATE_LIVE = "until {expires}"
STATE_EXPIRED = "expired {expires}"
STATE_REVOKED = "revoked {at}"
REVOKE_WHICH = "Which link? `share revoke ID` (the ids are in `share list`) or `share revoke all`."
UNKNOWN_LINK = "This session has no share link `{id}`. `share list` shows its links."
AMBIGUOUS_LINK = "More than one link of this session starts with `{id}`; type more of its id."
NOT_YOURS = "Only {maker}, who made link `{id}`, or a team admin can revoke it."
REVOKED = "Link `{id}` revoked: it no longer opens (pages already open in a browser stop at their next load)."
ALREADY_REVOKED = "Link `{id}` was already revoked."
REVOKED_ALL = "{count} link(s) of this session revoked."
REVOKED_MINE = "{count} of your link(s) revoked; {others} made by others stay (team admins can revoke those)."
NOTHING_TO_REVOKE = "This session has no live links to revoke."
