"""The flow library in chat: `flow show|export|versions|folders|browse` (reading: viewers and up), and the Show and
Browse buttons. Changes (`flow import|publish|archive|restore`) are in ``flow_admin``.

A team sees its own flows and the public ones, nothing else: every look-up goes through ``FlowRepository`` with the
event's team, so another team's key is "not found" like a key that doesn't exist.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence

from bot.engine.context import Ctx, UserError
from bot.engine.events import ActionId
from bot.engine.flowlib import texts
from bot.engine.flowlib.views import browse_view, folders_view, summary_view, versions_view
from bot.engine.replies import Attachment, Ephemeral, View
from bot.engine.sharing.flow_files import YAML_TYPE, flow_download_link, flow_filename
from bot.engine.sharing.pictures import diagram_link
from bot.flows.diagram import render
from bot.flows.dump import dump_flow
from bot.flows.folders import folder_counts, normalise_folder
from bot.flows.model import Flow, FlowStatus
from bot.flows.search import close_matches
from bot.flows.versions import FlowVersion

log = logging.getLogger(__name__)
FlowAction = Callable[[Ctx, str], Awaitable[None]]


def show(ctx: Ctx, view: View) -> None:
    """Reply to the actor only."""
    ctx.replies.append(Ephemeral(ctx.conversation, ctx.event.actor, view))


def key_and_version(sub: str, rest: str) -> tuple[str, int | None]:
    """``"vpn v3"`` -> ``("vpn", 3)``; raises ``UserError`` without a key or with a bad version."""
    words = rest.split()
    if not words:
        raise UserError(texts.NEED_KEY.format(sub=sub))
    key = words[0].strip("`").lower()
    if len(words) < 2:
        return key, None
    text = words[1].lower().removeprefix("v")
    if not text.isdigit() or int(text) < 1:
        raise UserError(texts.BAD_VERSION.format(text=words[1], key=key))
    return key, int(text)


async def find(ctx: Ctx, key: str, version: int | None = None) -> tuple[Flow, Sequence[FlowVersion]]:
    """The flow as the team sees it (that version, else its newest of any status) and its versions."""
    versions = await ctx.uow.flows.versions(ctx.team_id, key)
    if not versions:
        message = texts.NOT_FOUND.format(key=key)
        close = close_matches(key, await ctx.uow.flows.list(ctx.team_id, include_drafts=True))
        if close:
            message += texts.DID_YOU_MEAN.format(options=" or ".join(f"`{c}`" for c in close))
        raise UserError(message)
    wanted = version if version is not None else versions[-1].version
    flow = await ctx.uow.flows.get(ctx.team_id, key, wanted)
    if flow is None:
        listed = ", ".join(f"v{v.version}" for v in versions)
        raise UserError(texts.NO_VERSION.format(key=key, version=wanted, versions=listed))
    return flow, versions


async def diagram(ctx: Ctx, flow: Flow) -> None:
    """Append the flow's diagram as a PNG file (drawn off the event loop), with a signed link to the same picture
    for platforms that show it by link (Teams); a drawing failure is said, not raised."""
    try:
        png, plan = await asyncio.to_thread(render, flow)
    except Exception:  # a picture is a help: the summary stands without it
        log.exception("drawing the diagram of flow %s failed", flow.key)
        ctx.whisper(texts.DIAGRAM_FAILED)
        return
    alt = texts.DIAGRAM_ALT.format(name=flow.name, version=flow.version, nodes=len(flow.nodes))
    ctx.replies.append(
        Attachment(
            ctx.conversation,
            f"{flow.key}-v{flow.version}.png",
            " ".join(x for x in (alt, plan.note) if x),
            "image/png",
            texts.DIAGRAM_TITLE,
            upload=True,
            download_url=diagram_link(ctx.links, ctx.team_id, flow, ctx.now) if ctx.links is not None else "",
            data=png,
        )
    )


async def flow_show(ctx: Ctx, rest: str) -> None:
    """`flow show KEY [vN]`: the summary and the diagram."""
    flow, versions = await find(ctx, *key_and_version("show", rest))
    show(ctx, summary_view(flow, versions))
    await diagram(ctx, flow)


async def flow_export(ctx: Ctx, rest: str) -> None:
    """`flow export KEY [vN]`: the YAML as a file (with a short-lived signed download link, as `export` has, for
    platforms that cannot upload it where it was asked for or must ask first)."""
    flow, _ = await find(ctx, *key_and_version("export", rest))
    link = flow_download_link(ctx.links, ctx.team_id, ctx.user.id, flow, ctx.now) if ctx.links is not None else ""
    ctx.replies.append(
        Attachment(
            ctx.conversation,
            flow_filename(flow),
            dump_flow(flow),
            YAML_TYPE,
            texts.EXPORT_TITLE,
            upload=True,
            download_url=link,
        )
    )


async def flow_versions(ctx: Ctx, rest: str) -> None:
    """`flow versions KEY`: every version with its status."""
    key, _ = key_and_version("versions", rest)
    flow, versions = await find(ctx, key)
    show(ctx, versions_view(flow, versions))


async def _published(ctx: Ctx) -> list[Flow]:
    return [f for f in await ctx.uow.flows.list(ctx.team_id) if f.status is FlowStatus.PUBLISHED]


async def flow_folders(ctx: Ctx, rest: str) -> None:
    """`flow folders`: every folder and category with its count."""
    show(ctx, folders_view(await _published(ctx)))


async def flow_browse(ctx: Ctx, rest: str) -> None:
    """`flow browse [folder]`: the flows of a folder with Start/Show, and its sub-folders."""
    folder, problem = normalise_folder(rest)
    if problem:
        raise UserError(problem)
    flows = await _published(ctx)
    counts = folder_counts(flows)
    if folder and folder not in counts:
        raise UserError(texts.NO_FOLDER.format(folder=folder, folders=", ".join(f"`{f}`" for f in counts) or "none"))
    show(ctx, browse_view(flows, folder))


async def on_show(ctx: Ctx, key: str) -> None:
    """The Show button: like `flow show KEY`."""
    await flow_show(ctx, key)


async def on_browse(ctx: Ctx, folder: str) -> None:
    """A folder button: like `flow browse FOLDER`."""
    await flow_browse(ctx, folder)


FLOW_ACTIONS: dict[ActionId, FlowAction] = {ActionId.FLOW_SHOW: on_show, ActionId.FLOW_BROWSE: on_browse}
"""The flow library's buttons (no session: value = flow key or folder)."""

READ_COMMANDS: dict[str, FlowAction] = {
    "show": flow_show,
    "export": flow_export,
    "versions": flow_versions,
    "folders": flow_folders,
    "browse": flow_browse,
}
