"""The flow library in chat (in-memory store): show/export/versions, import from a shared YAML file with
line-numbered errors, publish/archive/restore as a team admin (audited, public flows copied), roles, browse, and
tenant isolation (another team's key is "not found")."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.engine.audit import AuditAction
from bot.engine.engine import Engine
from bot.engine.events import CommandIssued
from bot.engine.model import Role
from bot.engine.pilot.services import PilotServices
from bot.engine.replies import Attachment
from bot.flows.diagram import PNG_SIGNATURE
from bot.flows.model import FlowStatus
from bot.pilot.offline import OfflineCopilot
from tests.fakes.chat import Chat
from tests.fakes.memory_files import MemoryFiles
from tests.fakes.memory_store import FakeClock, MemoryDatabase, SequentialIds

DRAFT = (Path(__file__).parents[3] / "fixtures" / "flows" / "printer-jam.yaml").read_text(encoding="utf-8")
BROKEN = DRAFT.replace("next: done\n  - id: done", "next: nowhere\n  - id: done").replace(
    "kind: troubleshooting", "kind: tree"
)


async def _none() -> None:
    return None


def engine_with(db: MemoryDatabase, clock: FakeClock, files: MemoryFiles) -> Engine:
    offline = OfflineCopilot(lambda team_id, key: _none())  # type: ignore[arg-type,return-value]
    services = PilotServices(copilot=offline, offline=offline, files={"test": files})
    return Engine(db, clock, SequentialIds(), pilot=services)


async def member(engine: Engine, db: MemoryDatabase, clock: FakeClock, team_id: str, name: str, role: Role) -> Chat:
    chat = Chat(engine, team_id, clock, name)
    await chat.say("/help")
    stored = next(u for u in db.state.users.values() if u.identities.get("test") == name)
    stored.role = role
    return chat


@pytest.fixture
def files() -> MemoryFiles:
    return MemoryFiles()


@pytest.fixture
async def rig(db: MemoryDatabase, clock: FakeClock, team_id: str, files: MemoryFiles) -> dict[str, Chat]:
    engine = engine_with(db, clock, files)
    return {
        role.value: await member(engine, db, clock, team_id, f"u-{role.value}", role)
        for role in (Role.VIEWER, Role.ENGINEER, Role.TEAM_ADMIN)
    }


async def share(chat: Chat, files: MemoryFiles, name: str, text: str, mime: str = "application/x-yaml") -> str:
    ref = files.share(name, mime, text.encode())
    event = CommandIssued(name="flow", args="import", files=(ref,), **chat._base())  # type: ignore[arg-type]
    await chat._run(event)
    return chat.text()


async def test_import_publish_show_archive_restore(
    rig: dict[str, Chat], files: MemoryFiles, db: MemoryDatabase
) -> None:
    engineer, admin, viewer = rig["engineer"], rig["team_admin"], rig["viewer"]
    said = await share(engineer, files, "jam.yaml", DRAFT)
    assert "as a draft: version 1" in said
    await engineer.say("/start printer-jam")
    assert "printer-jam" in engineer.text() and not engineer.buttons  # a draft doesn't start
    await engineer.say("/flow publish printer-jam")
    assert "team admin" in engineer.text()  # engineers don't publish
    await admin.say("/flow publish printer-jam")
    assert "Published `printer-jam` as version 2" in admin.text()
    await viewer.say("/flow show printer-jam")
    pictures = [r for r in viewer.last if isinstance(r, Attachment)]
    assert pictures and pictures[0].data.startswith(PNG_SIGNATURE) and pictures[0].filename == "printer-jam-v2.png"
    assert "devices/printers" in viewer.text() and "v1 · draft" in viewer.text()
    await viewer.say("/search folder:devices category:printing kind:troubleshooting jam")
    assert "printer-jam" in viewer.text()
    await admin.say("/flow archive printer-jam")
    assert "Archived" in admin.text()
    await viewer.say("/search folder:devices jam")
    assert "No flow matches" in viewer.text()
    await admin.say("/flow restore printer-jam")
    assert "Restored `printer-jam` v2" in admin.text() and "version 4" in admin.text()
    await viewer.say("/flow versions printer-jam")
    assert all(f"v{n} ·" in viewer.text() for n in (1, 2, 3, 4))
    actions = [e.action for e in db.state.audit]
    for action in (AuditAction.FLOW_IMPORTED, AuditAction.FLOW_PUBLISHED, AuditAction.FLOW_ARCHIVED):
        assert action in actions
    assert AuditAction.FLOW_RESTORED in actions


async def test_import_errors_have_lines_and_save_nothing(rig: dict[str, Chat], files: MemoryFiles) -> None:
    engineer = rig["engineer"]
    said = await share(engineer, files, "bad.yaml", BROKEN)
    assert "nothing was saved" in said and "line 3:" in said
    said = await share(engineer, files, "bad.yaml", "key: x\nname: [unclosed\n")
    assert "line" in said and "nothing was saved" in said
    await engineer.say("/flow import")
    assert "Attach the flow's YAML file" in engineer.text()
    said = await share(engineer, files, "notes.txt", DRAFT, "text/plain")
    assert "isn't a YAML file" in said
    said = await share(rig["viewer"], files, "jam.yaml", DRAFT)
    assert "can't" in said.lower() or "viewer" in said.lower()
    await engineer.say("/flow show printer-jam")
    assert "don't know a flow `printer-jam`" in engineer.text()


async def test_public_flow_changes_make_a_team_copy(rig: dict[str, Chat], db: MemoryDatabase) -> None:
    admin = rig["team_admin"]
    await admin.say("/flow archive vpn-test")
    assert "made your team's own copy" in admin.text()
    await admin.say("/search vpn")
    assert "vpn-test" not in admin.text()
    assert [f.status for f, _ in db.state.flows[(None, "vpn-test")]] == [FlowStatus.PUBLISHED]  # public one untouched


async def test_another_team_cannot_see_or_change_a_team_flow(
    rig: dict[str, Chat], files: MemoryFiles, db: MemoryDatabase, clock: FakeClock
) -> None:
    await share(rig["engineer"], files, "jam.yaml", DRAFT)
    engine = rig["engineer"].engine
    other_team = await engine.ensure_team("globex")
    outsider = await member(engine, db, clock, other_team, "mallory", Role.TEAM_ADMIN)
    for command in ("show", "export", "versions", "publish", "archive", "restore"):
        await outsider.say(f"/flow {command} printer-jam")
        assert "don't know a flow `printer-jam`" in outsider.text(), command
        assert not [r for r in outsider.last if isinstance(r, Attachment)]
    await outsider.say("/flow show vpn-test")  # public flows are visible to all
    assert "VPN test — vpn-test v1" in outsider.text()


async def test_export_browse_folders_and_bad_input(rig: dict[str, Chat], files: MemoryFiles) -> None:
    viewer = rig["viewer"]
    await share(rig["engineer"], files, "jam.yaml", DRAFT)
    await rig["team_admin"].say("/flow publish printer-jam")
    await viewer.say("/flow export printer-jam")
    exported = [r for r in viewer.last if isinstance(r, Attachment)]
    assert exported[0].filename == "printer-jam.yaml" and "folder: devices/printers" in exported[0].content
    await viewer.say("/flow folders")
    assert "devices/printers" in viewer.text()
    await viewer.say("/flow browse devices")
    assert "📁 printers (1)" in viewer.text()
    await viewer.click("📁 printers (1)")
    assert "Printer jam" in viewer.text()
    await viewer.click("Show")
    assert any(isinstance(r, Attachment) and r.data for r in viewer.last)
    await viewer.say("/flow browse nowhere")
    assert "There's no folder `nowhere`" in viewer.text()
    await viewer.say("/flow show printer-jam v9")
    assert "has no version 9" in viewer.text()
    await viewer.say("/flow show printer-jam vX")
    assert "isn't a version" in viewer.text()
    await viewer.say("/search tags:printer")
    assert "did you mean `tag:`" in viewer.text()
    await rig["engineer"].say("/flow frobnicate")
    assert "Flow library commands" in rig["engineer"].text()
