"""Changing the flow library in chat: `flow import` (engineers: the attached YAML becomes a team draft) and
`flow publish|archive|restore` (team admins). Each change is a new version (versions are never rewritten) and an
audit log entry in the same transaction.

Public (bundled) flows are read-only to teams: changing one stores the team's own copy under the same key, which
from then on shadows the public flow for that team only (and the reply says so). Archiving stores the newest
version again as ``archived``: the flow leaves `start`, `list` and `search` but keeps every version; restoring
republishes a version as the newest.

Publishing fills every ``step:`` reference from the step library (an unknown one is an error with its line, also at
import) and syncs the flow's action steps into the library, as `rfbot flows import` does; every change queues the
team's flows for the search index, so `search` sees it.
"""

from __future__ import annotations

import dataclasses

from bot.engine.audit import AuditAction
from bot.engine.commands.flow_library import find, key_and_version
from bot.engine.context import Ctx, UserError
from bot.engine.events import CommandIssued, FileRef
from bot.engine.file_fetch import FileTooLarge, FileUnavailable
from bot.engine.flowlib import texts
from bot.engine.knowledge import FLOWS_JOB, knowledge_of
from bot.engine.steplib.sync import resolve_refs, sync_flow
from bot.flows.dump import dump_flow
from bot.flows.errors import FlowError, FlowLoadError
from bot.flows.loader import parse_flow_text
from bot.flows.model import Flow, FlowStatus
from bot.flows.validator import validate_flow
from bot.flows.versions import FlowVersion

MAX_IMPORT_KB = 256
SHOWN_ERRORS = 12
YAML_SUFFIXES = (".yaml", ".yml")


def error_lines(errors: list[FlowError]) -> str:
    """``• line 12: message`` for the first problems, then how many more."""
    lines = [f"• line {e.line}: {e.message}" for e in errors[:SHOWN_ERRORS]]
    if len(errors) > SHOWN_ERRORS:
        lines.append(texts.IMPORT_MORE.format(count=len(errors) - SHOWN_ERRORS))
    return "\n".join(lines)


def _yaml_file(ctx: Ctx) -> FileRef:
    files = ctx.event.files if isinstance(ctx.event, CommandIssued) else ()
    if not files:
        raise UserError(texts.IMPORT_NO_FILE)
    for ref in files:
        if ref.name.lower().endswith(YAML_SUFFIXES) or "yaml" in ref.mime_type:
            return ref
    raise UserError(texts.IMPORT_NOT_YAML.format(name=files[0].name))


async def _download(ctx: Ctx, ref: FileRef) -> str:
    fetcher = ctx.pilot.files.get(ref.platform) if ctx.pilot is not None else None
    if fetcher is None:
        raise UserError(texts.IMPORT_UNREADABLE.format(name=ref.name, why=f"files from {ref.platform} can't be read"))
    try:
        data = await fetcher.fetch(ctx.team_id, ref, MAX_IMPORT_KB * 1024)
    except FileTooLarge:
        raise UserError(texts.IMPORT_TOO_BIG.format(name=ref.name, limit=MAX_IMPORT_KB)) from None
    except FileUnavailable as err:
        raise UserError(texts.IMPORT_UNREADABLE.format(name=ref.name, why=str(err) or "no access")) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UserError(texts.IMPORT_NOT_TEXT.format(name=ref.name)) from None


async def _known_keys(ctx: Ctx) -> set[str]:
    return {f.key for f in await ctx.uow.flows.list(ctx.team_id, include_drafts=True)}


async def flow_import(ctx: Ctx, rest: str) -> None:
    """`flow import` with a YAML file attached: validated (every problem with its line), saved as a team draft."""
    ref = _yaml_file(ctx)
    text = await _download(ctx, ref)
    try:
        flow = parse_flow_text(text, ref.name)
    except FlowLoadError as err:
        lines = error_lines(err.errors)
        raise UserError(texts.IMPORT_ERRORS.format(name=ref.name, count=len(err.errors), lines=lines)) from None
    errors = validate_flow(flow, await _known_keys(ctx) | {flow.key})
    errors += (await resolve_refs(ctx.uow, ctx.team_id, ctx.user.id, flow, text))[2]  # unknown `step:` names
    if errors:
        raise UserError(texts.IMPORT_ERRORS.format(name=ref.name, count=len(errors), lines=error_lines(errors)))
    before = await ctx.uow.flows.versions(ctx.team_id, flow.key)
    version = await ctx.uow.flows.save(ctx.team_id, flow, text, FlowStatus.DRAFT)
    if before and not before[-1].public and before[-1].version == version:
        ctx.whisper(texts.IMPORT_SAME.format(key=flow.key, version=version))
        return
    await ctx.audit(AuditAction.FLOW_IMPORTED, flow.key, version=version, file=ref.name[:200])
    message = texts.IMPORTED.format(key=flow.key, name=flow.name, version=version)
    if before and before[-1].public:
        message += "\n" + texts.PUBLIC_READ_ONLY.format(key=flow.key)
    ctx.whisper(message)


async def _store(ctx: Ctx, flow: Flow, status: FlowStatus) -> int:
    """Save ``flow`` as a new version with ``status`` (its YAML says the status too); a published one joins the
    step library; the search index is told."""
    changed = dataclasses.replace(flow, status=status)
    version = await ctx.uow.flows.save(ctx.team_id, changed, dump_flow(changed), status)
    if status is FlowStatus.PUBLISHED:
        await sync_flow(ctx.uow, ctx.ids, ctx.team_id, changed, ctx.now)
    knowledge = knowledge_of(ctx.pilot)
    if knowledge is not None:  # `search` and FlowPilot see the change once the worker has re-indexed the flows
        await knowledge.enqueue(ctx.uow, ctx.team_id, FLOWS_JOB, "", ctx.now)
        ctx.queued = True
    return version


async def _filled(ctx: Ctx, flow: Flow) -> tuple[Flow, list[FlowError]]:
    """``flow`` with its ``step:`` references filled from the step library, and one error per unknown one."""
    filled, _, errors = await resolve_refs(ctx.uow, ctx.team_id, ctx.user.id, flow, "")
    return filled, errors


def _copy_note(versions: list[FlowVersion], key: str) -> str:
    return "\n" + texts.PUBLIC_READ_ONLY.format(key=key) if versions and versions[-1].public else ""


async def flow_publish(ctx: Ctx, rest: str) -> None:
    """`flow publish KEY` (team admins): validate the newest version and publish it as a new version."""
    key, _ = key_and_version("publish", rest)
    flow, found = await find(ctx, key)
    versions = list(found)
    if flow.status is FlowStatus.PUBLISHED:
        raise UserError(texts.ALREADY_PUBLISHED.format(key=key, version=flow.version))
    filled, bad_refs = await _filled(ctx, flow)
    errors = validate_flow(flow, await _known_keys(ctx)) + bad_refs
    if errors:
        raise UserError(texts.PUBLISH_ERRORS.format(key=key, version=flow.version, lines=error_lines(errors)))
    version = await _store(ctx, filled, FlowStatus.PUBLISHED)
    await ctx.audit(AuditAction.FLOW_PUBLISHED, key, version=version, from_version=flow.version)
    ctx.whisper(texts.PUBLISHED.format(key=key, version=version) + _copy_note(versions, key))


async def flow_archive(ctx: Ctx, rest: str) -> None:
    """`flow archive KEY` (team admins): hide it from start and search; every version is kept."""
    key, _ = key_and_version("archive", rest)
    flow, found = await find(ctx, key)
    versions = list(found)
    if flow.status is FlowStatus.ARCHIVED:
        raise UserError(texts.ALREADY_ARCHIVED.format(key=key))
    version = await _store(ctx, flow, FlowStatus.ARCHIVED)
    await ctx.audit(AuditAction.FLOW_ARCHIVED, key, version=version)
    ctx.whisper(texts.ARCHIVED.format(key=key, version=version) + _copy_note(versions, key))


async def flow_restore(ctx: Ctx, rest: str) -> None:
    """`flow restore KEY [vN]` (team admins): republish version N (default: the last published one) as the newest."""
    key, wanted = key_and_version("restore", rest)
    _, found = await find(ctx, key)
    versions = list(found)
    if wanted is None:
        published = [v.version for v in versions if v.status is FlowStatus.PUBLISHED]
        if not published:
            raise UserError(texts.NOTHING_TO_RESTORE.format(key=key))
        wanted = published[-1]
    old, _ = await find(ctx, key, wanted)
    if versions[-1].status is FlowStatus.PUBLISHED and not versions[-1].public:
        newest, _ = await find(ctx, key, versions[-1].version)
        if dump_flow(dataclasses.replace(newest, version=1)) == dump_flow(dataclasses.replace(old, version=1)):
            raise UserError(texts.RESTORE_SAME.format(key=key, old=wanted, version=newest.version))
    filled, bad_refs = await _filled(ctx, old)
    if bad_refs:
        raise UserError(texts.PUBLISH_ERRORS.format(key=key, version=wanted, lines=error_lines(bad_refs)))
    version = await _store(ctx, filled, FlowStatus.PUBLISHED)
    await ctx.audit(AuditAction.FLOW_RESTORED, key, version=version, from_version=wanted)
    ctx.whisper(texts.RESTORED.format(key=key, old=wanted, version=version) + _copy_note(versions, key))


CHANGE_COMMANDS = {
    "import": flow_import,
    "publish": flow_publish,
    "archive": flow_archive,
    "restore": flow_restore,
}
