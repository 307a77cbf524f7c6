"""`search <words>`: flows and past resolved sessions, through the knowledge index (``bot.engine.knowledge``).

Filters anywhere in the words: ``kind:flow`` or ``kind:session`` (one kind only), ``kind:troubleshooting|procedural|
maintenance`` (flows of that kind), ``tag:<tag>`` (flows carrying the tag), ``folder:<path>`` (flows in that library
folder or below it) and ``category:<name>`` (case-insensitive; quote nothing, use ``-`` or ``_`` for spaces). Flow
filters imply ``kind:flow``; filters alone list the matching flows. A word that looks like a misspelt filter
(``tags:``, ``categroy:``) gets a message naming the filters; other words with a colon are ordinary words
(``0x80070005:``, ``C:\\``, URLs, ``event:4625``).

The retriever reads only the team's own index scope and the public flows. Each hit is checked again against the
team's records before it is shown: a session must be the team's and resolved, a flow published and visible to the
team; so a stale hit (or any other team's) never shows. Snippets are redacted (again: the index stores redacted
session text). Without a retriever, or when it fails, the team's flows are searched by keyword as before
(``bot.flows.search``) and a line says that past sessions were left out.
"""

from __future__ import annotations

import dataclasses
import difflib
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
from bot.flows.folders import in_folder, normalise_folder
from bot.flows.model import Flow, FlowKind, FlowStatus
from bot.flows.search import search as keyword_search
from bot.notes.redact import redact_or_blank

log = logging.getLogger(__name__)
LIMIT = 5
TAG_OVERFETCH = 4  # a tag filter drops hits after retrieval: ask for this many times more
SNIPPET_CHARS = 200
FLOW, SESSION = "flow", "session"
KINDS = {"flow": FLOW, "flows": FLOW, "session": SESSION, "sessions": SESSION}
FILTERS = ("kind", "tag", "folder", "category")
_FILTER = re.compile(r"^(kind|tag|folder|category):(.*)$", re.IGNORECASE)
_LOOKS_LIKE = re.compile(r"^([a-z]{3,12}):(.*)$", re.IGNORECASE)

# --- texts (house rule 11: kept together; the older search texts are in bot.engine.texts) ---
BAD_KIND = (
    "`kind:{value}` isn't a kind I know. Use `kind:flow`, `kind:session`, `kind:troubleshooting`, `kind:procedural` "
    "or `kind:maintenance`, e.g. `search kind:session vpn`."
)
BAD_TAG = "`{name}:` needs a {name}, e.g. `search tag:printer offline` or `search folder:network vpn`."
TAG_NOT_SESSIONS = "Flow filters (`tag:`, `folder:`, `category:`, a flow kind) can't be combined with `kind:session`."
UNKNOWN_FILTER = (
    "`{name}:` isn't a search filter — did you mean `{close}:`? Filters: `kind:`, `tag:`, `folder:`, `category:`."
)
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
    folder: str = ""
    category: str = ""
    flow_kinds: tuple[FlowKind, ...] = ()

    @property
    def filters_flows(self) -> bool:
        """Whether any filter narrows the flows (beyond ``kind:flow``)."""
        return bool(self.tags or self.folder or self.category or self.flow_kinds)

    def accepts(self, flow: Flow) -> bool:
        """The flow passes every flow filter."""
        return (
            tagged(flow, self.tags)
            and in_folder(flow, self.folder)
            and (not self.category or _fold_category(flow.category) == self.category)
            and (not self.flow_kinds or flow.kind in self.flow_kinds)
        )

    @property
    def shown(self) -> str:
        """The query as the engineer typed it, filters included (for headings and messages)."""
        filters = [f"kind:{k}" for k in self.kinds if len(self.kinds) == 1 and not self.filters_flows]
        filters += [f"kind:{k.value}" for k in self.flow_kinds]
        filters += [f"tag:{t}" for t in self.tags]
        filters += [f"folder:{self.folder}"] if self.folder else []
        filters += [f"category:{self.category}"] if self.category else []
        return " ".join([*filters, self.text]).strip()


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
    flow_kinds: list[FlowKind] = []
    values: dict[str, list[str]] = {"tag": [], "folder": [], "category": []}
    for token in args.split():
        found = _FILTER.match(token)
        if found is None:
            _refuse_misspelt_filter(token)
            words.append(token)
            continue
        name, value = found.group(1).lower(), found.group(2).strip().lower()
        if not value and name != "kind":
            raise UserError(BAD_TAG.format(name=name))
        if name != "kind":
            values[name].append(value)
        elif value in KINDS:
            kinds.add(KINDS[value])
        elif value in set(FlowKind):
            flow_kinds.append(FlowKind(value))
        else:
            raise UserError(BAD_KIND.format(value=value))
    folder, problem = normalise_folder(values["folder"][-1] if values["folder"] else "")
    if problem:
        raise UserError(problem)
    category = _fold_category(values["category"][-1]) if values["category"] else ""
    query = Query(" ".join(words), (), tuple(dict.fromkeys(values["tag"])), folder, category, tuple(flow_kinds))
    if query.filters_flows and kinds == {SESSION}:
        raise UserError(TAG_NOT_SESSIONS)
    wanted = (FLOW,) if query.filters_flows else tuple(k for k in (FLOW, SESSION) if k in kinds) or (FLOW, SESSION)
    return dataclasses.replace(query, kinds=wanted)


def _fold_category(text: str) -> str:
    return " ".join(text.lower().replace("_", " ").replace("-", " ").split())


def _refuse_misspelt_filter(token: str) -> None:
    """``tags:vpn`` or ``categroy:net`` is a filter mistyped, not a word: say which filters there are."""
    found = _LOOKS_LIKE.match(token)
    if found is None or found.group(2).startswith(("/", "\\")):
        return
    close = difflib.get_close_matches(found.group(1).lower(), FILTERS, n=1, cutoff=0.75)
    if close:
        raise UserError(UNKNOWN_FILTER.format(name=found.group(1), close=close[0]))


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
    if not query.text and not query.filters_flows:
        raise UserError(texts.SEARCH_EMPTY)
    flows = {f.key: f for f in await ctx.uow.flows.list(ctx.team_id) if f.status is FlowStatus.PUBLISHED}
    results, note = await _find(ctx, query, flows)
    if not results:
        raise UserError(NOTHING[query.kinds].format(query=query.shown))
    ctx.replies.append(Ephemeral(ctx.conversation, ctx.event.actor, results_view(query, results, note)))


async def _find(ctx: Ctx, query: Query, flows: Mapping[str, Flow]) -> tuple[list[Result], str]:
    if not query.text:  # filters only: the matching flows, by name
        chosen = sorted((f for f in flows.values() if query.accepts(f)), key=lambda f: f.name.lower())
        return [Result(f.name, _clean(f.description), flow=f) for f in chosen[:LIMIT]], ""
    retriever = ctx.pilot.retriever if ctx.pilot is not None else None
    if retriever is not None:
        try:
            limit = LIMIT * (TAG_OVERFETCH if query.filters_flows else 1)
            hits = await retriever.search(ctx.team_id, query.text, query.kinds, limit)
        except Exception:  # the index is a help: fall back to the flows, never fail the search
            log.exception("search through the knowledge index failed for team %s", ctx.team_id)
        else:
            return await _checked(ctx, hits, flows, query), ""
    if FLOW not in query.kinds:
        raise UserError(SESSIONS_UNAVAILABLE)
    candidates = [f for f in flows.values() if query.accepts(f)]
    found = keyword_search(candidates, query.text, limit=LIMIT)
    results = [Result(f.name, _clean(f.description), flow=f) for f, _ in found]
    return results, SESSIONS_LEFT_OUT if SESSION in query.kinds else ""


async def _checked(ctx: Ctx, hits: Sequence[Hit], flows: Mapping[str, Flow], query: Query) -> list[Result]:
    """The hits the team may see, as they are now (see the module docstring)."""
    results: list[Result] = []
    for hit in hits:
        if hit.kind == FLOW:
            flow = flows.get(hit.ref)
            if flow is None or not query.accepts(flow):
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
