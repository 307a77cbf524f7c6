"""The knowledge flywheel's test world: the resolved sessions of ``tests/fixtures/flywheel/sessions.json`` written
through the repository ports (so the same world loads into the in-memory store, SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from bot.engine.model import (
    Fact,
    FactSource,
    FixStatus,
    Role,
    Session,
    SessionStatus,
    SessionType,
    SuggestedFix,
    TaskLaneItem,
    TimelineEntry,
    TimelineKind,
    User,
)
from bot.engine.ports import UnitOfWork
from bot.flows.loader import bundled_samples_dir, parse_flow_text
from bot.flows.model import FlowStatus

FIXTURE = Path(__file__).parents[2] / "fixtures" / "flywheel" / "sessions.json"
PEOPLE = {"alice": Role.TEAM_ADMIN, "bob": Role.ENGINEER}
NS = uuid.UUID("6f1c6a52-0000-4000-8000-000000000000")


def entries() -> list[dict[str, Any]]:
    """The fixture's sessions."""
    data: dict[str, Any] = json.loads(FIXTURE.read_text(encoding="utf-8"))
    return list(data["sessions"])


def session_id(key: str) -> str:
    """The stable id of a fixture session."""
    return str(uuid.uuid5(NS, key))


def user_id(name: str, team_id: str) -> str:
    """The stable id of a fixture user."""
    return str(uuid.uuid5(NS, f"{team_id}:{name}"))


async def add_people(uow: UnitOfWork, team_id: str, platform: str = "test") -> None:
    """Alice (team admin) and Bob (engineer), with an identity on ``platform``, unless they exist."""
    for name, role in PEOPLE.items():
        if await uow.users.by_identity(team_id, platform, name) is None:
            user = User(user_id(name, team_id), team_id, name.capitalize(), role, f"{name}@example.invalid")
            user.identities = {platform: name}
            await uow.users.add(user)


async def add_printer_flow(uow: UnitOfWork) -> None:
    """The bundled printer-offline flow, published (public)."""
    source = (bundled_samples_dir() / "printer-offline.yaml").read_text(encoding="utf-8")
    await uow.flows.save(None, parse_flow_text(source, "printer-offline.yaml"), source, FlowStatus.PUBLISHED)


async def load_world(
    uow: UnitOfWork,
    team_id: str,
    now: datetime,
    keys: list[str] | None = None,
    platform: str = "test",
    tag: str = "",
) -> dict[str, str]:
    """Write the fixture sessions (those in ``keys``, else all) ended relative to ``now``; key -> session id.
    ``tag`` makes new sessions of the same fixture entries (a later night's)."""
    await add_people(uow, team_id, platform)
    ids: dict[str, str] = {}
    for n, item in enumerate(entries()):
        if keys is not None and item["key"] not in keys:
            continue
        sid = ids[item["key"]] = session_id(f"{team_id}:{item['key']}{tag}")
        await add_session(uow, team_id, sid, item, now - timedelta(days=item["ended_days_ago"], minutes=n), platform)
    return ids


async def add_session(
    uow: UnitOfWork, team_id: str, sid: str, item: dict[str, Any], ended: datetime, platform: str
) -> None:
    """One fixture session with its timeline, facts and fix."""
    started = ended - timedelta(hours=1)
    engineer = user_id(item["engineer"], team_id)
    thread = f"{item['key']}-{sid[:8]}"
    conversation = {"platform": platform, "channel": "C9", "thread": thread, "engineer_name": item["engineer"]}
    lane = [
        TaskLaneItem(
            f"{sid}-{i}", x["kind"], x["text"], command=x.get("command", ""), status="done", answer=x["answer"]
        )
        for i, x in enumerate(item.get("lane", []))
    ]
    status = SessionStatus(item.get("status", "resolved"))
    session = Session(
        id=sid,
        team_id=team_id,
        engineer_id=engineer,
        conversation=conversation,
        conversation_key=f"{platform}:C9:{thread}",
        started_at=started,
        updated_at=ended,
        session_type=SessionType.CHAT if item["type"] == "chat" else SessionType.GUIDED,
        status=status,
        title=item["title"],
        problem_summary=item.get("problem", ""),
        flow_key=item.get("flow", ""),
        flow_version=1 if item.get("flow") else 0,
        current_node=item.get("node", ""),
        ended_at=ended,
        resolution_summary=item.get("resolution", ""),
        pending_task_lane=lane,
    )
    await uow.sessions.add(session)
    name = item["engineer"].capitalize()

    async def record(kind: TimelineKind, minute: int, node: str = "", title: str = "", answer: str = "") -> None:
        at = started + timedelta(minutes=minute)
        entry = TimelineEntry(str(uuid.uuid4()), team_id, sid, at, kind, engineer, name, node, title, answer)
        await uow.sessions.append_timeline(entry)

    await record(TimelineKind.STARTED, 0)
    minute = 1
    for node, answer in item.get("answered", []):
        await record(TimelineKind.STEP_ANSWERED, minute, node=node, title=node, answer=answer)
        minute += 1
    for node, text in item.get("notes", []):
        await record(TimelineKind.NOTE, minute, node=node, answer=text)
        minute += 1
    for title, answer in item.get("custom", []):
        await record(TimelineKind.CUSTOM_STEP, minute, title=title, answer=answer)
        minute += 1
    if status is SessionStatus.RESOLVED:
        await record(TimelineKind.RESOLVED, minute, answer=item.get("resolution", ""))
    for i, text in enumerate(item.get("facts", [])):
        await uow.sessions.add_fact(
            Fact(str(uuid.uuid5(NS, f"{sid}-f{i}")), team_id, sid, text, FactSource.AI_PROMOTED, started)
        )
    fix = item.get("fix")
    if fix:
        await uow.sessions.add_fix(
            SuggestedFix(
                str(uuid.uuid5(NS, f"{sid}-fix")),
                team_id,
                sid,
                fix["title"],
                started,
                description=fix["description"],
                confidence=80,
                status=FixStatus(fix["status"]),
            )
        )
