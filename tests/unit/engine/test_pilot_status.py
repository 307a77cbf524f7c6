"""Status updates on demand: the task lane's "Status update" menu (4 kinds x quick/detailed), the `update` command
that shares its path, "Post to ticket" for a drafted ticket note (queued once), and refusals that change nothing.

Over the in-memory store, an in-memory PSA and a small fake of our copilot port that records what it was asked."""

from __future__ import annotations

import pytest

from bot.engine import codec
from bot.engine.commands.registry import help_view
from bot.engine.copilot import (
    Brief,
    BriefItem,
    DocKind,
    ModelTier,
    PilotDocument,
    PilotTurn,
    StatusKind,
    TextSink,
    TurnKind,
)
from bot.engine.engine import Engine
from bot.engine.events import ActionId, ButtonPressed
from bot.engine.model import Role, SessionStatus
from bot.engine.pilot import texts as t
from bot.engine.pilot.services import PilotServices
from bot.engine.pilot.status import CHOICES, StatusChoice
from bot.engine.pilot.views import lane_card
from bot.engine.psa import PsaTicket
from bot.engine.replies import Button, Buttons, Code, Ephemeral, Post, Reply, Select, Update
from bot.pilot.offline import OfflineCopilot
from tests.fakes.chat import Chat, view_text
from tests.fakes.memory_psa import MemoryPsa, MemoryPsaDirectory
from tests.fakes.memory_store import FakeClock, MemoryDatabase, SequentialIds

TICKET = PsaTicket(12345, "Printer offline for the whole office", company="Contoso Dental")
LABELS = [
    "Ticket note — quick",
    "Ticket note — detailed",
    "Client update — quick",
    "Client update — detailed",
    "E-mail draft — quick",
    "E-mail draft — detailed",
    "Request info — quick",
    "Request info — detailed",
]


class StatusCopilot:
    """Answers every status update with a recognisable text and records what was asked."""

    mode = "claude"

    def __init__(self) -> None:
        self.asked: list[tuple[StatusKind, bool]] = []

    async def turn(self, brief: Brief, tier: ModelTier, stream: TextSink | None = None) -> PilotTurn:
        return PilotTurn(TurnKind.CHAT, "Tell me more.", 0.2, tier=tier.value)

    async def draft_fact(self, brief: Brief, item: BriefItem) -> str:
        return ""

    async def document(self, brief: Brief, kind: DocKind) -> PilotDocument:
        return PilotDocument(kind, ())

    async def status_update(self, brief: Brief, kind: StatusKind, detailed: bool) -> str:
        self.asked.append((kind, detailed))
        depth = "detailed" if detailed else "quick"
        return f"{kind.value} {depth}: spooler restarted on 10.0.0.12, printing again."

    async def generate_flow(self, team_id: str, description: str) -> str:
        return ""


@pytest.fixture
def copilot() -> StatusCopilot:
    return StatusCopilot()


@pytest.fixture
def psa() -> MemoryPsa:
    return MemoryPsa(tickets={TICKET.id: TICKET})


@pytest.fixture
def directory() -> MemoryPsaDirectory:
    return MemoryPsaDirectory()


@pytest.fixture
def engine(db: MemoryDatabase, clock: FakeClock, copilot: StatusCopilot, directory: MemoryPsaDirectory) -> Engine:
    return Engine(db, clock, SequentialIds(), psa=directory, pilot=PilotServices(copilot, OfflineCopilot()))


@pytest.fixture
def alice(engine: Engine, team_id: str, clock: FakeClock, directory: MemoryPsaDirectory, psa: MemoryPsa) -> Chat:
    directory.by_team[team_id] = psa  # the team's PSA, once the team exists
    return Chat(engine, team_id, clock, "alice")


@pytest.fixture
def bob(engine: Engine, team_id: str, clock: FakeClock) -> Chat:
    return Chat(engine, team_id, clock, "bob")


def shown(replies: list[Reply]) -> list[Button]:
    """Buttons and menu options of posted and updated messages (a menu option as a button with its value)."""
    found: list[Button] = []
    for reply in replies:
        if not isinstance(reply, Post | Update | Ephemeral):
            continue
        for block in reply.view.blocks:
            if isinstance(block, Buttons):
                found += block.buttons
            elif isinstance(block, Select):
                found += [
                    Button(o.label, block.action, block.session_id, block.state_version, o.value) for o in block.options
                ]
    return found


def menu_of(replies: list[Reply]) -> Select:
    (menu,) = [b for r in replies if isinstance(r, Post | Update) for b in r.view.blocks if isinstance(b, Select)]
    return menu


async def work(engine: Engine, db: MemoryDatabase, chat: Chat) -> list[Reply]:
    """Run the queued copilot work like the worker does."""
    async with db() as uow:
        items = [i for i in await uow.inbox.pending(100) if i.payload.get("type") == "PilotWork"]
    replies: list[Reply] = []
    for item in items:
        replies += await engine.handle(codec.decode(item.payload), inbox_id=item.id)
    chat.last = replies
    return replies


def pending_jobs(db: MemoryDatabase) -> list[str]:
    return [key for (_, key), row in db.state.inbox.items() if row["processed_at"] is None]


async def start(engine: Engine, db: MemoryDatabase, chat: Chat, problem: str) -> None:
    """Open a FlowPilot session and let its first turn run (the lane card is then redrawn with its menu)."""
    await chat.say(f"/pilot {problem}")
    await work(engine, db, chat)


async def pick(chat: Chat, label: str) -> list[Reply]:
    """Choose ``label`` in the last shown "Status update" menu."""
    option = next(b for b in shown(chat.last) if b.action is ActionId.STATUS_UPDATE and b.label == label)
    return await chat.click(label, option)


def press(chat: Chat, action: ActionId, value: str, session_id: str) -> ButtonPressed:
    """A click as a forged payload could make it."""
    return ButtonPressed(action=action, session_id=session_id, state_version=0, value=value, **chat._base())  # type: ignore[arg-type]


async def test_the_lane_card_offers_eight_clearly_labelled_status_updates(
    engine: Engine, db: MemoryDatabase, alice: Chat
) -> None:
    await start(engine, db, alice, "printer offline")
    menu = menu_of(alice.last)
    assert menu.action is ActionId.STATUS_UPDATE and menu.placeholder == t.STATUS_MENU
    assert [o.label for o in menu.options] == LABELS
    assert [StatusChoice.parse(o.value) for o in menu.options] == list(CHOICES)


@pytest.mark.parametrize("choice", CHOICES, ids=lambda c: c.arg)
async def test_each_kind_and_depth_runs_the_status_work_and_posts_a_copyable_draft(
    engine: Engine, db: MemoryDatabase, alice: Chat, copilot: StatusCopilot, choice: StatusChoice
) -> None:
    await start(engine, db, alice, "printer offline")
    replies = await pick(alice, choice.label)
    (placeholder,) = [r for r in replies if isinstance(r, Post)]
    assert placeholder.view.fallback == t.THINKING and choice.label in view_text(placeholder.view)
    assert copilot.asked == []  # off the request path: the worker calls the model
    (update,) = await work(engine, db, alice)
    assert isinstance(update, Update) and update.ref == placeholder.ref
    assert copilot.asked == [(choice.kind, choice.detailed)]
    (code,) = [b for b in update.view.blocks if isinstance(b, Code)]
    assert code.code.startswith(f"{choice.kind.value} {choice.depth}:")
    text = view_text(update.view)
    assert choice.label in text
    if choice.kind is StatusKind.TICKET_NOTES:
        assert t.STATUS_NOTE_UNLINKED in text  # no ticket linked: a draft to copy
    else:
        assert t.STATUS_DRAFT_HINT in text
    assert not [b for b in shown([update]) if b.action is ActionId.POST_STATUS_NOTE]


async def test_a_ticket_note_is_posted_to_the_ticket_once(
    engine: Engine, db: MemoryDatabase, alice: Chat, copilot: StatusCopilot
) -> None:
    await start(engine, db, alice, "printer offline #12345")
    await pick(alice, "Ticket note — detailed")
    await work(engine, db, alice)
    assert t.STATUS_NOTE_HINT.format(number="12345") in alice.text()
    post = next(b for b in shown(alice.last) if b.action is ActionId.POST_STATUS_NOTE)
    assert post.label == "Post to ticket #12345"
    replies = await alice.click("Post", post)
    (item,) = db.state.outbox
    assert item.kind == "psa.note" and item.payload["ticket"] == 12345 and item.payload["note_kind"] == "internal"
    assert item.payload["text"].startswith("ticket_notes detailed: spooler restarted")
    assert "10.0.0.12" not in item.payload["text"]  # redacted per the team's (default) setting
    assert "Ticket note queued for ticket #12345" in alice.text()
    (updated,) = [r for r in replies if isinstance(r, Update)]
    assert "Sent to ticket #12345 by Alice" in view_text(updated.view)
    assert not [b for b in shown([updated]) if b.action is ActionId.POST_STATUS_NOTE]
    for _ in range(2):  # a double click, and the same click again
        await alice.click("Post", post)
        assert "already sent to ticket #12345 by Alice" in alice.text() and "isn't posted twice" in alice.text()
    assert len(db.state.outbox) == 1


async def test_without_a_psa_the_note_is_not_posted(
    engine: Engine, db: MemoryDatabase, alice: Chat, directory: MemoryPsaDirectory
) -> None:
    await start(engine, db, alice, "printer offline #12345")
    await pick(alice, "Ticket note — quick")
    await work(engine, db, alice)
    post = next(b for b in shown(alice.last) if b.action is ActionId.POST_STATUS_NOTE)
    directory.by_team.clear()  # the team disconnected its PSA since
    await alice.click("Post", post)
    assert t.STATUS_NOTE_NO_PSA.format(number="12345") in alice.text() and db.state.outbox == []


@pytest.mark.parametrize(
    ("action", "value", "message"),
    [
        (ActionId.STATUS_UPDATE, "ticket_notes:verbose", t.STATUS_BAD_CHOICE),
        (ActionId.STATUS_UPDATE, "status:quick", t.STATUS_BAD_CHOICE),
        (ActionId.STATUS_UPDATE, "client_update", t.STATUS_BAD_CHOICE),
        (ActionId.STATUS_UPDATE, "", t.STATUS_BAD_CHOICE),
        (ActionId.POST_STATUS_NOTE, "x:quick", t.STATUS_BAD_CHOICE),
        (ActionId.POST_STATUS_NOTE, "3:medium", t.STATUS_BAD_CHOICE),
        (ActionId.POST_STATUS_NOTE, "999:quick", t.STATUS_NOTE_GONE),
    ],
)
async def test_forged_values_are_refused_and_change_nothing(
    engine: Engine, db: MemoryDatabase, alice: Chat, copilot: StatusCopilot, action: ActionId, value: str, message: str
) -> None:
    await start(engine, db, alice, "printer offline #12345")
    session_id = menu_of(alice.last).session_id
    jobs, previews = pending_jobs(db), dict(db.state.previews)
    replies = await engine.handle(press(alice, action, value, session_id))
    assert [type(r) for r in replies] == [Ephemeral] and message in view_text(replies[0].view)
    assert pending_jobs(db) == jobs and db.state.previews == previews and db.state.outbox == []
    assert copilot.asked == []


async def test_viewers_cannot_ask_for_or_post_status_updates(
    engine: Engine, db: MemoryDatabase, alice: Chat, bob: Chat, copilot: StatusCopilot
) -> None:
    await start(engine, db, alice, "printer offline #12345")
    lane = list(alice.last)
    await pick(alice, "Ticket note — quick")
    await work(engine, db, alice)
    post = next(b for b in shown(alice.last) if b.action is ActionId.POST_STATUS_NOTE)
    await bob.say("/help")
    next(u for u in db.state.users.values() if u.display_name == "Bob").role = Role.VIEWER
    jobs = pending_jobs(db)
    bob.last = lane
    await pick(bob, "Client update — quick")
    assert "Viewers can read" in bob.text() and pending_jobs(db) == jobs
    await bob.click("Post", post)
    assert "Viewers can read" in bob.text() and db.state.outbox == []
    await bob.say("/update client")
    assert "Viewers can read" in bob.text() and copilot.asked == [(StatusKind.TICKET_NOTES, False)]


async def test_the_command_shares_the_path_and_an_unchanged_session_is_drafted_once(
    engine: Engine, db: MemoryDatabase, alice: Chat, copilot: StatusCopilot
) -> None:
    await start(engine, db, alice, "printer offline")
    await alice.say("/update client detailed")
    (placeholder,) = [r for r in alice.last if isinstance(r, Post)]
    assert placeholder.view.fallback == t.THINKING and "Client update — detailed" in alice.text()
    await alice.say("/update client detailed")
    assert "already asked for" in alice.text() and [type(r) for r in alice.last] == [Ephemeral]
    (update,) = await work(engine, db, alice)
    assert isinstance(update, Update) and update.ref == placeholder.ref
    assert copilot.asked == [(StatusKind.CLIENT_UPDATE, True)]
    await alice.say("/update email")
    await work(engine, db, alice)
    assert copilot.asked[-1] == (StatusKind.EMAIL_DRAFT, False)


@pytest.mark.parametrize("args", ["", "weather", "client verbose", "client quick detailed"])
async def test_command_usage_lists_kinds_and_depths(engine: Engine, db: MemoryDatabase, alice: Chat, args: str) -> None:
    await start(engine, db, alice, "printer offline")
    await alice.say(f"/update {args}")
    assert t.STATUS_KINDS in alice.text()
    for word in ("`ticket`", "`client`", "`email`", "`request`", "quick", "detailed"):
        assert word in t.STATUS_KINDS


def test_help_lists_the_status_kinds_and_depths() -> None:
    line = next(x for x in view_text(help_view()).splitlines() if x.startswith("• `update`"))
    assert "ticket|client|email|request" in line and "[quick|detailed]" in line


async def test_a_closed_session_has_no_menu_and_takes_no_status_requests(
    engine: Engine, db: MemoryDatabase, alice: Chat, copilot: StatusCopilot
) -> None:
    await start(engine, db, alice, "printer offline")
    session_id = menu_of(alice.last).session_id
    db.state.sessions[session_id].status = SessionStatus.ABANDONED
    replies = await engine.handle(press(alice, ActionId.STATUS_UPDATE, "client_update:quick", session_id))
    assert t.STATUS_CLOSED.format(status="abandoned") in view_text(replies[0].view)
    assert copilot.asked == [] and pending_jobs(db) == []
    assert not [b for b in lane_card(db.state.sessions[session_id], [], None).blocks if isinstance(b, Select)]


async def test_offline_copilot_writes_every_kind(db: MemoryDatabase, clock: FakeClock, team_id: str) -> None:
    offline = OfflineCopilot()
    engine = Engine(db, clock, SequentialIds(), pilot=PilotServices(offline, offline))
    chat = Chat(engine, team_id, clock, "alice")
    await start(engine, db, chat, "printer offline")
    (session_id,) = db.state.sessions
    for choice in CHOICES:
        await engine.handle(press(chat, ActionId.STATUS_UPDATE, choice.arg, session_id))
    replies = await work(engine, db, chat)
    assert len(replies) == len(CHOICES)
    for reply, choice in zip(replies, CHOICES, strict=True):
        assert isinstance(reply, Update) and choice.label in view_text(reply.view)
        assert any(isinstance(b, Code) and b.code.strip() for b in reply.view.blocks)
