"""The step library in the engine: sync on publish, `step:` references, ratings, alternatives, roles, isolation."""

from __future__ import annotations

import dataclasses

from bot.engine.engine import Engine
from bot.engine.events import ActionId
from bot.engine.model import Role
from bot.engine.replies import Button, Update
from bot.engine.steplib.ranking import alternatives, wilson
from bot.engine.steplib.records import LibraryStep, StepType, StepVisibility
from bot.engine.steplib.sync import resolve_refs, sync_flow
from bot.flows.loader import parse_flow_text
from tests.fakes.chat import Chat
from tests.fakes.memory_store import FakeClock, MemoryDatabase, SequentialIds
from tests.unit.engine.conftest import VPN

REF_FLOW = """\
key: printer
name: Printer
kind: troubleshooting
start: spool
nodes:
  - id: spool
    type: action
    step: {ref}
    next: done
  - id: done
    type: solution
    resolution: Printing again.
"""


def _hand_step(team_id: str | None, step_id: str, title: str, up: int = 0, down: int = 0, **kw: object) -> LibraryStep:
    return LibraryStep(
        id=step_id,
        team_id=team_id,
        slug=f"s-{step_id}",
        title=title,
        type=StepType.ACTION,
        content=str(kw.pop("content", "")),
        visibility=kw.pop("visibility", StepVisibility.TEAM),  # type: ignore[arg-type]
        up_count=up,
        down_count=down,
        created_by=str(kw.pop("created_by", "")),
        created_at=FakeClock().now(),
        updated_at=FakeClock().now(),
    )


async def _sync(db: MemoryDatabase, clock: FakeClock, *steps: LibraryStep) -> None:
    async with db() as uow:
        await sync_flow(uow, SequentialIds(), None, VPN, clock.now())
        for step in steps:
            await uow.step_library.add(step)
        await uow.commit()


async def test_publishing_syncs_action_steps_idempotently(db: MemoryDatabase, clock: FakeClock) -> None:
    ids = SequentialIds()
    async with db() as uow:
        assert await sync_flow(uow, ids, None, VPN, clock.now()) == 1  # the one action node
        assert await sync_flow(uow, ids, None, VPN, clock.now()) == 0
        (entry,) = uow.state.library_steps.values()
        assert (entry.slug, entry.read_only, entry.visibility) == ("vpn-test/restart", True, StepVisibility.PUBLIC)
        assert entry.commands == ("Restart-Service vpnagent",)
        renamed = dataclasses.replace(
            VPN,
            nodes=tuple(
                dataclasses.replace(n, title="Restart the client") if n.id == "restart" else n for n in VPN.nodes
            ),
            _index={},
        )
        assert await sync_flow(uow, ids, None, renamed, clock.now()) == 1
        (again,) = uow.state.library_steps.values()
        assert again.id == entry.id and again.title == "Restart the client"


async def test_step_references_resolve_or_fail_with_their_line(
    db: MemoryDatabase, clock: FakeClock, team_id: str
) -> None:
    await _sync(db, clock)
    async with db() as uow:
        flow = parse_flow_text(REF_FLOW.format(ref="vpn-test/restart"), "printer.yaml")
        filled, source, errors = await resolve_refs(uow, team_id, "u", flow, "original")
        assert not errors and filled.node("spool").title == "Restart the VPN client"
        assert "step: vpn-test/restart" in source and "Restart-Service vpnagent" in source
        assert parse_flow_text(source).node("spool").instructions == "Restart the client service."
        bad = parse_flow_text(REF_FLOW.format(ref="nope"), "printer.yaml")
        _, kept, errors = await resolve_refs(uow, team_id, "u", bad, "original")
        assert kept == "original" and [(e.line, e.code) for e in errors] == [(6, "bad-ref")]
        assert "no library step 'nope'" in errors[0].message


def test_wilson_ranks_many_good_ratings_above_a_few() -> None:
    assert wilson(0, 0) == 0
    assert wilson(45, 5) > wilson(3, 0) > wilson(1, 1)
    steps = [
        _hand_step("t", "a", "Reinstall the VPN client", 3, 0),
        _hand_step("t", "b", "Reinstall VPN client driver", 45, 5),
        _hand_step("t", "c", "Order lunch", 90, 0),
    ]
    found = alternatives(steps, exclude={"x"}, category="", tags=(), text="Restart the VPN client")
    assert [s.id for s in found] == ["b", "a"]


async def test_done_step_offers_rating_once_per_person_and_counts_use(
    alice: Chat, db: MemoryDatabase, clock: FakeClock
) -> None:
    await _sync(db, clock)
    await alice.say("/start vpn-test")
    await alice.click("Yes")
    replies = await alice.click("Done")
    (answered,) = [r for r in replies if isinstance(r, Update) and ":step:" in r.ref]
    assert "[👍] | [👎] | [Add a review]" in "\n".join(alice.text().splitlines())
    assert any(b.action is ActionId.STEP_RATE for b in alice.buttons)
    assert answered.view.blocks[0]
    (entry,) = db.state.library_steps.values()
    assert entry.usage_count == 1
    thumbs_down = alice.button("👎")
    await alice.click("👍")
    await alice.click("👎", thumbs_down)
    (entry,) = db.state.library_steps.values()
    assert (entry.up_count, entry.down_count) == (0, 1) and len(db.state.step_ratings) == 1
    await alice.click("Add a review", Button("Add a review", ActionId.STEP_REVIEW, "", 0, entry.id))
    await alice.submit(thumb="up", review="x" * 281)
    assert "280 characters" in alice.text()
    await alice.submit(thumb="up", review="Fixed it in a minute.")
    (entry,) = db.state.library_steps.values()
    assert (entry.up_count, entry.down_count) == (1, 0)
    await alice.say(f"/steps show {entry.short_id}")
    assert "Fixed it in a minute." in alice.text() and "👍 1 · 👎 0 · used 1×" in alice.text()


async def test_failed_step_offers_best_rated_alternatives_to_add(
    alice: Chat, db: MemoryDatabase, clock: FakeClock, team_id: str
) -> None:
    good = _hand_step(team_id, "alt-good", "Reinstall the VPN client", 9, 1, content="Remove and reinstall it.")
    meh = _hand_step(team_id, "alt-meh", "Reset the VPN client profile", 1, 1)
    await _sync(db, clock, good, meh)
    await alice.say("/start vpn-test")
    await alice.click("Yes")
    await alice.click("Didn't work")
    text = alice.text()
    assert "Best-rated alternatives" in text
    assert text.index("Reinstall the VPN client") < text.index("Reset the VPN client profile")
    await alice.click("Add as a step", alice.buttons[[b.value for b in alice.buttons].index("alt-good")])
    session = next(iter(db.state.sessions.values()))
    assert session.custom_step == "Reinstall the VPN client"


async def test_steps_command_roles_and_bad_input(alice: Chat, bob: Chat, db: MemoryDatabase, clock: FakeClock) -> None:
    await _sync(db, clock)
    await alice.say("/steps add")
    await alice.submit(title="Flush DNS", type="spell", content="ipconfig /flushdns")
    assert "not a step type" in alice.text() and not [s for s in db.state.library_steps.values() if not s.read_only]
    await alice.submit(title="Flush DNS", visibility="public")
    assert "operators" in alice.text()
    await alice.submit(
        title="Flush DNS", content="Clear the resolver cache.", commands="ipconfig /flushdns", tags="dns"
    )
    (mine,) = [s for s in db.state.library_steps.values() if not s.read_only]
    assert mine.commands == ("ipconfig /flushdns",) and mine.tags == ("dns",)
    await alice.say(f"/steps edit {mine.slug}")
    await alice.submit(title="Flush the DNS cache")
    assert db.state.library_steps[mine.id].title == "Flush the DNS cache"
    await alice.say("/steps edit vpn-test/restart")
    assert "read-only" in alice.text()
    await alice.say("/steps search dns tag:dns")
    assert "Flush the DNS cache" in alice.text()
    await alice.say("/steps top")
    assert "Best-rated steps" in alice.text()
    await alice.say("/steps frobnicate")
    assert "Use `steps search" in alice.text()
    await bob.say("/help")
    bob_user = next(u for u in db.state.users.values() if u.display_name == "Bob")
    bob_user.role = Role.VIEWER
    await bob.say("/steps search dns")
    assert "Flush the DNS cache" in bob.text()
    await bob.say("/steps add")
    assert "viewer" in bob.text().lower() and not bob.forms


async def test_another_team_never_sees_team_or_private_steps(
    engine: Engine, db: MemoryDatabase, clock: FakeClock, team_id: str
) -> None:
    secret = _hand_step(team_id, "beefcafe-aaaa-4000-8000-00000000beef", "Acme secret step")
    private = _hand_step(team_id, "p1", "Alice's own", visibility=StepVisibility.PRIVATE, created_by="nobody")
    await _sync(db, clock, secret, private)
    other = await engine.ensure_team("globex")
    carol = Chat(engine, other, clock, "carol")
    for ref in (secret.id, secret.short_id, secret.slug, private.slug):
        await carol.say(f"/steps show {ref}")
        assert "No library step" in carol.text()
    await carol.click("👍", Button("👍", ActionId.STEP_RATE, "", 0, f"{secret.id}:up"))
    assert "No library step" in carol.text() and not db.state.step_ratings
    await carol.say("/steps search step")
    assert "Acme secret" not in carol.text()
    await carol.say("/steps show vpn-test/restart")  # public steps are seen by everyone
    assert "Restart the VPN client" in carol.text()
    alice = Chat(engine, team_id, clock, "alice")
    await alice.say(f"/steps show {private.slug}")  # private: its author only
    assert "No library step" in alice.text()


async def test_two_steps_with_one_title_get_distinct_slugs(alice: Chat, db: MemoryDatabase, clock: FakeClock) -> None:
    await _sync(db, clock)
    for _ in range(2):
        await alice.say("/steps add")
        await alice.submit(title="Flush DNS", content="Clear the resolver cache.")
    slugs = [s.slug for s in db.state.library_steps.values() if not s.read_only]
    assert len(slugs) == 2 and len(set(slugs)) == 2 and all(s.startswith("flush-dns-") for s in slugs)
