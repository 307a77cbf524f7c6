"""Files a bot puts into a person's OneDrive after a file-consent card (a mixin of ``FakeBotConnector``).

Teams' side of the flow (learn.microsoft.com/microsoftteams/platform/bots/how-to/bots-filesv4): when the person
presses Allow on the bot's ``file.consent`` card, Teams creates an upload session in their OneDrive and sends the bot
an ``invoke`` named ``fileConsent/invoke`` whose ``value`` carries ``uploadInfo`` = ``{name, uploadUrl, contentUrl,
uniqueId, fileType, etag}``. Here ``upload_info(name)`` opens such a session: its ``uploadUrl`` is
``PUT /upload-sessions/{id}`` on the fake's own host (Teams' are on SharePoint, pre-authorised: no token), its
``contentUrl`` a OneDrive address. ``consent_answer(driver, card, "accept"|"decline")`` is the invoke Teams sends.

The session takes one PUT of the whole file, as the bot sends it: ``Content-Range: bytes 0-(n-1)/n`` must match the
body (else 400, as OneDrive answers a bad range) and the answer is 201 with the new drive item. A second PUT to a
finished session answers 404 (OneDrive forgets it). ``fail_uploads(status)`` scripts refusals. Every PUT is recorded
in ``puts`` (session, headers, body, status).
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aiohttp import web

from tests.fakes.teams_roster import DANA, TeamsUser

if TYPE_CHECKING:
    from tests.fakes.teams_driver import TeamsDriver

Json = dict[str, Any]
UPLOADS_PATH = "/upload-sessions/"
CONSENT = "application/vnd.microsoft.teams.card.file.consent"
INFO = "application/vnd.microsoft.teams.card.file.info"
RANGE = re.compile(r"^bytes 0-(\d+)/(\d+)$")


@dataclass
class UploadSession:
    """An upload session in someone's OneDrive."""

    session_id: str
    name: str
    unique_id: str
    done: bool = False
    data: bytes = b""


@dataclass
class UploadPut:
    """One PUT to an upload session."""

    session_id: str
    headers: dict[str, str]
    body: bytes
    status: int = 0


@dataclass
class _UploadFaults:
    status: int = 0
    times: int = 0


class ConnectorUploads:
    """OneDrive upload sessions for the connector."""

    base_url: str

    def _init_uploads(self) -> None:
        self.upload_sessions: dict[str, UploadSession] = {}
        self.puts: list[UploadPut] = []
        self._upload_ids = itertools.count(1)
        self._upload_fault = _UploadFaults()

    def upload_info(self, name: str) -> Json:
        """Open an upload session for ``name``; the ``uploadInfo`` Teams sends with an accepted consent."""
        n = next(self._upload_ids)
        session_id, unique_id = f"us-{n:04d}", f"{n:08X}-1C2D-4E5F-8A9B-0C1D2E3F4A5B"
        self.upload_sessions[session_id] = UploadSession(session_id, name, unique_id)
        return {
            "name": name,
            "uploadUrl": f"{self.base_url}{UPLOADS_PATH}{session_id}",
            "contentUrl": f"https://contoso-my.sharepoint.com/personal/dana/Documents/Applications/{name}",
            "uniqueId": unique_id,
            "fileType": name.rsplit(".", 1)[-1] if "." in name else "",
            "etag": f'"{{{unique_id}}},1"',
        }

    def fail_uploads(self, status: int = 507, times: int = 1) -> None:
        """Refuse the next ``times`` PUTs with ``status`` (507: the OneDrive is full)."""
        self._upload_fault = _UploadFaults(status, times)

    def uploaded(self) -> dict[str, bytes]:
        """Finished uploads: file name -> bytes."""
        return {s.name: s.data for s in self.upload_sessions.values() if s.done}

    async def _serve_upload_session(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        put = UploadPut(request.path.removeprefix(UPLOADS_PATH), dict(request.headers), body)
        self.puts.append(put)
        session = self.upload_sessions.get(put.session_id)
        answer: tuple[int, Json]
        if request.method != "PUT":
            answer = 405, {"error": {"code": "invalidRequest", "message": "Use PUT."}}
        elif session is None or session.done:
            answer = 404, {"error": {"code": "itemNotFound", "message": "The upload session was not found."}}
        elif self._upload_fault.times > 0:
            self._upload_fault.times -= 1
            answer = self._upload_fault.status, {"error": {"code": "quotaLimitReached", "message": "Refused."}}
        elif not _range_ok(put.headers, body):
            answer = 400, {"error": {"code": "invalidRange", "message": "The Content-Range does not match."}}
        else:
            session.done, session.data = True, body
            answer = 201, {"id": session.unique_id, "name": session.name, "size": len(body), "file": {}}
        put.status = answer[0]
        return web.json_response(answer[1], status=answer[0])


def _range_ok(headers: dict[str, str], body: bytes) -> bool:
    found = RANGE.match(headers.get("Content-Range", ""))
    if found is None or headers.get("Content-Length") != str(len(body)):
        return False
    last, total = int(found.group(1)), int(found.group(2))
    return total == len(body) and last == total - 1


def file_cards(activity: Json, content_type: str = CONSENT) -> list[Json]:
    """The attachments of ``content_type`` (a consent card by default, or ``INFO``) on an activity the bot sent."""
    return [a for a in activity.get("attachments") or [] if a.get("contentType") == content_type]


def consent_answer(
    driver: TeamsDriver,
    card_activity: Json,
    action: str,
    user: TeamsUser = DANA,
    *,
    upload: Json | None = None,
    context: Any = None,
) -> Json:
    """The ``fileConsent/invoke`` Teams sends when ``user`` presses Allow (``accept``) or Decline on the consent
    card in ``card_activity``: the card's accept or decline context (or ``context``), and on accept ``upload``
    (``upload_info(...)`` of the connector)."""
    (consent,) = file_cards(card_activity)
    content = consent["content"]
    value: Json = {"type": "fileUpload", "action": action}
    own = content["acceptContext" if action == "accept" else "declineContext"]
    value["context"] = context if context is not None else own
    if action == "accept" and upload is not None:
        value["uploadInfo"] = upload
    conversation = card_activity["conversation"]["id"]
    return driver.activity(
        "invoke", conversation, user, name="fileConsent/invoke", value=value, reply_to_id=card_activity["id"]
    )
