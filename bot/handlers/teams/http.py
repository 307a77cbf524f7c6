"""Teams' inbound side: ``POST /api/messages``, JWT-checked by the SDK, one turn that only translates and persists.

The route is wrapped in the SDK's ``jwt_authorization_decorator`` (that route only: Slack's routes keep their own
signature check); the decorator reads the ``AgentAuthConfiguration`` from the web app's ``"agent_configuration"``
key, which ``mount`` sets. A ``CloudAdapter`` runs each request through ``InboundAgent.on_turn``:

1. the tenant (``channelData.tenant.id``, else ``conversation.tenantId``) is mapped to our team (``teams:<tenant>``,
   as a Slack workspace is). A single-tenant bot (``home_tenant`` set: ``RFBOT_TEAMS_APP_TYPE=SingleTenant``) refuses
   every other tenant's activity right here -- no team made, nothing stored or remembered, one log line -- and still
   answers as the Bot Framework expects (HTTP 202 for a message, an invoke response for an invoke);
2. the activity is translated (``translate``, pure) into neutral events, each carrying the conversation reference
   the sender needs later (``serviceUrl``, tenant, team in ``ConversationRef.extras``; ``Reach`` keeps the same
   per team in memory, and each person's 1:1 chat id);
3. each event goes into the inbox through ``Intake`` (one INSERT; the dedupe key is the Teams activity id plus a
   digest of the conversation id, so Teams' re-sends after 15 s and duplicate deliveries take effect once);
4. the turn ends at once: HTTP 202 for messages; for an ``adaptiveCard/action`` invoke (``Action.Execute``) an
   invoke response in the HTTP reply -- a short "working on it" message for a button (the card stays as it is until
   the worker replaces it by PUT with the answer, who and when), the form card replaced by "Submitted" for a form
   (no double submission), "Form closed" for a form's Cancel, or the notice for a card we could not read.
   ``Action.Submit`` (older clients) has no invoke response: the form card is replaced or the notice sent in the
   turn instead. A ``fileConsent/invoke`` (the answer to an export's file-consent card in a 1:1 chat) is not an
   engine event: it is read (``file_cards``), answered with HTTP 200 and handed to ``uploads``, which delivers the
   export after the turn.

The SDK's default ``on_turn_error`` sends the exception text to the user; ``friendly_errors`` replaces it with a
logged traceback and a plain apology (an invoke gets it as its response).
"""

from __future__ import annotations

import logging
import time
import warnings
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, Protocol, cast

from aiohttp import web
from microsoft_agents.activity import Activity, AdaptiveCardInvokeResponse, InvokeResponse
from microsoft_agents.hosting.aiohttp import CloudAdapter, jwt_authorization_decorator
from microsoft_agents.hosting.core import AgentAuthConfiguration, TurnContext

from bot.engine.events import FormSubmitted, InboundEvent
from bot.handlers.teams import texts
from bot.handlers.teams.file_cards import FILE_CONSENT, BadAnswer, parse_answer
from bot.handlers.teams.ids import ConversationKind, kind_of
from bot.handlers.teams.reach import Reach
from bot.handlers.teams.render import CARD_CONTENT_TYPE, render_notice
from bot.handlers.teams.translate import PLATFORM, Translated, tenant_of, translate
from bot.handlers.teams.uploads import ExportUploads

log = logging.getLogger(__name__)
AUTHORIZED = web.RequestKey("rf_authorized", bool)  # set once the SDK's JWT check let the request through
ROUTE = "/api/messages"
CONFIG_KEY = "agent_configuration"  # the str key the SDK's JWT decorator reads from the web app
MESSAGE_TYPE = "application/vnd.microsoft.activity.message"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class IntakePort(Protocol):
    """What the turn needs from the composition root (``bot.jobs.intake.Intake``)."""

    async def team_for(self, platform: str, workspace: str) -> str:
        """Our team for a Teams tenant."""
        ...

    async def accept(self, platform: str, event: InboundEvent) -> bool:
        """Persist an event for the worker; False for a delivery seen before."""
        ...


def invoke_reply(body: AdaptiveCardInvokeResponse) -> Activity:
    """The ``invokeResponse`` activity that makes the SDK answer the HTTP request with ``body`` (status 200)."""
    wire = body.model_dump(mode="json", by_alias=True, exclude_none=True)
    return Activity(type="invokeResponse", value=InvokeResponse(status=200, body=wire))


def message_response(text: str) -> AdaptiveCardInvokeResponse:
    """An invoke response that shows ``text`` and leaves the card as it is."""
    return AdaptiveCardInvokeResponse(status_code=200, type=MESSAGE_TYPE, value=text)


def card_response(card: dict[str, Any]) -> AdaptiveCardInvokeResponse:
    """An invoke response that replaces the card acted on with ``card``."""
    return AdaptiveCardInvokeResponse(status_code=200, type=CARD_CONTENT_TYPE, value=card)


def answer_for(result: Translated) -> AdaptiveCardInvokeResponse | None:
    """What the card action's HTTP reply shows (None: not a card action we answer)."""
    if result.dismissed:
        return card_response(render_notice(texts.FORM_CLOSED))
    if result.notice:
        return message_response(result.notice)
    if any(isinstance(e, FormSubmitted) for e in result.events):
        return card_response(render_notice(texts.SUBMITTED))
    if result.events:
        return message_response(texts.WORKING)
    return None


class InboundAgent:
    """The SDK ``Agent`` behind ``/api/messages``: translate, persist, answer; nothing slow."""

    def __init__(
        self,
        intake: IntakePort,
        reach: Reach,
        now: Callable[[], datetime],
        uploads: ExportUploads | None = None,
        home_tenant: str = "",
    ) -> None:
        self._intake, self._reach, self._now, self._uploads = intake, reach, now, uploads
        self._home_tenant = home_tenant.strip().lower()  # "" = multi-tenant: every tenant is a team of its own

    def foreign(self, tenant: str) -> bool:
        """Whether a single-tenant bot must refuse ``tenant`` (tenant ids are GUIDs: compared case-insensitively)."""
        return bool(self._home_tenant) and tenant.strip().lower() != self._home_tenant

    async def on_turn(self, context: TurnContext) -> None:
        """One inbound activity."""
        activity = context.activity
        tenant = tenant_of(activity)
        if not tenant:
            log.warning("Teams activity %s names no tenant; ignored", activity.id)
            if activity.type == "invoke":
                await context.send_activity(invoke_reply(message_response(texts.NO_TENANT)))
            return
        if self.foreign(tenant):
            log.warning(
                "Teams %s activity %s from tenant %r refused: this bot is single-tenant",
                str(activity.type)[:40],
                str(activity.id)[:100],
                tenant[:64],
            )
            if activity.type == "invoke":
                await context.send_activity(invoke_reply(message_response(texts.FOREIGN_TENANT)))
            return
        team_id = await self._intake.team_for(PLATFORM, tenant)
        self._remember(team_id, tenant, activity)
        if activity.type == "invoke" and activity.name == FILE_CONSENT and self._uploads is not None:
            await self._file_consent(context, team_id, self._uploads)
            return
        result = translate(activity, team_id, self._now())
        if result.error:
            log.warning("unreadable Teams %s activity %s: %s", activity.type, activity.id, result.error)
        for event in result.events:
            await self._intake.accept(PLATFORM, event)
        answer = answer_for(result)
        if answer is None:
            return
        if result.invoke:
            await context.send_activity(invoke_reply(answer))
        else:
            await self._answer_submit(context, result, answer)

    async def _file_consent(self, context: TurnContext, team_id: str, uploads: ExportUploads) -> None:
        """An answer to a file-consent card: acknowledged at once; ``uploads`` delivers (or explains) after the turn."""
        activity = context.activity
        await context.send_activity(Activity(type="invokeResponse", value=InvokeResponse(status=200)))
        try:
            answer = parse_answer(activity)
        except BadAnswer as err:
            log.warning("unusable Teams file-consent answer %s: %s", activity.id, err)
            uploads.unreadable(activity.conversation.id if activity.conversation else "", activity.service_url or "")
            return
        uploads.answer(team_id, answer, str(activity.id or ""))

    def _remember(self, team_id: str, tenant: str, activity: Activity) -> None:
        self._reach.learn(team_id, activity.service_url or "", tenant)
        conversation, sender = activity.conversation, activity.from_property
        if conversation is None or sender is None or not conversation.id or not sender.id:
            return
        if kind_of(conversation.id, str(conversation.conversation_type or "")) is ConversationKind.PERSONAL:
            self._reach.learn_chat(team_id, sender.id, conversation.id)

    async def _answer_submit(
        self, context: TurnContext, result: Translated, answer: AdaptiveCardInvokeResponse
    ) -> None:
        """``Action.Submit`` (older clients): replace the card, or send the notice, within the turn."""
        try:
            if answer.type == CARD_CONTENT_TYPE and result.card_id:
                card = {"contentType": CARD_CONTENT_TYPE, "content": answer.value}
                await context.update_activity(
                    Activity.model_validate({"type": "message", "id": result.card_id, "attachments": [card]})
                )
            elif result.notice:
                await context.send_activity(result.notice)
        except Exception:  # the events are already in the inbox; a card left as it was is only cosmetic
            log.exception("could not answer a Teams Action.Submit (activity %s)", context.activity.id)


def friendly_errors(adapter: CloudAdapter) -> None:
    """Replace the SDK's ``on_turn_error`` (which shows the exception text) with a log entry and an apology."""

    async def on_turn_error(context: TurnContext, error: Exception) -> None:
        activity = context.activity
        log.error("Teams turn failed (%s activity %s)", activity.type, activity.id, exc_info=error)
        try:
            if activity.type == "invoke":
                await context.send_activity(invoke_reply(message_response(texts.TURN_FAILED)))
            else:
                await context.send_activity(texts.TURN_FAILED)
        except Exception:
            log.exception("could not tell the user about the failed Teams turn either")

    adapter.on_turn_error = on_turn_error


def messages_handler(
    adapter: CloudAdapter, agent: InboundAgent, observe_ack: Callable[[float, int], None] | None = None
) -> Handler:
    """The aiohttp handler for ``POST /api/messages``: the SDK's JWT check, then the adapter runs the turn."""

    async def process(request: web.Request) -> web.StreamResponse:
        request[AUTHORIZED] = True
        try:
            response = await adapter.process(request, agent)
        except (ValueError, TypeError) as err:  # a body the SDK's Activity model rejects (pydantic, or the SDK's
            # own field checks: ``channelId: ""`` raises TypeError)
            log.warning("malformed Teams activity: %s", str(err).splitlines()[0])
            return web.json_response({"error": "Malformed activity"}, status=400)
        return response if response is not None else web.Response(status=500)

    checked = cast(Handler, jwt_authorization_decorator(process))  # type: ignore[no-untyped-call]

    async def handle(request: web.Request) -> web.StreamResponse:
        started = time.perf_counter()
        try:
            response: web.StreamResponse = await checked(request)
        except Exception as err:
            if request.get(AUTHORIZED):
                raise
            # the SDK's JWT check itself failed on a forged token (a header without ``kid`` raises KeyError)
            log.warning("unreadable Teams token refused: %s", type(err).__name__)
            response = web.json_response({"error": "Invalid token or authentication failed."}, status=401)
        if observe_ack is not None:
            observe_ack(time.perf_counter() - started, response.status)
        return response

    return handle


def mount(app: web.Application, configuration: AgentAuthConfiguration, handler: Handler) -> None:
    """Add ``POST /api/messages`` to the server and the auth configuration its JWT check reads."""
    with warnings.catch_warnings():  # the SDK reads exactly this str key; aiohttp prefers AppKey objects
        warnings.simplefilter("ignore", web.NotAppKeyWarning)
        app[CONFIG_KEY] = configuration
    app.router.add_post(ROUTE, handler)
