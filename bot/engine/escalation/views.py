"""Neutral views of an escalation: the notice with **Claim** (the escalation channel, the target's DM, the session's
thread), the notice once claimed, the claimer's three choices, and the statistics. Platforms render these.

Claim and choice buttons address the escalation by id (their value), so they stay valid however the session moves
on; the handlers check the escalation itself.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.engine.escalation import texts as t
from bot.engine.escalation.records import ClaimChoice, Escalation
from bot.engine.escalation.stats import Summary, duration
from bot.engine.events import ActionId, Actor
from bot.engine.model import Session
from bot.engine.replies import Block, Button, Buttons, Context, Fields, Header, Mention, Style, Text, View
from bot.engine.shown import shown
from bot.engine.views import hhmm

FALLBACK = 150


def notice_ref(escalation: Escalation) -> str:
    """The message ref of the notice in the escalation channel."""
    return f"esc:{escalation.id}"


def thread_ref(escalation: Escalation) -> str:
    """The message ref of the announcement in the session's thread."""
    return f"{escalation.session_id}:esc:{escalation.id}"


def title_of(session: Session) -> str:
    """What the session is about, in a few words."""
    return shown(session.title or session.problem_summary or "a session")[:120]


def ticket_words(session: Session) -> str:
    """`` (ticket #12345)`` or nothing."""
    return f" (ticket #{session.ticket.number})" if session.ticket else ""


def claim_button(escalation: Escalation, session: Session) -> Button:
    """**Claim**, addressed by escalation id."""
    return Button(t.CLAIM_BUTTON, ActionId.CLAIM, session.id, session.state_version, escalation.id, Style.PRIMARY)


def _facts(escalation: Escalation, session: Session) -> Fields:
    items = [
        ("Ticket", f"#{session.ticket.number}" if session.ticket else "none linked"),
        ("Engineer", escalation.escalated_by_name),
        ("Escalated to", escalation.target_name or "the team's queue"),
    ]
    if session.ticket and session.ticket.company:
        items.append(("Client", shown(session.ticket.company)))
    if escalation.reason:
        items.append(("Reason", shown(escalation.reason)))
    if session.problem_summary and session.problem_summary != session.title:
        items.append(("Problem", shown(session.problem_summary)[:500]))
    return Fields(tuple(items))


def notice_view(
    escalation: Escalation, session: Session, *, mention: Actor | None = None, extra: Sequence[str] = ()
) -> View:
    """The notice in the escalation channel: what, who, why, and **Claim** while unclaimed (the claimed line after).
    ``mention`` @mentions the named target; ``extra`` adds small lines (the package, a reminder)."""
    title = title_of(session)
    blocks: list[Block] = [Header(t.NOTIFY_HEADER.format(title=title)[:150])]
    if mention is not None and not escalation.claimed:
        who = f"{escalation.escalated_by_name} {t.NOTIFY_FOR_YOU}"
        blocks.append(Mention(who, (mention,)))
    blocks.append(_facts(escalation, session))
    blocks.extend(Context(line) for line in extra if line)
    if escalation.claimed and escalation.claimed_at is not None:
        claimed = t.CLAIMED_LINE.format(who=escalation.claimed_by_name, time=hhmm(escalation.claimed_at))
        blocks.append(Context(claimed))
    else:
        blocks.append(Context(t.NOTIFY_HINT))
        blocks.append(Buttons((claim_button(escalation, session),)))
    fallback = f"{escalation.escalated_by_name} escalated: {title}"
    return View(tuple(blocks), fallback[:FALLBACK])


def direct_view(escalation: Escalation, session: Session, line: str) -> View:
    """A direct message about the escalation (to the target, a widened reminder): ``line`` and **Claim**."""
    blocks: list[Block] = [Text(line), _facts(escalation, session)]
    if not escalation.claimed:
        blocks.append(Buttons((claim_button(escalation, session),)))
    return View(tuple(blocks), line[:FALLBACK])


def thread_view(escalation: Escalation, session: Session, lines: Sequence[str] = ()) -> View:
    """The announcement in the session's thread, with **Claim** while unclaimed (anyone reading the thread may
    claim it, even when no escalation channel is set)."""
    to = t.TO_TARGET.format(target=escalation.target_name) if escalation.target_name else ""
    reason = t.REASON_LINE.format(reason=shown(escalation.reason)) if escalation.reason else ""
    head = t.ESCALATED_THREAD.format(who=escalation.escalated_by_name, to=to, reason=reason)
    blocks: list[Block] = [Text(head), *(Context(line) for line in lines if line)]
    if escalation.claimed and escalation.claimed_at is not None:
        blocks.append(Context(t.CLAIMED_LINE.format(who=escalation.claimed_by_name, time=hhmm(escalation.claimed_at))))
    else:
        blocks.append(Buttons((claim_button(escalation, session),)))
    return View(tuple(blocks), head.split("\n")[0][:FALLBACK])


def choice_value(escalation: Escalation, choice: ClaimChoice) -> str:
    """A choice button's value: ``<escalation id>:<choice>``."""
    return f"{escalation.id}:{choice.value}"


def parse_choice(value: str) -> tuple[str, ClaimChoice] | None:
    """Inverse of ``choice_value``; None for anything else (a forged or outdated value)."""
    escalation_id, sep, choice = value.rpartition(":")
    if not sep or not escalation_id or choice not in {c.value for c in ClaimChoice}:
        return None
    return escalation_id, ClaimChoice(choice)


def choices_view(escalation: Escalation, session: Session) -> View:
    """The claimer's three ways to pick the session up."""
    text = t.CHOOSE.format(title=title_of(session))

    def button(choice: ClaimChoice, style: Style = Style.DEFAULT) -> Button:
        label = t.CHOICE_LABELS[choice.value].format(engineer=escalation.escalated_by_name)
        return Button(
            label[:75],
            ActionId.CLAIM_CHOICE,
            session.id,
            session.state_version,
            choice_value(escalation, choice),
            style,
        )

    buttons = (button(ClaimChoice.CONTINUE, Style.PRIMARY), button(ClaimChoice.ANALYSIS), button(ClaimChoice.TAKEOVER))
    return View((Text(text), Buttons(buttons)), text[:FALLBACK])


def briefing_view(who: str, sections: Sequence[tuple[str, str]], assessment: Sequence[Block] = ()) -> View:
    """The structured briefing "Get AI analysis" posts in the thread: the package's sections and, when FlowPilot
    wrote it, its assessment."""
    header = t.ANALYSIS_HEADER.format(who=who)
    blocks: list[Block] = [Header(header)]
    blocks.extend(Text(f"*{heading}*\n{shown(body.strip()) or '—'}") for heading, body in sections)
    blocks.extend(assessment)
    return View(tuple(blocks), header)


def package_view(sections: Sequence[tuple[str, str]], line: str = "") -> View:
    """The structured escalation package, shown in the thread when it is escalated (masked like every shared card;
    the ticket note is redacted per the team's setting)."""
    blocks: list[Block] = [Header(t.PACKAGE_HEADER)]
    blocks.extend(Text(f"*{heading}*\n{shown(body.strip()) or '—'}") for heading, body in sections)
    if line:
        blocks.append(Context(line))
    return View(tuple(blocks), t.PACKAGE_HEADER)


def stats_view(days: int, total: int, claimed: int, to_action: Summary | None, to_claim: Summary | None) -> View:
    """The team's escalation statistics."""
    title = t.STATS_TITLE.format(days=days)
    if not total:
        text = t.STATS_NONE.format(days=days)
        return View((Header(title), Text(text)), text)
    lines = [t.STATS_COUNTS.format(total=total, claimed=claimed, waiting=total - claimed)]
    for template, summary in ((t.STATS_FIRST_ACTION, to_action), (t.STATS_TO_CLAIM, to_claim)):
        if summary is not None:
            lines.append(
                template.format(
                    n=summary.count,
                    avg=duration(summary.average),
                    median=duration(summary.median),
                    p95=duration(summary.p95),
                )
            )
    if to_action is None:
        lines.append(t.STATS_NO_ACTION)
    return View((Header(title), Text("\n".join(lines)), Context(t.STATS_HINT)), lines[0])
