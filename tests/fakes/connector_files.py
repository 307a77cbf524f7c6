"""Files people share with the bot in Teams, hosted by the fake Bot Connector (a mixin of ``FakeBotConnector``).

Two shapes reach a bot (learn.microsoft.com/microsoftteams/platform/bots/how-to/bots-filesv4, "inline images"):

* A file attached in a 1:1 chat: an attachment ``application/vnd.microsoft.teams.file.download.info`` with ``name``,
  ``contentUrl`` (where it lives in the sender's OneDrive) and ``content`` = ``{downloadUrl, uniqueId, fileType}``.
  ``downloadUrl`` is short-lived and pre-authorised: a plain GET, no token. Here it is
  ``GET /files/{uniqueId}?tempauth=…`` on the fake's own host (Teams' are on SharePoint); a wrong or missing
  ``tempauth`` or an expired link answers 401 as SharePoint does.
* An image pasted into a message: an attachment ``image/png`` (etc.) whose ``contentUrl`` is
  ``{serviceUrl}v3/attachments/{id}/views/original``, which needs the bot's bearer token -- the connector's own token
  check applies (401 without one when the fake has a ``FakeEntra``). Op name ``attachment``.

Every download is recorded in ``downloads`` (which file, the ``Authorization`` header sent, the status).
``add_upload(..., length=False)`` serves the body chunked without ``Content-Length``; ``redirect_to`` answers 302.
"""

from __future__ import annotations

import hashlib
import itertools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aiohttp import web

if TYPE_CHECKING:
    from tests.fakes.bot_connector import Answer, ConnectorCall

Json = dict[str, Any]
FILE_INFO = "application/vnd.microsoft.teams.file.download.info"
FILES_PATH = "/files/"
CHUNK = 16 * 1024


@dataclass
class HostedFile:
    """A file the fake serves."""

    file_id: str
    name: str
    data: bytes
    content_type: str
    tempauth: str = ""
    length: bool = True
    redirect_to: str = ""
    expired: bool = False


@dataclass
class Download:
    """One download request: ``kind`` ``upload`` or ``inline``, the file, the Authorization header, the status."""

    kind: str
    file_id: str
    authorization: str
    status: int


class ConnectorFiles:
    """File hosting for the connector."""

    base_url: str
    service_url: str

    def _init_files(self) -> None:
        self.hosted: dict[str, HostedFile] = {}
        self.downloads: list[Download] = []
        self._file_ids = itertools.count(1)

    def add_upload(
        self, name: str, data: bytes, *, file_type: str = "", length: bool = True, redirect_to: str = ""
    ) -> Json:
        """Host ``data`` as a file attached in a 1:1 chat; the ``file.download.info`` attachment Teams delivers."""
        file_id = f"{next(self._file_ids):08X}-8870-4044-9F2C-5BBDEBA70C9D"
        tempauth = hashlib.sha256(file_id.encode()).hexdigest()[:24]
        hosted = HostedFile(file_id, name, data, "application/octet-stream", tempauth, length, redirect_to)
        self.hosted[file_id] = hosted
        download = f"{self.base_url}{FILES_PATH}{file_id}?tempauth={tempauth}"
        content = {"downloadUrl": download, "uniqueId": file_id, "fileType": file_type or name.rsplit(".", 1)[-1]}
        onedrive = f"https://contoso-my.sharepoint.com/personal/dana/Documents/Microsoft%20Teams%20Chat%20Files/{name}"
        return {"contentType": FILE_INFO, "contentUrl": onedrive, "name": name, "content": content}

    def add_inline_image(self, data: bytes, content_type: str = "image/png") -> Json:
        """Host ``data`` as an image pasted into a message; the ``image/*`` attachment Teams delivers."""
        file_id = f"0-weu-d{next(self._file_ids)}-{hashlib.sha256(data).hexdigest()[:16]}"
        self.hosted[file_id] = HostedFile(file_id, "", data, content_type)
        return {"contentType": content_type, "contentUrl": f"{self.service_url}v3/attachments/{file_id}/views/original"}

    def expire(self, attachment: Json) -> None:
        """The download link of an uploaded file has expired (Teams' links live a few minutes)."""
        self.hosted[str(attachment["content"]["uniqueId"])].expired = True

    # ---- serving ------------------------------------------------------------------------------------------------
    async def _serve_upload(self, request: web.Request) -> web.StreamResponse:
        file_id = request.path.removeprefix(FILES_PATH)
        hosted = self.hosted.get(file_id)
        status = 200
        if hosted is None or not hosted.tempauth:
            status = 404
        elif hosted.expired or request.query.get("tempauth") != hosted.tempauth:
            status = 401
        elif hosted.redirect_to:
            status = 302
        self.downloads.append(Download("upload", file_id, request.headers.get("Authorization", ""), status))
        if status == 302:
            raise web.HTTPFound(hosted.redirect_to if hosted else "/")
        if hosted is None or status != 200:
            code = "accessDenied" if status == 401 else "itemNotFound"
            return web.json_response({"error": {"code": code}}, status=status)
        if hosted.length:
            return web.Response(body=hosted.data, content_type=hosted.content_type)
        response = web.StreamResponse(headers={"Content-Type": hosted.content_type})
        response.enable_chunked_encoding()
        await response.prepare(request)
        for start in range(0, len(hosted.data), CHUNK):
            await response.write(hosted.data[start : start + CHUNK])
        await response.write_eof()
        return response

    def _op_attachment(self, call: ConnectorCall, query: Any) -> Answer:
        hosted = self.hosted.get(call.activity_id)
        status = 200 if hosted is not None and not hosted.tempauth else 404
        self.downloads.append(Download("inline", call.activity_id, call.authorization, status))
        if hosted is None or status != 200:
            return 404, {"error": {"code": "NotFound", "message": "Attachment not found."}}
        return 200, web.Response(body=hosted.data, content_type=hosted.content_type)
