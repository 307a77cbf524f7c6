"""aiohttp routes of the sharing pages (mounted by the composition root into ``rfbot serve``'s web app).

* ``GET /s/{token}`` — a public link: the redacted page, or the not-found page.
* ``GET /share/open/{token}`` — a team link: sets a signed, HttpOnly, SameSite=Lax cookie scoped to that session's
  page (``Secure`` when served over HTTPS) and redirects there (303), so the signed link leaves the address bar.
* ``GET /share/view/{session_id}`` — the team page; needs that cookie.
* ``GET /share/file/{token}`` — an export behind a signed download link (a session's, or a flow version's YAML),
  as an attachment.
* ``GET /share/diagram/{token}`` — a flow's diagram (PNG) behind a signed diagram link, shown inline in a chat card;
  link-preview fetchers get it too (Teams' image proxy fetches card images), and caches may keep it as long as the
  link is valid.

Every answer carries the strict headers of ``page.HEADERS``. Whatever is wrong with a link, the answer is the same
404 page. Link-preview fetchers (Slack's and Teams' unfurlers) get that page too for sessions and exports, so a link
posted in chat neither shows the session in a preview nor counts as a view.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from urllib.parse import quote

from aiohttp import web

from bot.engine.sharing.pages import SharePages
from bot.engine.sharing.signing import DIAGRAM_PATH, DOWNLOAD_PATH, OPEN_PATH, PAGE_PATH, PUBLIC_PATH
from bot.handlers.share.page import HEADERS, not_found_page, session_page

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
COOKIE = "rf_share"
IMAGE_CSP = "default-src 'none'; img-src 'self'; frame-ancestors 'none'"  # a picture opened on its own still shows
PREVIEW_AGENTS = ("slackbot", "skypeuripreview", "teamsbot", "facebookexternalhit", "twitterbot", "discordbot")


def _html(text: str, status: int = 200) -> web.Response:
    return web.Response(text=text, status=status, content_type="text/html", charset="utf-8", headers=HEADERS)


def _not_found() -> web.Response:
    return _html(not_found_page(), 404)


def _preview(request: web.Request) -> bool:
    agent = request.headers.get("User-Agent", "").lower()
    return any(bot in agent for bot in PREVIEW_AGENTS)


def share_routes(pages: SharePages) -> list[tuple[str, str, Handler]]:
    """The routes, as ``(method, path, handler)`` for ``bot.web.build_web_app``."""

    async def public(request: web.Request) -> web.Response:
        if _preview(request):
            return _not_found()
        page = await pages.public_page(request.match_info["token"])
        return _html(session_page(page.fragment, page.scope, page.redacted)) if page else _not_found()

    async def open_link(request: web.Request) -> web.Response:
        if _preview(request):
            return _not_found()
        opened = await pages.open_team_link(request.match_info["token"])
        if opened is None:
            return _not_found()
        path = PAGE_PATH + quote(opened.session_id, safe="")
        response = web.Response(status=303, headers={**HEADERS, "Location": path})
        response.set_cookie(
            COOKIE,
            opened.cookie,
            max_age=opened.max_age,
            path=path,
            httponly=True,
            samesite="Lax",
            secure=pages.signer.secure,
        )
        return response

    async def team_page(request: web.Request) -> web.Response:
        cookie = request.cookies.get(COOKIE, "")
        page = await pages.team_page(request.match_info["session_id"], cookie) if cookie else None
        return _html(session_page(page.fragment, page.scope, page.redacted)) if page else _not_found()

    async def download(request: web.Request) -> web.Response:
        if _preview(request):
            return _not_found()
        file = await pages.download(request.match_info["token"])
        if file is None:
            return _not_found()
        headers = {**HEADERS, "Content-Disposition": f'attachment; filename="{file.filename}"'}
        return web.Response(text=file.body, content_type=file.mime_type, charset="utf-8", headers=headers)

    async def diagram(request: web.Request) -> web.Response:
        picture = await pages.diagram(request.match_info["token"])
        if picture is None:
            return _not_found()
        headers = HEADERS | {"Cache-Control": f"max-age={picture.max_age}", "Content-Security-Policy": IMAGE_CSP}
        headers["Content-Disposition"] = f'inline; filename="{picture.filename}"'
        return web.Response(body=picture.png, content_type="image/png", headers=headers)

    return [
        ("GET", PUBLIC_PATH + "{token}", public),
        ("GET", OPEN_PATH + "{token}", open_link),
        ("GET", PAGE_PATH + "{session_id}", team_page),
        ("GET", DOWNLOAD_PATH + "{token}", download),
        ("GET", DIAGRAM_PATH + "{token}", diagram),
    ]
