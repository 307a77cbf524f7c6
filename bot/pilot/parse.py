"""Validate what the model sent to an output tool, in code, and turn it into the engine's types.

Nothing the model returns is trusted: types are checked, enums enforced, strings clipped, lists cut to size,
confidence clamped, unknown keys ignored, password-type script parameters marked secret with their value dropped,
and leaked markers or raw JSON stripped from prose. Problems that make the answer unusable raise ``ParseError``
with a short description the model can act on (``bot.pilot.claude`` sends it back for one repair attempt).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from bot.engine.copilot import (
    ActionType,
    DocKind,
    FixProposal,
    ForkOption,
    LaneCheck,
    LaneQuestion,
    OutcomeProposal,
    PilotDocument,
    PilotTurn,
    ScriptParam,
    TriageUpdate,
    TurnKind,
)
from bot.engine.model import FixStatus
from bot.flows.errors import FlowLoadError
from bot.flows.loader import parse_flow_text
from bot.flows.validator import validate_flow
from bot.pilot import schema as s
from bot.pilot import values as v
from bot.pilot.clean import clean_message
from bot.pilot.values import ParseError

__all__ = ["ParseError", "clean_message", "document", "fact", "flow_yaml", "turn"]

_SECRET_NAME = re.compile(r"(?i)pass(word|wd|phrase)?|pwd|secret|api.?key|token|credential|pin\b")
_LANGUAGE = re.compile(r"[^a-z0-9#+-]")
_FENCED = re.compile(r"\A\s*```[a-zA-Z]*\n(.*?)\n?```\s*\Z", re.DOTALL)
_NO_FACT = frozenset({"", "none", "n/a", "na", "no fact", "nothing", "-"})


def _question(value: Any, field: str) -> LaneQuestion | None:
    item = {"text": value} if isinstance(value, str) else v.mapping(value, field) or {}
    question = v.text(item.get("text") or item.get("question"), s.TEXT_MAX, f"{field}.text")
    if not question:
        return None
    labels = [o.get("label") if isinstance(o, Mapping) else o for o in v.items(item.get("options"), f"{field}.options")]
    options = v.strings(labels, s.OPTION_MAX, 4, f"{field}.options")
    skip = item.get("allow_skip")
    return LaneQuestion(question, options if len(options) >= 2 else (), skip if isinstance(skip, bool) else True)


def _check(value: Any, field: str) -> LaneCheck | None:
    item = {"label": value} if isinstance(value, str) else v.mapping(value, field) or {}
    description = v.text(item.get("description"), s.DESCRIPTION_MAX, f"{field}.description")
    label = v.text(item.get("label") or item.get("title"), s.TEXT_MAX, f"{field}.label")
    label = label or v.clip(description, s.TEXT_MAX)
    if not label:
        return None
    try:
        action = ActionType(str(item.get("action_type", "")).strip().lower())
    except ValueError:
        action = ActionType.VERIFICATION
    language = _LANGUAGE.sub("", v.text(item.get("language"), 20, f"{field}.language").lower()) or "powershell"
    return LaneCheck(
        label=label,
        description=description,
        command=v.text(item.get("command"), s.COMMAND_MAX, f"{field}.command"),
        language=language,
        action_type=action,
        expected=v.text(item.get("expected"), s.TEXT_MAX, f"{field}.expected"),
    )


def _parameter(value: Any, field: str) -> ScriptParam | None:
    item = v.mapping(value, field) or {}
    name = v.text(item.get("name"), 80, f"{field}.name")
    if not name:
        return None
    kind = str(item.get("type") or "string").strip().lower()
    if kind in s.SECRET_PARAM_TYPES or _SECRET_NAME.search(name):
        return ScriptParam(name, "", secret=True)
    return ScriptParam(name, v.text(item.get("value"), 500, f"{field}.value"))


def _fix(value: Any, field: str) -> FixProposal | None:
    item = v.mapping(value, field) or {}
    title = v.text(item.get("title"), s.TEXT_MAX, f"{field}.title")
    if not title:
        return None
    params = [_parameter(p, f"{field}.parameters[{i}]") for i, p in enumerate(v.items(item.get("parameters"), field))]
    script = v.text(item.get("script"), s.SCRIPT_MAX, f"{field}.script")
    language = _LANGUAGE.sub("", v.text(item.get("script_language"), 20, f"{field}.script_language").lower())
    return FixProposal(
        title=title,
        description=v.text(item.get("description"), s.DESCRIPTION_MAX, f"{field}.description"),
        confidence=v.percent(item.get("confidence")),
        script=script,
        script_language=(language or "powershell") if script else language,
        parameters=tuple(p for p in params if p is not None)[: s.PARAMS_MAX],
    )


def _outcome(value: Any) -> OutcomeProposal | None:
    item = v.mapping(value, "fix_outcome")
    if item is None:
        return None
    status = str(item.get("status", "")).strip().lower()
    if status not in s.OUTCOME_STATUSES:
        raise ParseError(f"fix_outcome.status must be one of: {', '.join(s.OUTCOME_STATUSES)}")
    reason = v.text(item.get("reason"), s.TEXT_MAX, "fix_outcome.reason")
    if status == FixStatus.APPLIED_PENDING and not reason:
        raise ParseError("fix_outcome.reason is required for applied_pending (what are we waiting for?)")
    return OutcomeProposal(FixStatus(status), reason)


def _triage(value: Any) -> TriageUpdate | None:
    item = v.mapping(value, "triage_update")
    if item is None:
        return None
    names = ("client_name", "asset_name", "issue_category", "triage_hypothesis", "problem_domain", "title")
    fields = {n: v.text(item.get(n), s.TEXT_MAX, f"triage_update.{n}") for n in names}
    evidence = v.strings(item.get("evidence_items"), s.TEXT_MAX, s.EVIDENCE_MAX, "triage_update.evidence_items")
    update = TriageUpdate(evidence_items=evidence, **fields)
    return None if update == TriageUpdate() else update


def _fork(value: Any) -> tuple[str, tuple[ForkOption, ...]]:
    item = v.mapping(value, "fork")
    if item is None:
        return "", ()
    options: list[ForkOption] = []
    for i, raw in enumerate(v.items(item.get("options"), "fork.options")):
        entry = {"label": raw} if isinstance(raw, str) else v.mapping(raw, f"fork.options[{i}]") or {}
        label = v.text(entry.get("label"), s.OPTION_MAX, f"fork.options[{i}].label")
        if label and all(o.label.casefold() != label.casefold() for o in options):
            hypothesis = v.text(entry.get("hypothesis"), s.TEXT_MAX, f"fork.options[{i}].hypothesis")
            options.append(ForkOption(label, hypothesis))
    reason = v.text(item.get("reason"), s.TEXT_MAX, "fork.reason")
    return reason, tuple(options[:4]) if len(options) >= 2 else ()


def turn(data: Any, text: str = "") -> PilotTurn:
    """A ``PilotTurn`` from ``record_turn`` input; ``text`` is the prose written before the call (used when the
    input's ``message`` is empty). ``tier`` is left for the caller to set."""
    item = v.mapping(data, "record_turn input")
    if item is None:
        raise ParseError("record_turn input must be a non-empty object")
    kind = v.choice(item.get("kind"), TurnKind, "kind")
    message = clean_message(v.text(item.get("message"), 2 * s.MESSAGE_MAX, "message")) or clean_message(text)
    if not message:
        raise ParseError("message is empty: write the reply as text before the call or put it in message")
    questions = [_question(q, f"questions[{i}]") for i, q in enumerate(v.items(item.get("questions"), "questions"))]
    checks = [_check(c, f"checks[{i}]") for i, c in enumerate(v.items(item.get("checks"), "checks"))]
    fixes = [_fix(f, f"suggest_fix[{i}]") for i, f in enumerate(v.items(item.get("suggest_fix"), "suggest_fix"))]
    fork_reason, fork = _fork(item.get("fork"))
    resolution = v.mapping(item.get("resolution"), "resolution") or {}
    summary = v.text(resolution.get("summary"), s.DESCRIPTION_MAX, "resolution.summary")
    result = PilotTurn(
        kind=kind,
        message=v.clip(message, s.MESSAGE_MAX),
        confidence=v.confidence(item.get("confidence")),
        questions=tuple(q for q in questions if q is not None)[: s.LIST_MAX],
        checks=tuple(c for c in checks if c is not None)[: s.LIST_MAX],
        promote=v.strings(item.get("promote"), s.TEXT_MAX, s.LIST_MAX, "promote"),
        fixes=tuple(f for f in fixes if f is not None)[-s.FIXES_MAX :],
        outcome=_outcome(item.get("fix_outcome")),
        triage=_triage(item.get("triage_update")),
        fork_reason=fork_reason,
        fork=fork,
        resolution_summary=summary,
        followups=v.strings(resolution.get("followups"), s.TEXT_MAX, s.LIST_MAX, "resolution.followups"),
        reasoning=v.text(item.get("reasoning"), s.REASONING_MAX, "reasoning"),
    )
    _check_shape(result)
    return result


def _check_shape(result: PilotTurn) -> None:
    if result.kind is TurnKind.QUESTION and not result.questions:
        raise ParseError("kind 'question' needs at least one entry in questions (text and 2-4 options)")
    if result.kind is TurnKind.ACTION and not result.checks:
        raise ParseError("kind 'action' needs at least one entry in checks (label, command, expected)")
    if result.kind is TurnKind.FORK and not result.fork:
        raise ParseError("kind 'fork' needs fork.options with 2-4 distinct labels")
    if result.kind is TurnKind.RESOLUTION_SUGGESTION and not result.resolution_summary:
        raise ParseError("kind 'resolution_suggestion' needs resolution.summary")


def fact(data: Any) -> str:
    """The drafted fact from ``record_fact`` input, or "" when the model says there is none."""
    item = v.mapping(data, "record_fact input")
    if item is None:
        raise ParseError("record_fact input must be an object with fact, or none=true")
    if item.get("none") is True:
        return ""
    drafted = " ".join(clean_message(v.text(item.get("fact"), 2 * s.TEXT_MAX, "fact")).split())
    return "" if drafted.casefold().rstrip(".") in _NO_FACT else v.clip(drafted, s.TEXT_MAX)


def _section(value: Any, heading: str, field: str) -> str:
    if isinstance(value, list):
        value = "\n".join(f"- {v.text(line, s.TEXT_MAX * 2, field)}" for line in value if line)
    body = clean_message(v.text(value, 2 * s.SECTION_MAX, field))
    first, _, rest = body.partition("\n")
    if first.strip("#*_: ").casefold() == heading.casefold():  # the model repeated the heading
        body = rest.strip()
    return v.clip(body, s.SECTION_MAX)


def _assessment(value: Any) -> dict[str, object]:
    item = v.mapping(value, "assessment")
    if item is None:
        raise ParseError("assessment is required: summary_prose, what_we_know, likely_cause, suggested_steps")
    summary = clean_message(v.text(item.get("summary_prose"), s.DESCRIPTION_MAX, "assessment.summary_prose"))
    steps = v.strings(item.get("suggested_steps"), s.TEXT_MAX, s.LIST_MAX, "assessment.suggested_steps")
    if not summary or not steps:
        raise ParseError("assessment needs summary_prose and at least one suggested step")
    raw_confidence = item.get("confidence")
    return {
        "summary_prose": summary,
        "what_we_know": list(
            v.strings(item.get("what_we_know"), s.TEXT_MAX, s.EVIDENCE_MAX, "assessment.what_we_know")
        ),
        "likely_cause": v.text(item.get("likely_cause"), s.DESCRIPTION_MAX, "assessment.likely_cause"),
        "suggested_steps": list(steps),
        "confidence": 0.5 if raw_confidence is None else v.confidence(raw_confidence, "assessment.confidence"),
    }


def document(data: Any, kind: DocKind) -> PilotDocument:
    """A ``PilotDocument`` with the fixed headings of ``kind`` from ``record_document`` input."""
    item = v.mapping(data, "record_document input")
    if item is None:
        raise ParseError("record_document input must be an object with one field per section")
    sections = tuple((heading, _section(item.get(key), heading, key)) for key, heading in s.SECTIONS[kind])
    missing = [key for (key, _), (_, body) in zip(s.SECTIONS[kind], sections, strict=True) if not body]
    if missing:
        raise ParseError(f"empty sections: {', '.join(missing)} (write 'Not determined.' if unknown)")
    assessment = _assessment(item.get("assessment")) if kind is DocKind.ESCALATION else {}
    return PilotDocument(kind=kind, sections=sections, assessment=assessment)


def flow_yaml(data: Any) -> str:
    """The YAML text from ``record_flow`` input, checked with the flow loader and validator."""
    item = v.mapping(data, "record_flow input")
    draft = v.text(item.get("yaml") if item else None, s.FLOW_MAX, "yaml")
    if (fenced := _FENCED.match(draft)) is not None:
        draft = fenced.group(1).strip()
    if not draft:
        raise ParseError("yaml is empty: put the whole flow file in yaml")
    try:
        errors = validate_flow(parse_flow_text(draft, "flow.yaml"))
    except FlowLoadError as err:
        errors = err.errors
    if errors:
        raise ParseError("the flow does not validate: " + "; ".join(str(e) for e in errors[:6]))
    return draft + "\n"
