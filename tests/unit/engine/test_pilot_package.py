"""The escalation package: `pilot package` and the task lane's button preview FlowPilot's five sections and its
assessment (drafted once per session state), an unfinished fix is settled first, "Edit" keeps the kind, "Post to
ticket" queues one internal note (whatever double clicks do), and refusals change nothing.

Over the in-memory store, an in-memory PSA and a small fake of our copilot port that records what it was asked."""

from __future__ import annotations

import dataclasses

import pytest

from bot.engine import codec
from bot.engine.copilot import (
    Brief,
    BriefItem,
    DocKind,
    FixProposal,
    ModelTier,
    PilotDocument,
    PilotTurn,
    StatusKind,
    TextSink,
    TurnKind,
)
from bot.engine.engine import Engine
from bot.engine.events import ActionId, ButtonPressed, FormId
from bot.engine.model import FixStatus, Role, Session, SessionStatus, TimelineKind
from bot.engine.pilot import texts as t
from bot.engine.pilot.services import PilotServices
from bot.engine.pilot.views import lane_card
from bot.engine.psa import PsaTicket
from bot.engine.replies import Button, Buttons, Ephemeral, Post, Reply, Update, View
from bot.pilot.offline import OfflineCopilot
from tests.fakes.chat import Chat, view_text
from tests.fakes.memory_psa import MemoryPsa, MemoryPsaDirectory
from tests.fakes.memory_store import FakeClock, MemoryDatabase, SequentialIds

TICKET = PsaTicket(12345, "Printer offline for the whole office", company="Contoso Dental")
HEADINGS = ("Problem", "What we've confirmed", "What we've tried", "Current hypothesis", "Suggested next steps")
PACKAGE = (
    ("Problem", "Nobody in the office can print."),
    ("What we've confirmed", "- The spooler on 10.0.0.12 stops within a minute."),
    ("What we've tried", "- Restarted the spooler: didn't work."),
    ("Current hypothesis", "A corrupt printer driver crashes the spooler."),
    ("Suggested next steps", "- Remove and reinstall the HP driver."),
)
ASSESSMENT: dict[str, object] = {
    "summary_prose": "The print server's spooler keeps crashing.",
    "what_we_know": ["The spooler stops within a minute."],
    "likely_cause": "A corrupt printer driver.",
    "suggested_steps": ["Reinstall the HP driver", "Check the event log"],
    "confidence": 0.7,
}


class PackageCopilot:
    """Answers queued turns; drafts every document with recognisable sections; records the documents asked for."""

    mode = "claude"

    def __init__(self) -> None:
        self.turns: list[PilotTurn] = []
        self.documents: list[DocKind] = []

    async def turn(self, brief: Brief, tier: ModelTier, stream: TextSink | None = None) -> PilotTurn:
        turn = self.turns.pop(0) if self.turns else PilotTurn(TurnKind.CHAT, "Tell me more.", 0.3)
        return dataclasses.replace(turn, tier=tier.value)

    async def draft_fact(self, brief: Brief, item: BriefItem) -> str:
        return ""

    async def document(self, brief: Brief, kind: DocKind) -> PilotDocument:
        self.documents.append(kind)
        if kind is DocKind.ESCALATION:
            return PilotDocument(kind, PACKAGE, dict(ASSESSMENT))
        return PilotDocument(
            kind, (("Problem", "P"), ("What we confirmed", "C"), ("Root cause", "R"), ("Resolution", "X"))
        )

    async def status_update(self, brief: Brief, kind: StatusKind, detailed: bool) -> str:
        return "status"

    async def generate_flow(self, team_id: str, description: str) -> str:
        return ""


@pytest.fixture
def copilot() -> PackageCopilot:
    return PackageCopilot()


@pytest.fixture
def psa() -> MemoryPsa:
    return MemoryPsa(tickets={TICKET.id: TICKET})


@pytest.fixture
def directory() -> MemoryPsaDirectory:
    return MemoryPsaDirectory()


@pytest.fixture
def engine(db: MemoryDatabase, clock: FakeClock, copilot: PackageCopilot, directory: MemoryPsaDirectory) -> Engine:
    return Engine(db, clock, SequentialIds(), psa=directory, pilot=PilotServices(copilot, OfflineCopilot()))


@pytest.fixture
def alice(engine: Engine, team_id: str, clock: FakeClock, directory: MemoryPsaDirectory, psa: MemoryPsa) -> Chat:
    directory.by_team[team_id] = psa  # the team's PSA, once the team exists
    return Chat(engine, team_id, clock, "alice")


@pytest.fixture
def bob(engine: Engine, team_id: str, clock: FakeClock) -> Chat:
    return Chat(engine, team_id, clock, "bob")


async def work(engine: Engine, db: MemoryDatabase, chat: Chat) -> list[Reply]:
    """Run the queued copilot work like the worker does."""
    async with db() as uow:
        items = [i for i in await uow.inbox.pending(100) if i.payload.get("type") == "PilotWork"]
    replies: list[Reply] = []
    for item in items:
        replies += await engine.handle(codec.decode(item.payload), inbox_id=item.id)
    chat.last = replies
    chat.buttons = [b for r in replies if isinstance(r, Post | Update) for b in buttons_of([r])] or chat.buttons
    return replies


def view_buttons(view: View) -> list[Button]:
    return [b for blk in view.blocks if isinstance(blk, Buttons) for b in blk.buttons]


def buttons_of(replies: list[Reply]) -> list[Button]:
    return [b for r in replies if isinstance(r, Post | Update | Ephemeral) for b in view_buttons(r.view)]


def pending_jobs(db: MemoryDatabase) -> list[str]:
    return [key for (_, key), row in db.state.inbox.items() if row["processed_at"] is None]


def the_session(db: MemoryDatabase) -> Session:
    (session,) = db.state.sessions.values()
    return session


def press(chat: Chat, action: ActionId, value: str, session_id: str) -> ButtonPressed:
    """A click as a forged payload could make it."""
    return ButtonPressed(action=action, session_id=session_id, state_version=0, value=value, **chat._base())  # type: ignore[arg-type]


async def start(engine: Engine, db: MemoryDatabase, chat: Chat, problem: str, *turns: PilotTurn) -> None:
    """Open a FlowPilot session and let its first turn run."""
    copilot = engine.pilot.copilot if engine.pilot is not None else None
    assert isinstance(copilot, PackageCopilot | OfflineCopilot)
    if isinstance(copilot, PackageCopilot):
        copilot.turns += turns
    await chat.say(f"/pilot {problem}")
    await work(engine, db, chat)


async def drafted(engine: Engine, db: MemoryDatabase, chat: Chat) -> Update:
    """Ask for the package and let the worker draft it; the preview that replaces the placeholder."""
    await chat.say("/pilot package")
    (placeholder,) = [r for r in chat.last if isinstance(r, Post)]
    assert "Drafting the escalation package" in view_text(placeholder.view)
    (preview,) = await work(engine, db, chat)
    assert isinstance(preview, Update) and preview.ref == placeholder.ref
    return preview


async def test_the_package_is_drafted_once_and_served_from_the_cache_while_unchanged(
    engine: Engine, db: MemoryDatabase, alice: Chat, copilot: PackageCopilot
) -> None:
    await start(engine, db, alice, "printer offline #12345")
    preview = await drafted(engine, db, alice)
    text = view_text(preview.view)
    assert [text.index(f"*{h}*") for h in HEADINGS] == sorted(text.index(f"*{h}*") for h in HEADINGS)
    assert "10.0.0.12" not in text  # masked on the shared card
    assert t.PACKAGE_ASSESSMENT in text and "confidence 70%" in text and "1. Reinstall the HP driver" in text
    assert "A corrupt printer driver." in text and "Drafted by Claude (deep)" in text  # documents take the deep tier
    assert [b.label for b in buttons_of([preview])] == ["Post to ticket #12345", "Edit"]
    assert copilot.documents == [DocKind.ESCALATION]

    await alice.say("/pilot package")  # unchanged: the cached preview at once, no job, no model call
    (again,) = alice.last
    assert isinstance(again, Update) and again.ref == preview.ref and view_text(again.view) == text
    await alice.click("Escalation package", lane_button(db))  # the lane's button shares the path
    assert [type(r) for r in alice.last] == [Update] and pending_jobs(db) == []
    assert copilot.documents == [DocKind.ESCALATION]

    await alice.say("/fact the HP driver was updated on Monday")
    await alice.say("/pilot package")
    await work(engine, db, alice)
    assert copilot.documents == [DocKind.ESCALATION, DocKind.ESCALATION]
    assert db.state.previews[(alice.team_id, the_session(db).id, "escalation")].state_version == (
        the_session(db).state_version
    )


def lane_button(db: MemoryDatabase) -> Button:
    session = the_session(db)
    (button,) = [b for b in view_buttons(lane_card(session, [], None)) if b.action is ActionId.PACKAGE]
    return button


async def test_the_lane_card_offers_the_package_while_the_session_is_open(
    engine: Engine, db: MemoryDatabase, alice: Chat
) -> None:
    await start(engine, db, alice, "printer offline")
    (button,) = [b for b in buttons_of(alice.last) if b.action is ActionId.PACKAGE]
    assert button.label == "Escalation package"
    session = the_session(db)
    session.status = SessionStatus.RESOLVED
    assert not [b for b in view_buttons(lane_card(session, [], None)) if b.action is ActionId.PACKAGE]


@pytest.mark.parametrize("how", ["command", "button"])
async def test_an_unfinished_fix_is_settled_before_the_package(
    engine: Engine, db: MemoryDatabase, alice: Chat, copilot: PackageCopilot, how: str
) -> None:
    fix = PilotTurn(TurnKind.ACTION, "Restart it", 0.6, fixes=(FixProposal("Restart the spooler"),))
    await start(engine, db, alice, "printer offline #12345", fix)
    if how == "command":
        await alice.say("/pilot package")
    else:
        await alice.click("Escalation package", lane_button(db))
    text = alice.text()
    assert "how did the suggested fix *Restart the spooler* go?" in text and "ask for the package again" in text
    assert [b.label for b in buttons_of(alice.last)] == ["It worked", "Didn't work", "Partly", "Never applied"]
    assert pending_jobs(db) == [] and copilot.documents == []

    await alice.click("Didn't work")
    assert db.state.fixes[0].status is FixStatus.APPLIED_FAILED
    await work(engine, db, alice)  # the failed fix sends FlowPilot on
    await drafted(engine, db, alice)
    assert copilot.documents == [DocKind.ESCALATION]


async def test_a_fix_never_applied_is_dismissed_and_a_pending_one_is_asked_about_too(
    engine: Engine, db: MemoryDatabase, alice: Chat, copilot: PackageCopilot
) -> None:
    fix = PilotTurn(TurnKind.ACTION, "Restart it", 0.6, fixes=(FixProposal("Restart the spooler"),))
    await start(engine, db, alice, "printer offline #12345", fix)
    await alice.say("/pilot package")
    await alice.click("Never applied")
    assert db.state.fixes[0].status is FixStatus.DISMISSED
    await drafted(engine, db, alice)

    db.state.fixes[0].superseded_at, db.state.fixes[0].status = None, FixStatus.APPLIED_PENDING
    await alice.say("/pilot package")
    assert [b.label for b in buttons_of(alice.last)] == ["It worked", "Didn't work", "Partly"]
    assert copilot.documents == [DocKind.ESCALATION]


async def test_edit_keeps_the_kind_and_the_sections(
    engine: Engine, db: MemoryDatabase, alice: Chat, copilot: PackageCopilot
) -> None:
    await start(engine, db, alice, "printer offline #12345")
    await drafted(engine, db, alice)
    await alice.click("Edit")
    (form,) = alice.forms
    assert form.form is FormId.PACKAGE and [i.label for i in form.inputs] == list(HEADINGS)
    assert form.inputs[4].initial == PACKAGE[4][1]
    await alice.submit(s4="- Replace the driver with the universal one.")
    (updated,) = alice.last
    assert isinstance(updated, Update) and "universal one" in view_text(updated.view)
    assert "edited by Alice" in view_text(updated.view)
    session = the_session(db)
    stored = db.state.previews[(alice.team_id, session.id, "escalation")]
    assert [h for h, _ in stored.sections] == list(HEADINGS) and stored.sections[:4] == list(PACKAGE[:4])
    assert stored.assessment["likely_cause"] == ASSESSMENT["likely_cause"]
    assert (alice.team_id, session.id, "resolution") not in db.state.previews
    assert session.status is SessionStatus.ACTIVE and copilot.documents == [DocKind.ESCALATION]
    await alice.click("Post to ticket")
    (item,) = db.state.outbox
    assert "universal one" in item.payload["text"]


async def test_post_to_ticket_queues_one_internal_note_and_leaves_the_session_as_it_was(
    engine: Engine, db: MemoryDatabase, alice: Chat, copilot: PackageCopilot
) -> None:
    await start(engine, db, alice, "printer offline #12345")
    preview = await drafted(engine, db, alice)
    version = the_session(db).state_version
    post, edit = alice.button("Post to ticket"), alice.button("Edit")
    await alice.click("Post", post)
    (item,) = db.state.outbox
    assert item.kind == "psa.note" and item.payload["ticket"] == 12345 and item.payload["note_kind"] == "internal"
    body = item.payload["text"]
    assert [body.index(h) for h in HEADINGS] == sorted(body.index(h) for h in HEADINGS)
    assert "10.0.0.12" not in body  # redacted per the team's (default) setting
    assert "Escalation package queued for ticket #12345" in alice.text()
    (updated,) = [r for r in alice.last if isinstance(r, Update)]
    assert updated.ref == preview.ref and "Sent to ticket #12345 by Alice" in view_text(updated.view)
    assert not buttons_of([updated])
    session = the_session(db)
    assert session.status is SessionStatus.ACTIVE and session.state_version == version
    (entry,) = [e for e in db.state.timeline if e.kind is TimelineKind.EXPORTED]
    assert entry.title == "Escalation package → ticket #12345" and entry.detail["outbox_id"] == item.id

    for _ in range(2):  # a double click, and the same click again
        await alice.click("Post", post)
        assert "already sent to ticket #12345 by Alice" in alice.text() and "isn't posted twice" in alice.text()
    await alice.click("Edit", edit)
    assert t.PACKAGE_EDIT_POSTED in alice.text()
    await alice.say("/pilot package")  # the sent package, from the cache, with nothing to post
    assert "Sent to ticket #12345" in alice.text() and not buttons_of(alice.last)
    assert len(db.state.outbox) == 1 and copilot.documents == [DocKind.ESCALATION]


async def test_without_a_ticket_there_is_nothing_to_post(engine: Engine, db: MemoryDatabase, alice: Chat) -> None:
    await start(engine, db, alice, "printer offline")
    preview = await drafted(engine, db, alice)
    assert t.PACKAGE_NO_TICKET in view_text(preview.view)
    assert [b.label for b in buttons_of([preview])] == ["Edit"]
    replies = await engine.handle(press(alice, ActionId.POST_PACKAGE, "escalation", the_session(db).id))
    assert [type(r) for r in replies] == [Ephemeral] and t.PACKAGE_NOT_LINKED in view_text(replies[0].view)
    assert db.state.outbox == []


async def test_without_a_psa_the_package_is_not_posted(
    engine: Engine, db: MemoryDatabase, alice: Chat, directory: MemoryPsaDirectory
) -> None:
    await start(engine, db, alice, "printer offline #12345")
    await drafted(engine, db, alice)
    directory.by_team.clear()  # the team disconnected its PSA since
    await alice.click("Post to ticket")
    assert t.PACKAGE_NO_PSA.format(number="12345") in alice.text() and db.state.outbox == []


async def test_a_stale_preview_is_redrafted_and_the_engineer_is_told(
    engine: Engine, db: MemoryDatabase, alice: Chat, copilot: PackageCopilot
) -> None:
    await start(engine, db, alice, "printer offline #12345")
    await drafted(engine, db, alice)
    post, edit = alice.button("Post to ticket"), alice.button("Edit")
    await alice.say("/fact the HP driver was updated on Monday")
    for button in (post, edit):
        await alice.click(button.label, button)
        assert t.DOC_STALE in alice.text() and "Drafting the escalation package" in alice.text()
        assert db.state.outbox == [] and not alice.forms
    assert len(pending_jobs(db)) == 1  # the same fresh draft, asked for twice, is queued once
    await work(engine, db, alice)
    assert copilot.documents == [DocKind.ESCALATION, DocKind.ESCALATION]
    await alice.click("Post to ticket")
    assert len(db.state.outbox) == 1


async def test_viewers_cannot_ask_for_edit_or_post_the_package(
    engine: Engine, db: MemoryDatabase, alice: Chat, bob: Chat, copilot: PackageCopilot
) -> None:
    await start(engine, db, alice, "printer offline #12345")
    await drafted(engine, db, alice)
    post, edit = alice.button("Post to ticket"), alice.button("Edit")
    await bob.say("/help")
    next(u for u in db.state.users.values() if u.display_name == "Bob").role = Role.VIEWER
    await bob.say("/pilot package")
    assert "Viewers can read" in bob.text()
    for button in (lane_button(db), post, edit):
        await bob.click(button.label, button)
        assert "Viewers can read" in bob.text()
    assert db.state.outbox == [] and pending_jobs(db) == [] and not bob.forms
    assert copilot.documents == [DocKind.ESCALATION]


@pytest.mark.parametrize(
    ("action", "value"),
    [
        (ActionId.POST_PACKAGE, "resolution"),
        (ActionId.POST_PACKAGE, "status:3:ticket_notes:quick"),
        (ActionId.POST_PACKAGE, ""),
        (ActionId.EDIT_DOCUMENT, "bogus"),
        (ActionId.CONFIRM_POST, "escalation"),
    ],
)
async def test_a_forged_kind_is_refused_and_changes_nothing(
    engine: Engine, db: MemoryDatabase, alice: Chat, action: ActionId, value: str
) -> None:
    await start(engine, db, alice, "printer offline #12345")
    await drafted(engine, db, alice)
    session = the_session(db)
    previews, version = dict(db.state.previews), session.state_version
    replies = await engine.handle(press(alice, action, value, session.id))
    assert [type(r) for r in replies] == [Ephemeral] and t.DOC_BAD_KIND in view_text(replies[0].view)
    assert db.state.outbox == [] and db.state.previews == previews and pending_jobs(db) == []
    assert the_session(db).status is SessionStatus.ACTIVE and the_session(db).state_version == version


async def test_the_offline_copilot_drafts_the_five_sections(db: MemoryDatabase, clock: FakeClock, team_id: str) -> None:
    offline = OfflineCopilot()
    engine = Engine(db, clock, SequentialIds(), pilot=PilotServices(offline, offline))
    chat = Chat(engine, team_id, clock, "alice")
    await start(engine, db, chat, "printer offline")
    text = view_text((await drafted(engine, db, chat)).view)
    assert all(f"*{h}*" in text for h in HEADINGS) and "Drafted by offline template" in text
