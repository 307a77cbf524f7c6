"""`search <words>`: flows and past resolved sessions, through the knowledge index (``bot.engine.knowledge``).

Filters anywhere in the words: ``kind:flow`` or ``kind:session`` (one kind only), ``tag:<tag>`` (flows carrying the
tag; tags are the flows', so it implies ``kind:flow``). ``tag:`` alone lists the tagged flows. Other words with a
colon are ordinary words (``0x80070005:``, ``C:\\``, URLs).

The retriever reads only the team's own index scope and the public flows. Each hit is checked again against the
team's records before it is shown: a session must be the team's and resolved, a flow published and visible to the
team; so a stale hit (or any other team's) never shows. Snippets are redacted (again: the index stores redacted
session text). Without a retriever, or when it fails, the team's flows are searched by keyword as before
(``bot.flows.search``) and a line says that past sessions were left out.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bot.engine import texts
from bot.engine.context import Ctx, UserError
from bot.engine.copilot import Hit
from bot.engine.events import ActionId
from bot.engine.model import Session, SessionStatus
from bot.engine.replies import Block, Button, Buttons, Context, Ephemeral, Header, Text, View
from bot.flows.model import Flow, FlowStatus
from bot.flows.search import search as keyword_search
from bot.notes.redact import redact_or_blank

log = logging.getLogger(__name__)
LIMIT = 5
TAG_OVERFETCH = 4  # a tag filter drops hits after retrieval: ask for this many times more
SNIPPET_CHARS = 200
FLOW, SESSION = "flow", "session"
KINDS = {"flow": FLOW, "flows": FLOW, "session": SESSION, "sessions": SESSION}
_FILTER = re.compile(r"^(kind|tag):(.*)$", re.IGNORECASE)

# --- texts (house rule 11: kept together; the older search texts are in bot.engine.texts) ---
BAD_KIND = "`kind:{value}` isn't a kind I know. Use `kind:flow` or `kind:session`, e.g. `search kind:session vpn`."
BAD_TAG = "`tag:` needs a tag, e.g. `search tag:printer offline`."
TAG_NOT_SESSIONS = "`tag:` filters flows (sessions have no tags), so it can't be combined with `kind:session`."
NOTHING = {
    (FLOW, SESSION): "No flow or past session matches “{query}”. Try other words, or `list` the flows.",
    (FLOW,): "No flow matches “{query}”. Try other words, or `list` the flows.",
    (SESSION,): "No past session matches “{query}”. Try other words.",
}
SESSIONS_LEFT_OUT = "Past sessions can't be searched right now, so these are flows only."
SESSIONS_UNAVAILABLE = "Past sessions can't be searched right now. Try again in a minute."
START_HINT = "Start it: `start {key}`"
RESOLVED_ON = "resolved {date}"


@dataclass(frozen=True, slots=True)
class Query:
    """A parsed search: the words, the kinds wanted, and tags every flow must carry."""

    text: str
    kinds: tuple[str, ...] = (FLOW, SESSION)
    tags: tuple[str, ...] = ()

    @property
    def shown(self) -> str:
        """The query as the engineer typed it, filters included (for headings and messages)."""
        filters = [f"kind:{k}" for k in self.kinds if len(self.kinds) == 1 and not self.tags]
        return " ".join([*filters, *(f"tag:{t}" for t in self.tags), self.text]).strip()


@dataclass(frozen=True, slots=True)
class Result:
    """One checked hit: a flow (``flow``) or a resolved session of the team (``session``)."""

    title: str
    snippet: str
    flow: Flow | None = None
    session: Session | None = None


def parse(args: str) -> Query:
    """Split the filters out of the words; raises ``UserError`` for a filter that can't be used."""
    words: list[str] = []
    kinds: set[str] = set()
    tags: list[str] = []
    for token in args.split():
        found = _FILTER.match(token)
        if found is None:
            words.append(token)
            continue
        name, value = found.group(1).lower(), found.group(2).strip().lower()
        if name == "kind":
            if value not in KINDS:
                raise UserError(BAD_KIND.format(value=value))
            kinds.add(KINDS[value])
        elif value:
            tags.append(value)
        else:
            raise UserError(BAD_TAG)
    if tags and kinds == {SESSION}:
        raise UserError(TAG_NOT_SESSIONS)
    wanted = (FLOW,) if tags else tuple(k for k in (FLOW, SESSION) if k in kinds) or (FLOW, SESSION)
    return Query(" ".join(words), wanted, tuple(dict.fromkeys(tags)))


def tagged(flow: Flow, tags: Sequence[str]) -> bool:
    """The flow carries every one of ``tags`` (case-insensitive)."""
    own = {t.lower() for t in flow.tags}
    return all(t in own for t in tags)


def _clean(text: str, limit: int = SNIPPET_CHARS) -> str:
    flat = " ".join(redact_or_blank(text).text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


async def cmd_search(ctx: Ctx, args: str) -> None:
    """Find flows and past sessions: `search outlook not syncing` (filters: `kind:flow`, `kind:session`, `tag:<tag>`)

    Results are the team's flows and the public ones, and the team's resolved sessions, best first."""
    query = parse(args)
    if not query.text and not query.tags:
        raise UserError(texts.SEARCH_EMPTY)
    flows = {f.key: f for f in await ctx.uow.flows.list(ctx.team_id) if f.status is FlowStatus.PUBLISHED}
    results, note = await _find(ctx, query, flows)
    if not results:
        raise UserError(NOTHING[query.kinds].format(query=query.shown))
    ctx.replies.append(Ephemeral(ctx.conversation, ctx.event.actor, results_view(query, results, note)))


async def _find(ctx: Ctx, query: Query, flows: Mapping[str, Flow]) -> tuple[list[Result], str]:
    if not query.text:  # tags only: the tagged flows, by name
        chosen = sorted((f for f in flows.values() if tagged(f, query.tags)), key=lambda f: f.name.lower())
        return [Result(f.name, _clean(f.description), flow=f) for f in chosen[:LIMIT]], ""
    retriever = ctx.pilot.retriever if ctx.pilot is not None else None
    if retriever is not None:
        try:
            limit = LIMIT * (TAG_OVERFETCH if query.tags else 1)
            hits = await retriever.search(ctx.team_id, query.text, query.kinds, limit)
        except Exception:  # the index is a help: fall back to the flows, never fail the search
            log.exception("search through the knowledge index failed for team %s", ctx.team_id)
        else:
            return await _checked(ctx, hits, flows, query), ""
    if FLOW not in query.kinds:
        raise UserError(SESSIONS_UNAVAILABLE)
    candidates = [f for f in flows.values() if tagged(f, query.tags)]
    found = keyword_search(candidates, query.text, limit=LIMIT)
    results = [Result(f.name, _clean(f.description), flow=f) for f, _ in found]
    return results, SESSIONS_LEFT_OUT if SESSION in query.kinds else ""


async def _checked(ctx: Ctx, hits: Sequence[Hit], flows: Mapping[str, Flow], query: Query) -> list[Result]:
    """The hits the team may see, as they are now (see the module docstring)."""
    results: list[Result] = []
    for hit in hits:
        if hit.kind == FLOW:
            flow = flows.get(hit.ref)
            if flow is None or not tagged(flow, query.tags):
                continue
            results.append(Result(flow.name, _clean(hit.snippet), flow=flow))
        elif hit.kind == SESSION:
            session = await ctx.uow.sessions.get(ctx.team_id, hit.ref)
            if session is None or session.status is not SessionStatus.RESOLVED:
                continue
            results.append(Result(_clean(hit.title, 150), _clean(hit.snippet), session=session))
        if len(results) >= LIMIT:
            break
    return results


def _line(result: Result) -> str:
    if result.flow is not None:
        flow = result.flow
        tags = f" · {', '.join(flow.tags)}" if flow.tags else ""
        head = f"📘 *{result.title}* · flow `{flow.key}`{tags}"
        return "\n".join(x for x in (head, result.snippet, START_HINT.format(key=flow.key)) if x)
    assert result.session is not None
    session = result.session
    facts = ["past session"]
    if session.ticket is not None:
        facts.append(f"ticket #{session.ticket.number}")
    facts.append(RESOLVED_ON.format(date=f"{session.ended_at or session.updated_at:%Y-%m-%d}"))
    head = f"🗂️ *{result.title}* · " + " · ".join(facts)
    return "\n".join(x for x in (head, result.snippet) if x)


def results_view(query: Query, results: Sequence[Result], note: str = "") -> View:
    """The results, best first, with a Start button per flow (platform-neutral blocks)."""
    blocks: list[Block] = [Header(f"Search: “{query.shown}”"[:150])]
    blocks.extend(Text(_line(r)) for r in results)
    starts = tuple(
        Button(f"Start {r.flow.key}", ActionId.START_FLOW, "", 0, r.flow.key) for r in results if r.flow is not None
    )
    if starts:
        blocks.append(Buttons(starts))
    if note:
        blocks.append(Context(note))
    kinds = {FLOW: "flows", SESSION: "past sessions"}
    found = " and ".join(kinds[k] for k in query.kinds)
    return View(tuple(blocks), f"{len(results)} {found} found for “{query.shown}”")
