"""FlowPilot in the engine, over the in-memory store and a scripted copilot (a fake of our own port)."""

from __future__ import annotations

import dataclasses

import pytest

from bot.engine import codec
from bot.engine.copilot import (
    Brief,
    BriefItem,
    CopilotUnavailable,
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
    TurnKind,
)
from bot.engine.engine import Engine
from bot.engine.model import FixStatus, SessionStatus
from bot.engine.pilot import texts as t
from bot.engine.pilot.services import PilotServices
from bot.pilot.offline import OfflineCopilot
from tests.fakes.chat import Chat
from tests.fakes.memory_store import FakeClock, MemoryDatabase, SequentialIds

Q1 = LaneQuestion("How many users are affected?", ("One", "Many"))
CHECK = LaneCheck("Check the service", "Is it running?", "Get-Service Spooler")


class ScriptedCopilot:
    """Answers with queued turns; records every call and its tier."""

    mode = "claude"

    def __init__(self) -> None:
        self.turns: list[PilotTurn] = []
        self.calls: list[tuple[str, ModelTier | None, Brief]] = []
        self.fail = False

    async def turn(self, brief: Brief, tier: ModelTier, stream: TextSink | None = None) -> PilotTurn:
        self.calls.append(("turn", tier, brief))
        if self.fail:
            raise CopilotUnavailable("overloaded")
        turn = self.turns.pop(0) if self.turns else PilotTurn(TurnKind.CHAT, "Tell me more.", 0.2)
        return dataclasses.replace(turn, tier=tier.value)

    async def draft_fact(self, brief: Brief, item: BriefItem) -> str:
        self.calls.append(("fact", None, brief))
        return f"Scope: {item.answer}"

    async def document(self, brief: Brief, kind: DocKind) -> PilotDocument:
        self.calls.append(("document", None, brief))
        return PilotDocument(
            kind, (("Problem", "P"), ("What we confirmed", "C"), ("Root cause", "R"), ("Resolution", "Fixed it"))
        )

    async def status_update(self, brief: Brief, kind: StatusKind, detailed: bool) -> str:
        return "status"

    async def generate_flow(self, team_id: str, description: str) -> str:
        return ""


@pytest.fixture
def copilot() -> ScriptedCopilot:
    return ScriptedCopilot()


@pytest.fixture
def engine(db: MemoryDatabase, clock: FakeClock, copilot: ScriptedCopilot) -> Engine:
    return Engine(db, clock, SequentialIds(), pilot=PilotServices(copilot, OfflineCopilot()))


async def work(engine: Engine, db: MemoryDatabase, chat: Chat) -> str:
    """Run the queued copilot work like the worker does; returns the text of its replies."""
    async with db() as uow:
        items = [i for i in await uow.inbox.pending(100) if i.payload.get("type") == "PilotWork"]
    replies = []
    for item in items:
        replies += await engine.handle(codec.decode(item.payload), inbox_id=item.id)
    chat.last = replies
    return chat.text()


async def session_of(db: MemoryDatabase):  # type: ignore[no-untyped-def]
    async with db() as uow:
        return next(iter(uow.state.sessions.values()))


async def test_pilot_starts_a_session_and_the_turn_fills_the_lane(
    engine: Engine, db: MemoryDatabase, alice: Chat, copilot: ScriptedCopilot
) -> None:
    copilot.turns.append(PilotTurn(TurnKind.QUESTION, "First, scope.", 0.3, questions=(Q1,), checks=(CHECK,)))
    await alice.say("/pilot printer offline for the whole office")
    assert t.THINKING in alice.text()
    text = await work(engine, db, alice)
    assert "First, scope." in text and "How many users are affected?" in text and "Get-Service Spooler" in text
    session = await session_of(db)
    assert [i.kind for i in session.pending_task_lane] == ["question", "check"]
    assert copilot.calls[0][1] is ModelTier.FAST


async def test_a_repeated_item_keeps_its_id_and_answers_are_kept(
    engine: Engine, db: MemoryDatabase, alice: Chat, copilot: ScriptedCopilot
) -> None:
    copilot.turns += [
        PilotTurn(TurnKind.QUESTION, "Scope?", 0.3, questions=(Q1,)),
        PilotTurn(
            TurnKind.QUESTION, "Scope again", 0.4, questions=(LaneQuestion("how many users are affected", ("x", "y")),)
        ),
    ]
    await alice.say("/pilot vpn down")
    await work(engine, db, alice)
    first = (await session_of(db)).pending_task_lane[0].id
    alice.buttons = [b for r in alice.last for b in _buttons(r)]
    one = alice.button("One")
    await alice.click("One", one)
    await work(engine, db, alice)
    lane = (await session_of(db)).pending_task_lane
    assert [i.id for i in lane] == [first] and lane[0].status == "answered" and lane[0].answer == "One"
    await alice.click("One", one)
    assert "Already recorded by Alice" in alice.text()


def _buttons(reply):  # type: ignore[no-untyped-def]
    from bot.engine.replies import Buttons

    view = getattr(reply, "view", None)
    return [b for blk in (view.blocks if view else ()) if isinstance(blk, Buttons) for b in blk.buttons]


async def test_last_fix_wins_and_supersedes_the_active_one(
    engine: Engine, db: MemoryDatabase, alice: Chat, copilot: ScriptedCopilot
) -> None:
    copilot.turns += [
        PilotTurn(TurnKind.ACTION, "Try A", 0.6, fixes=(FixProposal("Fix A"),)),
        PilotTurn(TurnKind.ACTION, "Try B or C", 0.7, fixes=(FixProposal("Fix B"), FixProposal("Fix C"))),
    ]
    await alice.say("/pilot outlook slow")
    await work(engine, db, alice)
    await alice.say("still slow")
    await work(engine, db, alice)
    async with db() as uow:
        fixes = uow.state.fixes
    assert [f.title for f in fixes] == ["Fix A", "Fix C"]
    assert fixes[0].superseded_at is not None and fixes[1].superseded_at is None


async def test_proposed_outcome_changes_nothing_until_confirmed(
    engine: Engine, db: MemoryDatabase, alice: Chat, copilot: ScriptedCopilot
) -> None:
    copilot.turns += [
        PilotTurn(TurnKind.ACTION, "Restart it", 0.7, fixes=(FixProposal("Restart spooler"),)),
        PilotTurn(TurnKind.CHAT, "Sounds fixed", 0.9, outcome=OutcomeProposal(FixStatus.APPLIED_SUCCESS, "works")),
    ]
    await alice.say("/pilot printing stuck")
    await work(engine, db, alice)
    await alice.say("it works now")
    await work(engine, db, alice)
    async with db() as uow:
        assert uow.state.fixes[0].status is FixStatus.PROPOSED
    alice.buttons = [b for r in alice.last for b in _buttons(r)]
    await alice.click("Yes")
    async with db() as uow:
        assert uow.state.fixes[0].status is FixStatus.APPLIED_SUCCESS and uow.state.fixes[0].verified_at is not None


async def test_pending_outcome_needs_a_reason(
    engine: Engine, db: MemoryDatabase, alice: Chat, copilot: ScriptedCopilot
) -> None:
    copilot.turns.append(PilotTurn(TurnKind.ACTION, "Do it", 0.7, fixes=(FixProposal("Rebuild profile"),)))
    await alice.say("/pilot outlook profile")
    await work(engine, db, alice)
    alice.buttons = [b for r in alice.last for b in _buttons(r)]
    await alice.click("Applied, checking")
    name = alice.forms[-1].inputs[0].name
    await alice.submit(**{name: "  "})
    assert t.FIX_REASON in alice.text()
    await alice.submit(**{name: "user to confirm tomorrow"})
    async with db() as uow:
        assert uow.state.fixes[0].status is FixStatus.APPLIED_PENDING


async def test_repeated_failed_fixes_and_forks_go_to_the_deep_model(
    engine: Engine, db: MemoryDatabase, alice: Chat, copilot: ScriptedCopilot
) -> None:
    for name in ("A", "B"):
        copilot.turns.append(PilotTurn(TurnKind.ACTION, f"Try {name}", 0.6, fixes=(FixProposal(f"Fix {name}"),)))
    await alice.say("/pilot disk full")
    await work(engine, db, alice)
    alice.buttons = [b for r in alice.last for b in _buttons(r)]
    await alice.click("Didn't work")
    await work(engine, db, alice)
    alice.buttons = [b for r in alice.last for b in _buttons(r)]
    await alice.click("Didn't work")
    await work(engine, db, alice)
    tiers = [tier for kind, tier, _ in copilot.calls if kind == "turn"]
    assert tiers == [ModelTier.FAST, ModelTier.FAST, ModelTier.DEEP]


async def test_resolution_preview_is_cached_by_state_version(
    engine: Engine, db: MemoryDatabase, alice: Chat, copilot: ScriptedCopilot
) -> None:
    await alice.say("/pilot mapped drive gone")
    await work(engine, db, alice)
    await alice.say("/resolve")
    await work(engine, db, alice)
    assert "Fixed it" in alice.text()
    await alice.say("/resolve")
    assert "Fixed it" in alice.text()  # shown from the cache at once
    assert [k for k, _, _ in copilot.calls].count("document") == 1
    alice.buttons = [b for r in alice.last for b in _buttons(r)]
    await alice.click("Confirm & post")
    session = await session_of(db)
    assert session.status is SessionStatus.RESOLVED and session.resolution_summary == "Fixed it"


async def test_claude_failing_falls_back_to_offline_and_says_so(
    engine: Engine, db: MemoryDatabase, alice: Chat, copilot: ScriptedCopilot
) -> None:
    copilot.fail = True
    await alice.say("/pilot cannot print")
    text = await work(engine, db, alice)
    assert t.DEGRADED in text and "How many users are affected?" in text


async def test_promote_drafts_a_fact_the_engineer_keeps(
    engine: Engine, db: MemoryDatabase, alice: Chat, copilot: ScriptedCopilot
) -> None:
    copilot.turns.append(PilotTurn(TurnKind.QUESTION, "Scope?", 0.3, questions=(Q1,)))
    await alice.say("/pilot wifi drops")
    await work(engine, db, alice)
    alice.buttons = [b for r in alice.last for b in _buttons(r)]
    await alice.click("Many")
    alice.buttons = [b for r in alice.last for b in _buttons(r)]
    await alice.click("Promote")
    await work(engine, db, alice)
    alice.buttons = [b for r in alice.last for b in _buttons(r)]
    await alice.click("Keep")
    async with db() as uow:
        (fact,) = uow.state.facts
        item = next(iter(uow.state.sessions.values())).pending_task_lane[0]
    assert fact.text == "Scope: Many" and fact.source_ref == item.id and item.fact_id == fact.id
