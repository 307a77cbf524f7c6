"""The output tools FlowPilot answers through: names, JSON Schemas (plain dicts) and the limits ``parse`` enforces.

The schemas tell the model what to send; ``bot.pilot.parse`` checks every value again in code. Tool definitions are
module constants so they serialize byte-identically in every call (prompt caching keys on the exact prefix).
"""

from __future__ import annotations

from typing import Any, Final

from bot.engine.copilot import ActionType, DocKind, TurnKind

Json = dict[str, Any]

TURN_TOOL: Final = "record_turn"
FACT_TOOL: Final = "record_fact"
DOCUMENT_TOOL: Final = "record_document"
FLOW_TOOL: Final = "record_flow"

# limits (characters / items); longer values are clipped, extra items dropped
MESSAGE_MAX = 4000
TEXT_MAX = 300  # a question, a label, a title, a fact
OPTION_MAX = 75  # a quick-reply button label
DESCRIPTION_MAX = 1500
COMMAND_MAX = 4000
SCRIPT_MAX = 20000
REASONING_MAX = 2000
SECTION_MAX = 4000
LIST_MAX = 6  # questions, checks, promoted facts, fork options, follow-ups, steps
EVIDENCE_MAX = 10
FIXES_MAX = 3
PARAMS_MAX = 20
FLOW_MAX = 60000

OUTCOME_STATUSES: Final = ("applied_success", "applied_failed", "applied_partial", "applied_pending")
PARAM_TYPES: Final = ("string", "password", "number", "boolean", "choice", "multiline")
SECRET_PARAM_TYPES: Final = frozenset({"password", "secret", "securestring", "credential"})

RESOLUTION_SECTIONS: Final = (
    ("problem", "Problem"),
    ("what_we_confirmed", "What we confirmed"),
    ("root_cause", "Root cause"),
    ("resolution", "Resolution"),
)
ESCALATION_SECTIONS: Final = (
    ("problem", "Problem"),
    ("what_we_confirmed", "What we've confirmed"),
    ("what_we_tried", "What we've tried"),
    ("current_hypothesis", "Current hypothesis"),
    ("suggested_next_steps", "Suggested next steps"),
)
SECTIONS: Final = {DocKind.RESOLUTION: RESOLUTION_SECTIONS, DocKind.ESCALATION: ESCALATION_SECTIONS}


def _text(description: str, max_length: int = TEXT_MAX) -> Json:
    return {"type": "string", "description": description, "maxLength": max_length}


def _texts(description: str, max_items: int = LIST_MAX) -> Json:
    return {"type": "array", "description": description, "items": {"type": "string"}, "maxItems": max_items}


def _object(properties: Json, required: tuple[str, ...] = ()) -> Json:
    return {"type": "object", "properties": properties, "required": list(required)}


_QUESTION = _object(
    {
        "text": _text("The question, one sentence."),
        "options": {
            "type": "array",
            "description": "2-4 short quick replies (button labels).",
            "items": {"type": "string", "maxLength": OPTION_MAX},
            "minItems": 2,
            "maxItems": 4,
        },
        "allow_skip": {"type": "boolean", "description": "The engineer may skip it (default true)."},
    },
    ("text", "options"),
)
_CHECK = _object(
    {
        "label": _text("Short name of the check."),
        "description": _text("What to do and why.", DESCRIPTION_MAX),
        "command": _text("The command to run; empty for GUI-only steps. Use <placeholders>.", COMMAND_MAX),
        "language": _text("powershell (default), bash, cmd or python.", 20),
        "action_type": {"type": "string", "enum": [a.value for a in ActionType]},
        "expected": _text("What a healthy result looks like."),
    },
    ("label",),
)
_PARAMETER = _object(
    {
        "name": _text("Parameter name.", 80),
        "value": _text("Suggested value or a <placeholder>; always empty for passwords.", 500),
        "type": {"type": "string", "enum": list(PARAM_TYPES)},
    },
    ("name",),
)
_FIX = _object(
    {
        "title": _text("The fix in a few words."),
        "description": _text("What it does and why it should work.", DESCRIPTION_MAX),
        "confidence": {"type": "integer", "minimum": 0, "maximum": 100},
        "script": _text("Optional script (shown, never executed). Use <placeholders>.", SCRIPT_MAX),
        "script_language": _text("powershell, bash or python.", 20),
        "parameters": {"type": "array", "items": _PARAMETER, "maxItems": PARAMS_MAX},
    },
    ("title",),
)
_TRIAGE = _object(
    {
        "client_name": _text("The client (company)."),
        "asset_name": _text("The affected device or service."),
        "issue_category": _text("E.g. Email, Printing, Network."),
        "triage_hypothesis": _text("The working hypothesis in one sentence."),
        "evidence_items": _texts("New evidence, one short line each.", EVIDENCE_MAX),
        "problem_domain": _text("E.g. Active Directory, Microsoft 365."),
        "title": _text("A short session title."),
    }
)

TURN_SCHEMA: Final[Json] = _object(
    {
        "kind": {"type": "string", "enum": [k.value for k in TurnKind]},
        "message": _text("Leave empty when you wrote your reply as text before this call.", MESSAGE_MAX),
        "confidence": {"type": "number", "minimum": 0, "maximum": 1, "description": "Confidence in the diagnosis."},
        "questions": {"type": "array", "items": _QUESTION, "maxItems": LIST_MAX},
        "checks": {"type": "array", "items": _CHECK, "maxItems": LIST_MAX},
        "promote": _texts("Facts now confirmed, one sentence each."),
        "suggest_fix": {"type": "array", "items": _FIX, "maxItems": FIXES_MAX},
        "fix_outcome": _object(
            {"status": {"type": "string", "enum": list(OUTCOME_STATUSES)}, "reason": _text("Why.")}, ("status",)
        ),
        "triage_update": _TRIAGE,
        "fork": _object(
            {
                "reason": _text("Why the investigation should branch."),
                "options": {
                    "type": "array",
                    "items": _object({"label": _text("Branch name.", OPTION_MAX), "hypothesis": _text("")}, ("label",)),
                    "minItems": 2,
                    "maxItems": 4,
                },
            },
            ("options",),
        ),
        "resolution": _object(
            {"summary": _text("What fixed it.", DESCRIPTION_MAX), "followups": _texts("Follow-up recommendations.")},
            ("summary",),
        ),
        "reasoning": _text("Internal reasoning, never shown.", REASONING_MAX),
    },
    ("kind", "confidence"),
)

FACT_SCHEMA: Final[Json] = _object(
    {
        "fact": _text("One sentence an engineer would write under 'What we know'; empty when there is none."),
        "none": {"type": "boolean", "description": "True when the item holds no fact worth keeping."},
    }
)

ASSESSMENT_SCHEMA: Final[Json] = _object(
    {
        "summary_prose": _text("Two or three sentences for the engineer taking over.", DESCRIPTION_MAX),
        "what_we_know": _texts("Confirmed facts.", EVIDENCE_MAX),
        "likely_cause": _text("The most likely cause.", DESCRIPTION_MAX),
        "suggested_steps": _texts("Next steps, most promising first."),
        "confidence": {"type": "number", "minimum": 0, "maximum": 1},
    },
    ("summary_prose", "likely_cause", "suggested_steps"),
)


def document_schema(kind: DocKind) -> Json:
    """The ``record_document`` input for ``kind``: one string per fixed section (plus the escalation assessment)."""
    properties: Json = {key: _text(heading, SECTION_MAX) for key, heading in SECTIONS[kind]}
    required = tuple(key for key, _ in SECTIONS[kind])
    if kind is DocKind.ESCALATION:
        properties["assessment"] = ASSESSMENT_SCHEMA
        required = (*required, "assessment")
    return _object(properties, required)


FLOW_SCHEMA: Final[Json] = _object({"yaml": _text("The whole flow file as YAML text.", FLOW_MAX)}, ("yaml",))


def tool(name: str, description: str, schema: Json) -> Json:
    """A tool definition in the Messages API's shape."""
    return {"name": name, "description": description, "input_schema": schema}


TURN_TOOL_DEF: Final = tool(
    TURN_TOOL, "Record the structure of your reply: kind, confidence and task-lane items. Call it once.", TURN_SCHEMA
)
FACT_TOOL_DEF: Final = tool(FACT_TOOL, "Record the fact drafted from the item, or that there is none.", FACT_SCHEMA)
FLOW_TOOL_DEF: Final = tool(FLOW_TOOL, "Record the drafted flow file.", FLOW_SCHEMA)
DOCUMENT_TOOL_DEFS: Final = {
    kind: tool(DOCUMENT_TOOL, f"Record the {kind.value} document, one field per section.", document_schema(kind))
    for kind in DocKind
}
