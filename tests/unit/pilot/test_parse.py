"""``bot.pilot.parse``: tool input from the model is validated in code and becomes the engine's types."""

from __future__ import annotations

from typing import Any

import pytest

from bot.engine.copilot import ActionType, DocKind, TurnKind
from bot.engine.model import FixStatus
from bot.flows.loader import bundled_samples_dir
from bot.pilot import parse, schema
from bot.pilot.parse import ParseError


def turn(**fields: Any) -> dict[str, Any]:
    return {"kind": "chat", "message": "Hello.", "confidence": 0.5} | fields


QUESTION = {"text": "One user or everyone?", "options": ["One user", "Everyone"]}
CHECK = {
    "label": "Spooler state",
    "description": "Check the Print Spooler on the print server.",
    "command": "Get-Service -Name Spooler -ComputerName <print-server>",
    "language": "PowerShell",
    "action_type": "verification",
    "expected": "Status is Running.",
}


def test_question_turn() -> None:
    result = parse.turn(turn(kind="question", questions=[QUESTION | {"allow_skip": False}], confidence=0.2))
    assert result.kind is TurnKind.QUESTION and result.confidence == 0.2 and result.message == "Hello."
    (question,) = result.questions
    assert question.text == QUESTION["text"] and question.options == ("One user", "Everyone")
    assert question.allow_skip is False


def test_action_turn() -> None:
    result = parse.turn(turn(kind="action", checks=[CHECK, {"label": "Open Devices and Printers", "command": ""}]))
    first, second = result.checks
    assert first.label == "Spooler state" and first.language == "powershell" and first.expected == "Status is Running."
    assert first.action_type is ActionType.VERIFICATION and first.command.startswith("Get-Service")
    assert second.command == "" and second.language == "powershell"


def test_resolution_suggestion_turn() -> None:
    resolution = {"summary": "Restarting the spooler cleared the queue.", "followups": ["Monitor for a week", ""]}
    result = parse.turn(turn(kind="resolution_suggestion", resolution=resolution, confidence=0.9))
    assert result.resolution_summary == resolution["summary"] and result.followups == ("Monitor for a week",)


def test_fork_turn() -> None:
    fork = {
        "reason": "Two causes fit.",
        "options": [{"label": "DNS", "hypothesis": "Stale record"}, {"label": "Driver"}, "Firewall"],
    }
    result = parse.turn(turn(kind="fork", fork=fork))
    assert result.fork_reason == "Two causes fit."
    assert [(o.label, o.hypothesis) for o in result.fork] == [("DNS", "Stale record"), ("Driver", ""), ("Firewall", "")]


def test_chat_turn_with_promote_triage_outcome_and_reasoning() -> None:
    result = parse.turn(
        turn(
            promote=["Only floor 2 is affected.", "only floor 2 is affected.", ""],
            triage_update={"client_name": "Contoso", "evidence_items": ["Event 372"], "bogus": "ignored"},
            fix_outcome={"status": "applied_failed", "reason": "Still offline."},
            reasoning="internal",
            unknown_key={"anything": 1},
        )
    )
    assert result.kind is TurnKind.CHAT and result.promote == ("Only floor 2 is affected.",)
    assert result.triage is not None and result.triage.client_name == "Contoso"
    assert result.triage.evidence_items == ("Event 372",)
    assert result.outcome is not None and result.outcome.status is FixStatus.APPLIED_FAILED
    assert result.reasoning == "internal" and result.tier == ""


def test_suggested_fixes_last_wins_and_password_parameters_are_secret() -> None:
    fixes = [
        {"title": "Old idea"},
        {
            "title": "Reset the MFA registration",
            "confidence": 0.85,
            "script": "Reset-Mfa -User <upn>",
            "parameters": [
                {"name": "UserPrincipalName", "value": "<upn>", "type": "string"},
                {"name": "AdminCredential", "value": "Hunter2!", "type": "password"},
                {"name": "NewPassword", "value": "P@ssw0rd1", "type": "string"},
                {"value": "no name"},
            ],
        },
    ]
    result = parse.turn(turn(suggest_fix=fixes))
    assert [f.title for f in result.fixes] == ["Old idea", "Reset the MFA registration"]
    fix = result.fixes[-1]
    assert fix.confidence == 85 and fix.script_language == "powershell"
    assert [(p.name, p.value, p.secret) for p in fix.parameters] == [
        ("UserPrincipalName", "<upn>", False),
        ("AdminCredential", "", True),
        ("NewPassword", "", True),
    ]
    assert "Hunter2" not in repr(result) and "P@ssw0rd1" not in repr(result)


def test_strings_are_clipped_and_lists_cut() -> None:
    long = "x" * (schema.MESSAGE_MAX + 500)
    options = ["A", "B", "C", "D", "E", "F"]
    many = [{"text": f"Question {i}?", "options": options} for i in range(10)]
    result = parse.turn(turn(kind="question", message=long, questions=many, promote=["y" * 1000]))
    assert len(result.message) == schema.MESSAGE_MAX and result.message.endswith("…")
    assert len(result.questions) == schema.LIST_MAX and result.questions[0].options == ("A", "B", "C", "D")
    assert len(result.promote[0]) == schema.TEXT_MAX
    wide = parse.turn(turn(kind="question", questions=[{"text": "Pick", "options": ["z" * 200, "ok"]}]))
    assert len(wide.questions[0].options[0]) == schema.OPTION_MAX


def test_questions_with_fewer_than_two_options_keep_free_text_only() -> None:
    result = parse.turn(turn(kind="question", questions=[{"text": "Error text?", "options": ["Copy it"]}, "Since?"]))
    assert [(q.text, q.options) for q in result.questions] == [("Error text?", ()), ("Since?", ())]


@pytest.mark.parametrize(
    ("raw", "expected"), [(0.5, 0.5), (-3, 0.0), (1.0, 1.0), (75, 0.75), (250, 1.0), ("0.3", 0.3), ("60%", 0.6)]
)
def test_confidence_is_clamped(raw: Any, expected: float) -> None:
    assert parse.turn(turn(confidence=raw)).confidence == pytest.approx(expected)


def test_unknown_action_type_defaults_and_language_is_sanitised() -> None:
    check = CHECK | {"action_type": "hack_the_planet", "language": "Power Shell!"}
    (result,) = parse.turn(turn(kind="action", checks=[check])).checks
    assert result.action_type is ActionType.VERIFICATION and result.language == "powershell"


def test_message_falls_back_to_prose_and_markers_and_json_are_stripped() -> None:
    prose = 'Check the spooler.\nQUESTIONS: [{"text": "x", "options": ["a", "b"]}]\n{"kind": "chat"}'
    result = parse.turn(turn(message=""), text=prose)
    assert result.message == "Check the spooler."
    leaked = parse.turn(turn(message='Try this. SUGGEST_FIX: {"title": "t"} FIX_OUTCOME: {"status": "x"}'))
    assert leaked.message == "Try this."
    for marker in ("QUESTIONS:", "SUGGEST_FIX", "FIX_OUTCOME", "{", "}"):
        assert marker not in result.message + leaked.message


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (None, "non-empty object"),
        ([1, 2], "must be an object"),
        (turn(kind="lecture"), "kind must be one of"),
        ({"message": "Hi", "confidence": 0.5}, "kind must be one of"),
        (turn(confidence=None), "confidence is required"),
        (turn(confidence="high"), "confidence must be a number"),
        (turn(confidence=float("nan")), "confidence must be a number"),
        (turn(message=""), "message is empty"),
        (turn(message='{"kind": "chat"}'), "message is empty"),
        (turn(message=["a"]), "message must be a string"),
        (turn(kind="question"), "needs at least one entry in questions"),
        (turn(kind="action", checks=[{"label": ""}]), "needs at least one entry in checks"),
        (turn(kind="fork", fork={"options": ["only one"]}), "fork.options"),
        (turn(kind="resolution_suggestion"), "resolution.summary"),
        (turn(questions=5), "questions must be a list"),
        (turn(fix_outcome={"status": "resolved"}), "fix_outcome.status must be one of"),
        (turn(fix_outcome={"status": "applied_pending"}), "reason is required"),
        (turn(triage_update="Contoso"), "triage_update must be an object"),
    ],
)
def test_parse_errors_say_what_was_wrong(data: Any, problem: str) -> None:
    with pytest.raises(ParseError, match=problem):
        parse.turn(data)


def test_fact() -> None:
    assert parse.fact({"fact": "  The spooler   was stopped.  "}) == "The spooler was stopped."
    assert parse.fact({"none": True, "fact": "ignored"}) == ""
    assert parse.fact({"fact": "None."}) == ""
    assert len(parse.fact({"fact": "w " * 500})) == schema.TEXT_MAX
    with pytest.raises(ParseError):
        parse.fact("a string")


def test_resolution_document_has_the_fixed_headings() -> None:
    data = {
        "problem": "Problem\nPrinting failed for everyone.",
        "what_we_confirmed": ["Spooler was stopped", "Queue had 40 jobs"],
        "root_cause": "The spooler crashed on a corrupt job.",
        "resolution": 'Cleared the queue and restarted the spooler. ```json\n{"x": 1}\n```',
        "extra": "ignored",
    }
    doc = parse.document(data, DocKind.RESOLUTION)
    assert [h for h, _ in doc.sections] == ["Problem", "What we confirmed", "Root cause", "Resolution"]
    body = dict(doc.sections)
    assert body["Problem"] == "Printing failed for everyone."
    assert body["What we confirmed"] == "- Spooler was stopped\n- Queue had 40 jobs"
    assert "json" not in body["Resolution"] and doc.assessment == {}


def test_escalation_document_has_five_sections_and_an_assessment() -> None:
    data = {key: f"{key} text" for key, _ in schema.ESCALATION_SECTIONS}
    data["assessment"] = {
        "summary_prose": "VPN fails after the client update.",
        "what_we_know": ["Only macOS"],
        "likely_cause": "Certificate",
        "suggested_steps": ["Re-issue the certificate"],
        "confidence": 70,
    }
    doc = parse.document(data, DocKind.ESCALATION)
    assert [h for h, _ in doc.sections] == [
        "Problem",
        "What we've confirmed",
        "What we've tried",
        "Current hypothesis",
        "Suggested next steps",
    ]
    assert doc.assessment["confidence"] == 0.7 and doc.assessment["suggested_steps"] == ["Re-issue the certificate"]
    with pytest.raises(ParseError, match="assessment"):
        parse.document({key: "x" for key, _ in schema.ESCALATION_SECTIONS}, DocKind.ESCALATION)


def test_document_with_empty_sections_is_rejected() -> None:
    with pytest.raises(ParseError, match="empty sections: root_cause, resolution"):
        parse.document({"problem": "p", "what_we_confirmed": "c", "root_cause": " "}, DocKind.RESOLUTION)


def test_flow_yaml_must_load_and_validate() -> None:
    sample = (bundled_samples_dir() / "printer-offline.yaml").read_text(encoding="utf-8")
    assert parse.flow_yaml({"yaml": f"```yaml\n{sample}```"}) == sample.strip() + "\n"
    with pytest.raises(ParseError, match="does not validate"):
        parse.flow_yaml({"yaml": "key: x\nname: X\nkind: troubleshooting\nstart: a\nnodes: []\n"})
    with pytest.raises(ParseError, match="yaml is empty"):
        parse.flow_yaml({})
