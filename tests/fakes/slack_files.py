"""Private files of the fake Slack Web API (``tests.fakes.slack_api``), served like ``files.slack.com``.

A test registers a file in a workspace and gets Slack's file object, whose ``url_private`` and
``url_private_download`` point at the fake (``/files-pri/<team>-<file>/[download/]<name>``). A download with that
workspace's bot token (``Authorization: Bearer xoxb-…``) gets the bytes; any other request is redirected to the
sign-in page (an HTML page), as Slack does. Every download is recorded. Options script the awkward cases: a file
bigger than its declared ``size``, a body sent in small chunks, a redirect to somewhere else.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from aiohttp import web

SIGN_IN_PAGE = "<!DOCTYPE html><html><head><title>Slack</title></head><body>Sign in to Slack</body></html>"


@dataclass
class HostedFile:
    """A file stored in one workspace; ``redirect_to`` sends every download there instead."""

    id: str
    team_id: str
    name: str
    mimetype: str
    data: bytes
    declared_size: int
    chunk: int = 0  # >0: the body is streamed in chunks of this size, without Content-Length
    redirect_to: str = ""
    object: dict[str, Any] = field(default_factory=dict)


@dataclass
class Download:
    """One request for a file: which file, the workspace of the token used (None: no or unknown token), what was
    answered (HTTP status) and how many bytes the client took before it stopped reading."""

    file_id: str
    team_id: str | None
    status: int
    sent: int = 0
    finished: bool = False


class SlackFileHost:
    """The files part of the fake; ``tokens`` is the fake's bot token -> workspace map (shared, live)."""

    def __init__(self, app: web.Application, tokens: dict[str, str]) -> None:
        self.files: dict[str, HostedFile] = {}
        self.downloads: list[Download] = []
        self._tokens = tokens
        self._ids = itertools.count(1)
        app.router.add_get("/files-pri/{key}/download/{name}", self._serve)
        app.router.add_get("/files-pri/{key}/{name}", self._serve)
        app.router.add_get("/signin", self._sign_in)

    def add(
        self,
        base_url: str,
        team_id: str,
        name: str,
        data: bytes,
        mimetype: str,
        *,
        user: str = "U1",
        declared_size: int | None = None,
        chunk: int = 0,
        redirect_to: str = "",
    ) -> dict[str, Any]:
        """Store a file in ``team_id`` and return its Slack file object (what a ``file_share`` event carries)."""
        assert base_url, "start the fake before adding files"
        file_id = f"F{next(self._ids):08d}"
        size = len(data) if declared_size is None else declared_size
        private = f"{base_url}/files-pri/{team_id}-{file_id}/{quote(name)}"
        obj: dict[str, Any] = {"id": file_id, "created": 1700000000, "timestamp": 1700000000, "name": name}
        obj |= {"title": name, "mimetype": mimetype, "filetype": name.rsplit(".", 1)[-1].lower(), "user": user}
        obj |= {"user_team": team_id, "size": size, "mode": "hosted", "is_external": False, "is_public": False}
        obj["url_private"] = private
        obj["url_private_download"] = f"{base_url}/files-pri/{team_id}-{file_id}/download/{quote(name)}"
        obj["permalink"] = f"{base_url}/files/{user}/{file_id}/{quote(name)}"
        self.files[file_id] = HostedFile(file_id, team_id, name, mimetype, data, size, chunk, redirect_to, obj)
        return dict(obj)

    def downloads_of(self, file_id: str) -> list[Download]:
        """The recorded requests for one file."""
        return [d for d in self.downloads if d.file_id == file_id]

    async def _serve(self, request: web.Request) -> web.StreamResponse:
        team_id, _, file_id = request.match_info["key"].partition("-")
        hosted = self.files.get(file_id)
        auth = request.headers.get("Authorization", "")
        token_team = self._tokens.get(auth[7:]) if auth.startswith("Bearer xox") else None
        if hosted is None or hosted.team_id != team_id:
            self.downloads.append(Download(file_id, token_team, 404))
            return web.Response(status=404, text="file not found")
        if token_team != hosted.team_id:  # Slack sends people without access to sign in
            self.downloads.append(Download(file_id, token_team, 302))
            raise web.HTTPFound(f"/signin?redir={quote(request.path)}")
        if hosted.redirect_to:
            self.downloads.append(Download(file_id, token_team, 302))
            raise web.HTTPFound(hosted.redirect_to)
        download = Download(file_id, token_team, 200)
        self.downloads.append(download)
        headers = {"Content-Type": hosted.mimetype}
        if not hosted.chunk:
            download.sent, download.finished = len(hosted.data), True
            return web.Response(body=hosted.data, headers=headers)
        response = web.StreamResponse(headers=headers)
        response.enable_chunked_encoding()
        await response.prepare(request)
        for start in range(0, len(hosted.data), hosted.chunk):
            piece = hosted.data[start : start + hosted.chunk]
            try:
                await response.write(piece)
            except (ConnectionResetError, RuntimeError):
                return response
            download.sent += len(piece)
        await response.write_eof()
        download.finished = True
        return response

    async def _sign_in(self, request: web.Request) -> web.Response:
        return web.Response(text=SIGN_IN_PAGE, content_type="text/html")
