"""The people, teams and chats of a fake Teams tenant (``FakeBotConnector`` is a ``TeamsDirectory``; ``TeamsDriver``
posts as its users)."""

from __future__ import annotations

import base64
import hashlib
import uuid
from dataclasses import dataclass
from typing import Any

from tests.fakes.entra import TENANT_ID

Json = dict[str, Any]


@dataclass(frozen=True)
class TeamsUser:
    """A person in the tenant, as Teams describes them (``id`` is the ``29:`` Bot Framework id)."""

    id: str
    name: str
    aad_object_id: str
    email: str
    tenant_id: str = TENANT_ID

    @property
    def account(self) -> Json:
        """The ``from``/``recipient`` shape of inbound activities."""
        return {"id": self.id, "name": self.name, "aadObjectId": self.aad_object_id}

    def member(self) -> Json:
        """The ``TeamsChannelAccount`` JSON the member APIs return."""
        given, _, surname = self.name.partition(" ")
        out: Json = {"id": self.id, "name": self.name, "aadObjectId": self.aad_object_id, "givenName": given}
        out |= {"surname": surname, "email": self.email, "userPrincipalName": self.email, "tenantId": self.tenant_id}
        return out | {"userRole": "user"}


@dataclass
class Team:
    """A team: its id is also the General channel's id; ``channels`` maps id → name (General's name is None)."""

    id: str
    name: str
    aad_group_id: str
    channels: dict[str, str | None]
    members: list[str]


DANA = TeamsUser("29:1dana-tech", "Dana Tech", "0d4f3c2b-1a09-4e8d-9c7b-6a5f4e3d2c1b", "dana@contoso.example")
PAT = TeamsUser("29:1pat-lead", "Pat Lead", "7e6d5c4b-3a29-4180-8f7e-6d5c4b3a2918", "pat@contoso.example")
TEAM_ID = "19:general-itops@thread.tacv2"
ESCALATIONS = "19:escalations-itops@thread.tacv2"


def base_conversation(conversation_id: str) -> str:
    """A channel thread's channel id (``19:x@thread.tacv2;messageid=1`` → ``19:x@thread.tacv2``)."""
    return conversation_id.split(";messageid=", 1)[0]


class TeamsDirectory:
    """Who is where: users by ``29:`` id, teams by id, group/1:1 chats by conversation id -> member ids. Starts with
    team ``IT Ops`` (``TEAM_ID``, channel ``ESCALATIONS``) whose members are ``DANA`` and ``PAT``."""

    def __init__(self) -> None:
        self.users: dict[str, TeamsUser] = {}
        self.teams: dict[str, Team] = {}
        self.chats: dict[str, list[str]] = {}
        for user in (DANA, PAT):
            self.add_user(user)
        self.add_team(TEAM_ID, "IT Ops", {ESCALATIONS: "Escalations"}, [DANA.id, PAT.id])

    def add_user(self, user: TeamsUser) -> TeamsUser:
        """Register a person the member APIs can return."""
        self.users[user.id] = user
        return user

    def add_team(
        self, team_id: str, name: str, channels: dict[str, str] | None = None, members: list[str] | None = None
    ) -> Team:
        """Register a team (General channel = ``team_id``) with more ``channels`` and member ids."""
        group = str(uuid.UUID(hashlib.md5(team_id.encode()).hexdigest()))
        team = Team(team_id, name, group, {team_id: None, **(channels or {})}, list(members or []))
        self.teams[team_id] = team
        return team

    def add_chat(self, conversation_id: str, member_ids: list[str]) -> None:
        """Register a group chat's members."""
        self.chats[conversation_id] = list(member_ids)

    def personal_conversation_id(self, user_id: str) -> str:
        """The bot's 1:1 chat with ``user_id`` (stable, ``a:1…``); registered as a chat of that user."""
        cid = "a:1" + base64.urlsafe_b64encode(hashlib.sha256(user_id.encode()).digest()).decode().rstrip("=")[:40]
        self.chats.setdefault(cid, [user_id])
        return cid

    def team_of(self, conversation_id: str) -> Team | None:
        """The team a team/channel/thread id belongs to, or None."""
        base = base_conversation(conversation_id)
        return next((t for t in self.teams.values() if base == t.id or base in t.channels), None)

    def user(self, key: str) -> TeamsUser | None:
        """A user by ``29:`` id, Entra object id or UPN (Teams accepts each)."""
        key = key.lower()
        found = (u for u in self.users.values() if key in (u.id.lower(), u.aad_object_id.lower(), u.email.lower()))
        return next(found, None)

    def roster(self, conversation_id: str) -> list[TeamsUser] | None:
        """The members of a team, channel, thread or chat (None when unknown)."""
        team, base = self.team_of(conversation_id), base_conversation(conversation_id)
        ids = team.members if team is not None else self.chats.get(base)
        return None if ids is None else [self.users[i] for i in ids if i in self.users]
