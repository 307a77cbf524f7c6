"""Shared values for the Claude copilot tests: keys, model ids, a mid-session brief, valid turn inputs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.engine.copilot import Brief, BriefItem, TriageUpdate

KEY = "sk-ant-api03-test-key-for-the-fake"
FAST = "claude-haiku-5-5"
DEEP = "claude-sonnet-5-5"


@dataclass
class Observed:
    """What the copilot reported through ``observe``."""

    calls: list[tuple[str, str, dict[str, int] | None, bool]] = field(default_factory=list)

    def __call__(self, tier: str, purpose: str, usage: Mapping[str, int] | None, ok: bool) -> None:
        self.calls.append((tier, purpose, dict(usage) if usage is not None else None, ok))


def make_brief(session: str = "sess-1", **fields: Any) -> Brief:
    """A mid-session brief: the engineer's problem, one pilot reply, the engineer's answer."""
    values: dict[str, Any] = {
        "session_id": session,
        "team_id": "team-1",
        "problem": "Outlook keeps asking for a password on one laptop.",
        "transcript": (
            ("engineer", "Outlook keeps asking for a password on one laptop."),
            ("pilot", "Is it one user or several?"),
            ("engineer", "Just one user, since yesterday's update."),
        ),
        "triage": TriageUpdate(client_name="Contoso"),
        "facts": ("Only one user is affected.",),
        "lane": (BriefItem("q-1", "question", "One user or several?", "answered", answer="One user"),),
        "confidence": 0.35,
        "turn": 2,
    }
    return Brief(**(values | fields))


TURN_INPUTS: dict[str, dict[str, Any]] = {
    "question": {
        "kind": "question",
        "confidence": 0.3,
        "questions": [{"text": "Does OWA work?", "options": ["Yes", "No", "Not tried"]}],
    },
    "action": {
        "kind": "action",
        "confidence": 0.5,
        "checks": [
            {
                "label": "Credential Manager",
                "description": "Look for stale Office credentials.",
                "command": "cmdkey /list",
                "action_type": "verification",
                "expected": "No MicrosoftOffice16 entries.",
            }
        ],
    },
    "resolution_suggestion": {
        "kind": "resolution_suggestion",
        "confidence": 0.9,
        "resolution": {"summary": "Clearing the cached token fixed it.", "followups": ["Watch for recurrence"]},
    },
    "fork": {
        "kind": "fork",
        "confidence": 0.5,
        "fork": {"reason": "Two causes fit.", "options": [{"label": "Token cache"}, {"label": "Modern auth"}]},
    },
    "chat": {"kind": "chat", "confidence": 0.35},
}
