"""File uploads to the fake Slack Web API (``tests.fakes.slack_api``): Slack's external-upload flow.

1. ``files.getUploadURLExternal`` (``filename``, ``length``; needs the ``files:write`` scope) answers an
   ``upload_url`` on the fake and a ``file_id``;
2. the client POSTs the bytes to that URL (no token: the URL itself is the permission); the fake checks the length;
3. ``files.completeUploadExternal`` (``files`` = JSON ``[{"id", "title"}]``, ``channel_id``, ``thread_ts``) shares
   the uploaded files in the channel or thread. Only then does a file count as delivered (``uploads``).
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from typing import Any

from aiohttp import web


class UploadError(Exception):
    """An API error code for the method handler to answer with."""

    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


@dataclass
class PendingUpload:
    """A file between ``getUploadURLExternal`` and ``completeUploadExternal``."""

    file_id: str
    team_id: str
    filename: str
    length: int
    data: bytes | None = None


@dataclass
class UploadedFile:
    """A file shared by ``completeUploadExternal``: its bytes and where it went."""

    file_id: str
    team_id: str
    filename: str
    title: str
    data: bytes
    channel: str
    thread_ts: str
    initial_comment: str


class SlackUploads:
    """The upload part of the fake; ``base_url`` is read when an upload URL is handed out."""

    def __init__(self, app: web.Application, base_url: Any) -> None:
        self.pending: dict[str, PendingUpload] = {}
        self.uploads: list[UploadedFile] = []
        self._base_url = base_url
        self._ids = itertools.count(1)
        app.router.add_post("/upload/v1/{file_id}", self._receive)

    def get_upload_url(self, team_id: str, scopes: str, params: dict[str, Any]) -> dict[str, Any]:
        """``files.getUploadURLExternal``."""
        if "files:write" not in scopes.split(","):
            raise UploadError("missing_scope")
        filename, length = str(params.get("filename") or ""), str(params.get("length") or "")
        if not filename or not length.isdigit():
            raise UploadError("invalid_arguments")
        file_id = f"F{next(self._ids):07d}"
        self.pending[file_id] = PendingUpload(file_id, team_id, filename, int(length))
        return {"upload_url": f"{self._base_url()}/upload/v1/{file_id}", "file_id": file_id}

    async def _receive(self, request: web.Request) -> web.Response:
        pending = self.pending.get(request.match_info["file_id"])
        body = await request.read()
        if pending is None or pending.data is not None:
            return web.Response(status=404, text="not found")
        if len(body) != pending.length:
            return web.Response(status=400, text="length mismatch")
        pending.data = body
        return web.Response(text=f"OK - {len(body)}")

    def complete(self, team_id: str, params: dict[str, Any]) -> dict[str, Any]:
        """``files.completeUploadExternal``."""
        try:
            files = json.loads(str(params.get("files") or "[]"))
        except ValueError:
            raise UploadError("invalid_arguments") from None
        if not isinstance(files, list) or not files:
            raise UploadError("invalid_arguments")
        done: list[dict[str, Any]] = []
        for item in files:
            pending = self.pending.get(str(item.get("id", "")))
            if pending is None or pending.team_id != team_id or pending.data is None:
                raise UploadError("file_not_found")
            title = str(item.get("title") or pending.filename)
            done.append({"id": pending.file_id, "name": pending.filename, "title": title})
            self.uploads.append(
                UploadedFile(
                    pending.file_id,
                    team_id,
                    pending.filename,
                    title,
                    pending.data,
                    str(params.get("channel_id") or ""),
                    str(params.get("thread_ts") or ""),
                    str(params.get("initial_comment") or ""),
                )
            )
            del self.pending[pending.file_id]
        return {"files": done}
