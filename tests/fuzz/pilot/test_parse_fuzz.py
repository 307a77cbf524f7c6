"""Any model output — tool input with parts dropped or of the wrong type, random JSON, prose with leaked markers
and JSON — parses to a reply (``PilotTurn``, a fact, a document, flow YAML) or to ``ParseError`` (the refusal the
model is asked to repair): never another exception, and never more than the schema's limits."""

from __future__ import annotations

import contextlib
from typing import Any

from hypothesis import example, given
from hypothesis import strategies as st

from bot.engine.copilot import DocKind, PilotTurn
from bot.pilot import parse
from bot.pilot import schema as s
from bot.pilot.clean import clean_message, stream_preview
from tests.fuzz.strategies import json_values, mutated, texts

CHECK = {"label": "Spooler", "command": "Get-Service Spooler", "action_type": "verification", "expected": "Running"}
FIX = {"title": "Restart", "confidence": 80, "script": "Restart-Service x", "parameters": [{"name": "pwd"}]}
TURN = {
    "kind": "question",
    "message": 'Hello. QUESTIONS: [1] {"a": 1}',
    "confidence": 0.4,
    "questions": [{"text": "One user or everyone?", "options": ["One", "All"]}],
    "checks": [CHECK],
    "suggest_fix": [FIX],
    "fix_outcome": {"status": "applied_pending", "reason": "reboot"},
    "triage_update": {"client_name": "Acme", "evidence_items": ["a"]},
    "fork": {"reason": "two paths", "options": ["A", {"label": "B", "hypothesis": "h"}]},
    "resolution": {"summary": "done", "followups": ["x"]},
    "promote": ["p"],
}
DOCUMENT = {key: "Text." for key, _ in s.ESCALATION_SECTIONS} | {
    "assessment": {"summary_prose": "s", "suggested_steps": ["one"], "confidence": 0.5}
}
prose = st.one_of(
    texts, st.lists(texts | st.sampled_from(["QUESTIONS:", "```json\n", '{"k": [1]}', "```"])).map("".join)
)


@given(mutated(TURN) | json_values, prose)
@example({"kind": "chat", "message": "x", "confidence": float("nan")}, "")
def test_turns_parse_or_are_refused(data: Any, text: str) -> None:
    try:
        result = parse.turn(data, text)
    except parse.ParseError as err:
        assert str(err)
        return
    assert isinstance(result, PilotTurn) and result.message
    assert len(result.message) <= s.MESSAGE_MAX and 0.0 <= result.confidence <= 1.0
    assert len(result.questions) <= s.LIST_MAX and len(result.fixes) <= s.FIXES_MAX
    assert all(not p.value for f in result.fixes for p in f.parameters if p.secret)


@given(mutated(DOCUMENT) | json_values, st.sampled_from(list(DocKind)))
def test_documents_parse_or_are_refused(data: Any, kind: DocKind) -> None:
    try:
        result = parse.document(data, kind)
    except parse.ParseError:
        return
    assert all(body and len(body) <= s.SECTION_MAX for _, body in result.sections)


@given(mutated({"fact": "The VPN needs MFA.", "none": False}) | json_values)
def test_facts_parse_or_are_refused(data: Any) -> None:
    with contextlib.suppress(parse.ParseError):
        assert len(parse.fact(data)) <= s.TEXT_MAX


@given(mutated({"yaml": "key: x\nname: X\nkind: procedural\nsteps:\n  - title: a\n"}) | json_values)
def test_flow_drafts_parse_or_are_refused(data: Any) -> None:
    with contextlib.suppress(parse.ParseError):
        assert parse.flow_yaml(data).endswith("\n")


@given(prose)
def test_prose_cleaning_is_stable(text: str) -> None:
    cleaned = clean_message(text)
    assert isinstance(cleaned, str) and isinstance(stream_preview(text), str)
    assert "QUESTIONS: [" not in clean_message(f"Sure.\nQUESTIONS: [{text!r}]")
