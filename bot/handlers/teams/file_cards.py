"""Teams' file cards (pure: no I/O). In a 1:1 chat a bot sends a file by asking first
(learn.microsoft.com/microsoftteams/platform/bots/how-to/bots-filesv4):

1. a message with a **file-consent card** (``application/vnd.microsoft.teams.card.file.consent``): the file's
   ``name`` and ``content`` = ``{description, sizeInBytes, acceptContext, declineContext}``; Teams shows it with
   Allow / Decline;
2. the person's answer arrives as an ``invoke`` named ``fileConsent/invoke`` whose ``value`` is ``{type:
   "fileUpload", action: "accept"|"decline", context: <the accept or decline context>, uploadInfo: {name, uploadUrl,
   contentUrl, uniqueId, fileType}}`` (``uploadInfo`` on accept only: an upload session in their OneDrive);
3. after the bytes are PUT to ``uploadUrl``, a message with a **file-info card**
   (``application/vnd.microsoft.teams.card.file.info``: ``contentUrl``, ``name``, ``content`` = ``{uniqueId,
   fileType}``) shows the file in the chat.

Our contexts are one typed, versioned shape, ``{"rf": "export.v1", "token": <the export's signed download
token>}`` (a session's export or a flow's YAML: the token says which): what the answer needs to render the export
again, and nothing a person could change to reach another one (the token is signed and checked against whoever
answers: ``bot.engine.sharing.handover``). Once answered, the card is replaced in place (``answered_card``: a line
saying whether the file was uploaded, no buttons) so it cannot be pressed twice. The SDK's own models
(``FileConsentCard``, ``FileConsentCardResponse``, ``FileUploadInfo``, ``FileInfoCard``) give the wire shapes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from microsoft_agents.activity import Activity
from microsoft_agents.activity.teams import FileConsentCard, FileConsentCardResponse, FileInfoCard, FileUploadInfo
from pydantic import ValidationError

from bot.engine.events import Actor
from bot.handlers.teams import ids, texts
from bot.handlers.teams.render import RenderedMessage, card, render_notice

CONSENT_TYPE = "application/vnd.microsoft.teams.card.file.consent"
INFO_TYPE = "application/vnd.microsoft.teams.card.file.info"
FILE_CONSENT = "fileConsent/invoke"
CONTEXT_KIND = "export.v1"
MAX_TOKEN = 1024


@dataclass(frozen=True, slots=True)
class FileMessage(RenderedMessage):
    """A message whose attachment is a file card rather than an Adaptive Card; the sender posts it like any
    rendered message (``activity()`` builds the same shape)."""

    content_type: str = CONSENT_TYPE
    name: str = ""
    content_url: str = ""
    content: dict[str, Any] = field(default_factory=dict)

    def attachment(self) -> dict[str, Any]:
        """The file card attachment."""
        found: dict[str, Any] = {"contentType": self.content_type, "name": self.name, "content": self.content}
        return found | ({"contentUrl": self.content_url} if self.content_url else {})


def consent_context(token: str) -> dict[str, str]:
    """The accept and decline context of an export's consent card."""
    return {"rf": CONTEXT_KIND, "token": token}


def consent_message(filename: str, size: int, token: str, title: str = texts.DOCUMENT) -> FileMessage:
    """The card asking to put ``filename`` (``size`` bytes; what it is: ``title``) into the person's OneDrive."""
    context = consent_context(token)
    consent = FileConsentCard(
        description=texts.CONSENT_DESCRIPTION.format(title=title, filename=filename),
        size_in_bytes=size,
        accept_context=context,
        decline_context=context,
    )
    summary = texts.CONSENT_SUMMARY.format(filename=filename)
    wire = consent.model_dump(mode="json", by_alias=True, exclude_none=True)
    return FileMessage(summary, card([], summary), CONSENT_TYPE, filename, "", wire)


@dataclass(frozen=True, slots=True)
class UploadInfo:
    """Where Teams lets the bot put the accepted file (an upload session in the person's OneDrive)."""

    name: str
    upload_url: str
    content_url: str
    unique_id: str
    file_type: str


@dataclass(frozen=True, slots=True)
class ConsentAnswer:
    """A person's answer to a consent card: who, where (conversation, ``serviceUrl``), the export's token, and on
    accept where to upload it."""

    accepted: bool
    token: str
    actor: Actor
    conversation_id: str
    service_url: str
    card_id: str = ""
    upload: UploadInfo | None = None


class BadAnswer(ValueError):
    """An answer we cannot use; ``reason`` is for the log."""


def _token(context: Any) -> str:
    if not isinstance(context, dict) or context.get("rf") != CONTEXT_KIND:
        raise BadAnswer("a consent context that is not ours")
    token = context.get("token")
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN:
        raise BadAnswer("a consent context without a token")
    return token


def parse_answer(activity: Activity) -> ConsentAnswer:
    """The ``fileConsent/invoke`` activity as a ``ConsentAnswer``; ``BadAnswer`` when it is not one of ours."""
    value = activity.value if isinstance(activity.value, dict) else {}
    try:
        response = FileConsentCardResponse.model_validate({"action": None, "context": None, "uploadInfo": None} | value)
    except ValidationError as err:
        raise BadAnswer(f"unreadable consent answer: {str(err).splitlines()[0]}") from None
    if response.action not in ("accept", "decline"):
        raise BadAnswer(f"consent action {str(response.action)[:20]!r}")
    sender, conversation = activity.from_property, activity.conversation
    if sender is None or not sender.id or conversation is None or not conversation.id or not activity.service_url:
        raise BadAnswer("a consent answer without its person, conversation or serviceUrl")
    kind = ids.kind_of(conversation.id, str(conversation.conversation_type or ""))
    if kind is not ids.ConversationKind.PERSONAL:
        raise BadAnswer("a consent answer outside a 1:1 chat")
    upload = None
    if response.action == "accept":
        try:
            info = FileUploadInfo.model_validate(response.upload_info)
        except ValidationError:
            raise BadAnswer("an accepted consent without its uploadInfo") from None
        upload = UploadInfo(info.name, info.upload_url, info.content_url, info.unique_id, info.file_type)
    return ConsentAnswer(
        accepted=response.action == "accept",
        token=_token(response.context),
        actor=Actor(ids.PLATFORM, str(sender.id), str(sender.name or sender.id)),
        conversation_id=str(conversation.id),
        service_url=str(activity.service_url),
        card_id=str(activity.reply_to_id or ""),
        upload=upload,
    )


def answered_card(text: str) -> RenderedMessage:
    """What a consent card becomes once answered: ``text`` (uploaded or not), with nothing left to press."""
    return RenderedMessage(text, render_notice(text))


def info_message(upload: UploadInfo) -> FileMessage:
    """The card showing the uploaded file in the chat (opens it from the person's OneDrive)."""
    info = FileInfoCard(unique_id=upload.unique_id, file_type=upload.file_type, etag=None)
    summary = texts.UPLOADED_SUMMARY.format(filename=upload.name)
    wire = info.model_dump(mode="json", by_alias=True, exclude_none=True)
    return FileMessage(summary, card([], summary), INFO_TYPE, upload.name, upload.content_url, wire)
