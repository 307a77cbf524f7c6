"""The offline copilot: deterministic, no network. ``make demo`` and any team without an Anthropic key use it, and
the engine falls back to it when Claude cannot answer.

It walks the flow retrieval matched at intake (asking that flow's questions, turning its actions into checks and
its solution into the suggested fix); without a match it asks a short generic triage. Documents and status updates
come from templates over the task lane.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Awaitable, Callable

from bot.engine.copilot import (
    Brief,
    BriefItem,
    DocKind,
    FixProposal,
    LaneCheck,
    LaneQuestion,
    ModelTier,
    OutcomeProposal,
    PilotDocument,
    PilotTurn,
    StatusKind,
    TextSink,
    TriageUpdate,
    TurnKind,
)
from bot.engine.model import FixStatus
from bot.flows.model import Flow, NodeType, Option
from bot.pilot.offline_texts import GENERIC_CHECKS, GENERIC_QUESTIONS, flow_template, status_text

FlowLoader = Callable[[str, str], Awaitable[Flow | None]]
WORKED = re.compile(r"\b(worked|fixed|resolved|working now|sorted)\b", re.I)
FAILED = re.compile(r"\b(didn'?t work|did not work|still (broken|failing|not)|no change|same error)\b", re.I)
MAX_STEPS = 40


def _norm(text: str) -> str:
    return " ".join(re.sub(r"[^\w]+", " ", text.lower()).split())


class OfflineCopilot:
    """Implements ``bot.engine.copilot.Copilot`` without a model."""

    mode = "offline"

    def __init__(self, load_flow: FlowLoader | None = None) -> None:
        self._load_flow = load_flow

    async def turn(self, brief: Brief, tier: ModelTier, stream: TextSink | None = None) -> PilotTurn:
        """Next question/check/fix from the matched flow, else from a generic triage."""
        outcome = self._outcome(brief)
        flow = await self._flow(brief)
        turn = self._walk(brief, flow) if flow is not None else self._generic(brief)
        if outcome is not None:
            turn = dataclasses.replace(turn, outcome=outcome)
        if stream is not None and turn.message:
            await stream(turn.message)
        return turn

    async def _flow(self, brief: Brief) -> Flow | None:
        if not brief.matched_flow or self._load_flow is None:
            return None
        return await self._load_flow(brief.team_id, brief.matched_flow)

    @staticmethod
    def _outcome(brief: Brief) -> OutcomeProposal | None:
        active = next((f for f in brief.fixes if f.active and f.status in ("proposed", "applied_pending")), None)
        said = next((text for who, text in reversed(brief.transcript) if who == "engineer"), "")
        if active is None or not said:
            return None
        if FAILED.search(said):
            return OutcomeProposal(FixStatus.APPLIED_FAILED, "the engineer said it did not work")
        if WORKED.search(said):
            return OutcomeProposal(FixStatus.APPLIED_SUCCESS, "the engineer said it worked")
        return None

    def _walk(self, brief: Brief, flow: Flow) -> PilotTurn:
        answers = {_norm(i.text): i for i in brief.lane if i.status != "open"}
        node = flow.node(flow.first)
        for steps in range(MAX_STEPS):
            confidence = min(0.85, 0.3 + 0.1 * steps)
            if node.type is NodeType.DECISION:
                item = answers.get(_norm(node.question))
                chosen = _chosen(node.options, item.answer) if item is not None else None
                if item is not None and chosen is None:
                    return self._generic(brief)  # answered in words the flow has no branch for
                if chosen is None or not chosen.next:
                    labels = tuple(o.label for o in node.options[:4])
                    return self._ask(flow, LaneQuestion(node.question, labels), confidence)
                node = flow.node(chosen.next)
            elif node.type in (NodeType.ACTION, NodeType.PROCEDURE_STEP):
                item = answers.get(_norm(node.title))
                if item is None:
                    command = node.commands[0] if node.commands else None
                    check = LaneCheck(
                        node.title,
                        node.instructions,
                        command.code if command else "",
                        command.language if command else "powershell",
                        expected=node.expected_outcome,
                    )
                    return PilotTurn(
                        TurnKind.ACTION, f"Next, from *{flow.name}*: {node.title}.", confidence, checks=(check,)
                    )
                if not node.next:
                    break
                node = flow.node(node.next)
            elif node.type is NodeType.SOLUTION:
                return self._solution(brief, flow, node.title, node.resolution, node.followups)
            else:
                if not node.next:
                    break
                node = flow.node(node.next)
        return self._generic(brief)

    @staticmethod
    def _ask(flow: Flow, question: LaneQuestion, confidence: float) -> PilotTurn:
        triage = TriageUpdate(issue_category=flow.category, problem_domain=flow.category, title=flow.name)
        message = f"This looks like *{flow.name}*. {question.text}"
        return PilotTurn(TurnKind.QUESTION, message, confidence, questions=(question,), triage=triage)

    @staticmethod
    def _solution(brief: Brief, flow: Flow, title: str, resolution: str, followups: tuple[str, ...]) -> PilotTurn:
        done = next((f for f in brief.fixes if _norm(f.title) == _norm(title)), None)
        if done is not None and done.status == "applied_failed":
            return PilotTurn(
                TurnKind.CHAT,
                f"The fix from *{flow.name}* didn't work. Describe what you see now, or escalate to a lead.",
                0.4,
            )
        if done is not None:
            return PilotTurn(
                TurnKind.RESOLUTION_SUGGESTION,
                "If that fixed it, resolve the session; I'll draft the note.",
                0.85,
                resolution_summary=resolution or title,
                followups=followups,
            )
        fix = FixProposal(title, resolution, 70)
        return PilotTurn(TurnKind.ACTION, f"Based on your answers: *{title}*.", 0.8, fixes=(fix,))

    @staticmethod
    def _generic(brief: Brief) -> PilotTurn:
        asked = {_norm(i.text) for i in brief.lane}
        for question, options in GENERIC_QUESTIONS:
            if _norm(question) not in asked:
                confidence = min(0.35, 0.1 + 0.05 * len(asked))
                message = "Let's narrow it down." if asked else "Let's characterise the problem first."
                return PilotTurn(TurnKind.QUESTION, message, confidence, questions=(LaneQuestion(question, options),))
        for label, description, command in GENERIC_CHECKS:
            if _norm(label) not in asked:
                check = LaneCheck(label, description, command)
                return PilotTurn(TurnKind.ACTION, "Run this check and tell me what it shows.", 0.4, checks=(check,))
        return PilotTurn(
            TurnKind.CHAT,
            "I've run out of generic checks (offline mode has no model). Add what you found with `fact`, try a "
            "flow from `search`, or escalate to a lead.",
            0.4,
        )

    async def draft_fact(self, brief: Brief, item: BriefItem) -> str:
        """The item and its answer as one sentence; "" for skipped items."""
        if not item.answer or item.answer.lower() == "skipped":
            return ""
        if item.kind == "check":
            return f"{item.text}: {item.answer}."
        return f"{item.text.rstrip('?')}: {item.answer}."

    async def document(self, brief: Brief, kind: DocKind) -> PilotDocument:
        """The resolution note (4 sections) or escalation package (5 sections) from the task lane."""
        problem = brief.problem or brief.title or "Reported problem"
        confirmed = "\n".join(f"- {f}" for f in brief.facts) or "- (nothing recorded)"
        tried = "\n".join(f"- {f.title}: {f.status.replace('_', ' ')}" for f in brief.fixes) or "- (no fix applied)"
        active = next((f for f in brief.fixes if f.active), None)
        if kind is DocKind.RESOLUTION:
            cause = brief.triage.triage_hypothesis or (active.description if active else "") or "See what we confirmed."
            if active is None:
                resolution = "Resolved during the session; see the steps above."
            elif active.status == "applied_pending":
                resolution = f"Applied: {active.title}. Provisional — waiting to verify ({active.reason})."
            else:
                resolution = f"{active.title}. {active.description}".strip()
            sections: tuple[tuple[str, str], ...] = (
                ("Problem", problem),
                ("What we confirmed", confirmed),
                ("Root cause", cause),
                ("Resolution", resolution),
            )
            return PilotDocument(kind, sections, tier="offline")
        hypothesis = brief.triage.triage_hypothesis or "Not established yet."
        open_items = "\n".join(f"- {i.text}" for i in brief.lane if i.status == "open") or "- Review the checks above."
        sections = (
            ("Problem", problem),
            ("What we've confirmed", confirmed),
            ("What we've tried", tried),
            ("Current hypothesis", hypothesis),
            ("Suggested next steps", open_items),
        )
        assessment: dict[str, object] = {
            "summary_prose": problem,
            "what_we_know": list(brief.facts),
            "likely_cause": hypothesis,
            "suggested_steps": [i.text for i in brief.lane if i.status == "open"],
            "confidence": brief.confidence,
        }
        return PilotDocument(kind, sections, assessment, tier="offline")

    async def status_update(self, brief: Brief, kind: StatusKind, detailed: bool) -> str:
        """A status update from the session's state."""
        return status_text(brief, kind, detailed)

    async def generate_flow(self, team_id: str, description: str) -> str:
        """A skeleton troubleshooting flow for the description (valid YAML, to be edited by a team admin)."""
        return flow_template(description)


def _chosen(options: tuple[Option, ...], answer: str) -> Option | None:
    """The option the answer picked: the same label, else the one label the answer contains."""
    said = _norm(answer)
    exact = [o for o in options if _norm(o.label) == said]
    if exact:
        return exact[0]
    within = [o for o in options if _norm(o.label) and f" {_norm(o.label)} " in f" {said} "]
    return within[0] if len(within) == 1 else None
