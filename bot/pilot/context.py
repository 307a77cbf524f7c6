"""Render a ``Brief`` into the dynamic part of the prompt: the conversation plus a session-state block.

Layout, chosen for prompt caching: the transcript becomes alternating user/assistant messages that only ever grow,
so the prefix of one turn is the prefix of the next; the session state (which changes every turn), the request and
any attachments go after it, on the latest user message. Cache breakpoints sit on the last transcript block and on
the block before the latest pilot reply (where the previous call put its breakpoint).

Every piece of session text passes ``bot.notes.redact`` before it is placed here (fail closed: withheld, never
sent unmasked). Ticket text and past sessions are wrapped in ``<untrusted>`` blocks the model is told never to obey.
"""

from __future__ import annotations

import re
from typing import Any

from bot.engine.copilot import Brief, BriefFix, BriefItem, DocKind, Hit, StatusKind
from bot.notes.redact import redact_or_blank
from bot.pilot.attachments import blocks as attachment_blocks

Json = dict[str, Any]
CACHE: Json = {"type": "ephemeral"}
TRANSCRIPT_MAX = 60  # entries kept (oldest dropped first)
ENTRY_MAX = 6000  # characters per transcript entry
_ID = re.compile(r"[^A-Za-z0-9_.:-]")
_TAG = re.compile(r"(?i)<\s*/?\s*untrusted")
_EMPTY = "—"


def redacted(text: str) -> str:
    """``text`` with secrets and personal data masked; withheld entirely if redaction fails."""
    return redact_or_blank(text).text if text else ""


def untrusted(source: str, text: str) -> str:
    """``text`` (redacted) inside a delimited block; look-alike tags inside it are defused."""
    body = _TAG.sub(lambda m: m.group(0).replace("<", "‹"), redacted(text).strip())
    return f'<untrusted source="{source}">\n{body}\n</untrusted>'


def tier_name(confidence: float) -> str:
    """The confidence tier: discovery, exploring or guided."""
    return "discovery" if confidence < 0.4 else "exploring" if confidence < 0.8 else "guided"


def _item(item: BriefItem) -> str:
    ident = _ID.sub("", item.id)[:64]
    line = f"- [{ident}] {item.kind} ({item.status}): {redacted(item.text)}"
    if item.command:
        line += f"\n  command: {redacted(item.command)}"
    if item.answer:
        line += f"\n  answer/result: {redacted(item.answer)}"
    return line


def _fix(fix: BriefFix) -> str:
    line = f"- {'ACTIVE ' if fix.active else ''}{redacted(fix.title)} — outcome: {fix.status}"
    if fix.reason:
        line += f" ({redacted(fix.reason)})"
    return line + (f"\n  {redacted(fix.description)}" if fix.description else "")


def _hit(hit: Hit) -> str:
    snippet = f": {hit.snippet}" if hit.snippet else ""
    return f"- {hit.kind} {hit.ref} (score {hit.score:.2f}) {hit.title}{snippet}"


def _preference(value: str) -> str:
    if value == "gui":
        return "GUI walkthrough (already asked; do not ask again)"
    if value == "script":
        return "script (already asked; do not ask again)"
    return "not asked yet: ask once (GUI walkthrough or script) before proposing a fix"


def state(brief: Brief) -> str:
    """The session state as the copilot sees it now (all session text redacted)."""
    t = brief.triage
    header = [
        ("Client", t.client_name),
        ("Asset", t.asset_name),
        ("Category", t.issue_category),
        ("Problem domain", t.problem_domain),
        ("Hypothesis", t.triage_hypothesis),
    ]
    lines = [
        "# Session state (kept by the bot, current as of this request)",
        f"Problem: {redacted(brief.problem) or _EMPTY}",
        f"Title: {redacted(brief.title or t.title) or _EMPTY}",
        f"Turn {brief.turn} · confidence {brief.confidence:.2f} ({tier_name(brief.confidence)})"
        f" · failed fixes {brief.failed_fixes}",
        f"Preference: {_preference(brief.preference)}",
        "",
        "## Triage header",
        *[f"- {label}: {redacted(value) or _EMPTY}" for label, value in header],
        *[f"- Evidence: {redacted(e)}" for e in t.evidence_items],
        "",
        "## What we know",
        *([f"- {redacted(f)}" for f in brief.facts] or ["- nothing confirmed yet"]),
        "",
        "## Task lane (questions and checks, by id)",
        *([_item(i) for i in brief.lane] or ["- empty"]),
        "",
        "## Suggested fixes",
        *([_fix(f) for f in brief.fixes] or ["- none yet"]),
    ]
    if brief.flow_context:
        lines += ["", "## Guided flow", redacted(brief.flow_context)]
    if brief.similar:
        lines += ["", "## Similar past work", untrusted("similar", "\n".join(_hit(h) for h in brief.similar))]
    if brief.ticket:
        lines += ["", "## Linked ticket", untrusted("ticket", brief.ticket)]
    return "\n".join(lines)


def _transcript(brief: Brief) -> list[Json]:
    messages: list[Json] = []
    for speaker, said in brief.transcript[-TRANSCRIPT_MAX:]:
        body = redacted(said.strip())[:ENTRY_MAX]  # redact first: a cut must never split a secret
        if not body:
            continue
        role = "assistant" if speaker == "pilot" else "user"
        if role == "user" and speaker != "engineer":
            body = f"[{_ID.sub('', speaker)[:20]}] {body}"
        block = {"type": "text", "text": body}
        if messages and messages[-1]["role"] == role:
            messages[-1]["content"].append(block)
        else:
            messages.append({"role": role, "content": [block]})
    if messages and messages[0]["role"] == "assistant":
        opening = {"type": "text", "text": f"I started a session: {redacted(brief.problem) or _EMPTY}"}
        messages.insert(0, {"role": "user", "content": [opening]})
    return messages


def _mark_prefix(messages: list[Json]) -> None:
    """Breakpoints on the last transcript block and on the block just before the latest pilot reply."""
    flat = [block for m in messages for block in m["content"]]
    roles = [m["role"] for m in messages for _ in m["content"]]
    if not flat:
        return
    marks = {len(flat) - 1}
    last_reply = max((i for i, role in enumerate(roles) if role == "assistant"), default=-1)
    if last_reply > 0:
        marks.add(last_reply - 1)
    for index in marks:
        flat[index]["cache_control"] = dict(CACHE)


def conversation(brief: Brief, request: str, *, attach: bool = False) -> list[Json]:
    """The messages of one call: the transcript, then the session state and ``request`` (and, with ``attach``,
    the brief's attachments) on the latest user message."""
    messages = _transcript(brief)
    _mark_prefix(messages)
    tail: list[Json] = [{"type": "text", "text": state(brief)}, {"type": "text", "text": request}]
    if attach:
        tail += attachment_blocks(brief.attachments)
    if messages and messages[-1]["role"] == "user":
        messages[-1]["content"].extend(tail)
    else:
        messages.append({"role": "user", "content": tail})
    return messages


TURN_REQUEST = (
    "Reply to the engineer's latest message (or, if there is none, continue from the session state): write the"
    " reply as text, then call record_turn once."
)


def fact_request(item: BriefItem) -> str:
    """Ask for a fact drafted from one answered question or completed check."""
    return 'Draft a fact for "What we know" from this task-lane item, then call record_fact:\n' + _item(item)


def document_request(kind: DocKind) -> str:
    """Ask for the resolution note or the escalation package."""
    name = "resolution note" if kind is DocKind.RESOLUTION else "escalation package"
    return f"Write the {name} for this session and call record_document."


def status_request(kind: StatusKind, detailed: bool) -> str:
    """Ask for a status update of ``kind``, quick or detailed."""
    return f"Write a {'detailed' if detailed else 'quick'} status update of kind {kind.value}."


def flow_request(description: str) -> list[Json]:
    """The messages asking for a flow draft from the engineer's description (redacted)."""
    text = f"Draft a flow for this description, then call record_flow:\n{redacted(description)}"
    return [{"role": "user", "content": [{"type": "text", "text": text}]}]
