"""`admin settings` — the team's settings (``bot.engine.team_settings``), shown and edited by team admins.

`admin settings` shows a card with every setting, its value and its default, and **Edit settings**, which opens a
form with one field per editable setting: every field is checked first and the form saves all or nothing, naming
each bad field. `admin settings set <key> <value>` and `admin settings reset <key>` change one setting from chat.
Only changed fields are written; each change is in the audit log. Escalation channels are shown but set with
`admin escalation-channel`. A new time zone re-times the team's schedules at once; the sweep settings (and the
time zone) take effect on the next idle sweep, and the reply says so.
"""

from __future__ import annotations

import difflib
from typing import Any

from bot.engine import team_texts as t
from bot.engine.audit import AuditAction
from bot.engine.commands.escalate import find_person
from bot.engine.context import Ctx, UserError
from bot.engine.escalation.channels import LABEL
from bot.engine.events import ActionId, FormId
from bot.engine.model import Role, Session
from bot.engine.replies import (
    Block,
    Button,
    Buttons,
    Context,
    Ephemeral,
    Header,
    Input,
    OpenForm,
    Style,
    Text,
    View,
)
from bot.engine.setting_types import Setting, SettingError, UserListSetting
from bot.engine.team_schedules import ensure_team_schedules
from bot.engine.team_settings import (
    BY_KEY,
    CATALOG,
    EDITABLE,
    ESCALATION_CHANNELS,
    SWEEP_SETTINGS,
    TIMEZONE,
    TeamSettings,
)
from bot.flows.model import Flow


def _require_admin(ctx: Ctx) -> None:
    ctx.require_role(Role.TEAM_ADMIN)


async def settings_command(ctx: Ctx, rest: str) -> None:
    """`admin settings [set <key> <value> | reset <key> | edit]` (the caller checked the role)."""
    words = rest.split(None, 2)
    action = words[0].lower() if words else ""
    if not action:
        view = View(await settings_blocks(ctx), t.SETTINGS_TITLE)
        ctx.replies.append(Ephemeral(ctx.conversation, ctx.event.actor, view))
    elif action == "edit":
        await open_settings_form(ctx)
    elif action == "set" and len(words) >= 2:
        setting = _setting(ctx, words[1])
        if len(words) < 3:
            raise UserError(t.SET_NEEDS_VALUE.format(key=setting.key))
        try:
            value = await _parse(ctx, setting, words[2])
        except SettingError as err:
            raise UserError(err.message) from None
        await _save(ctx, {setting.key: setting.stored(value)}, [])
    elif action == "reset" and len(words) == 2:
        setting = _setting(ctx, words[1])
        await _save(ctx, {}, [setting.key])
    else:
        raise UserError(t.SETTINGS_USAGE)


def _setting(ctx: Ctx, key: str) -> Setting[Any]:
    """The setting ``key`` names, if this user may change it here."""
    setting = BY_KEY.get(key.strip().lower().strip("`"))
    if setting is None:
        message = t.UNKNOWN_SETTING.format(key=key)
        close = difflib.get_close_matches(key.lower(), list(BY_KEY), n=2, cutoff=0.6)
        hint = t.DID_YOU_MEAN.format(options=" or ".join(f"`{c}`" for c in close)) if close else ""
        keys = t.KNOWN_SETTINGS.format(keys=", ".join(f"`{s.key}`" for s in EDITABLE))
        raise UserError(" ".join(part for part in (message, hint, keys) if part))
    if not setting.editable:
        raise UserError(t.NOT_EDITABLE.format(key=setting.key, command=setting.managed_by))
    if ctx.user.role not in setting.changed_by:
        roles = " and ".join(r.value.replace("_", " ") + "s" for r in setting.changed_by)
        raise UserError(t.CANNOT_CHANGE.format(roles=roles, key=setting.key))
    return setting


async def _parse(ctx: Ctx, setting: Setting[Any], text: str) -> Any:
    """The typed value of ``text``; team members named in a list are found (``SettingError`` names who is not)."""
    value = setting.parse(text)
    if not isinstance(setting, UserListSetting):
        return value
    ids: list[str] = []
    for name in value:
        try:
            user = await find_person(ctx, name)
        except UserError as err:
            raise SettingError(f"`{setting.key}`: {err.message}") from None
        if user.id not in ids:
            ids.append(user.id)
    return tuple(ids)


async def _text_of(ctx: Ctx, settings: TeamSettings, setting: Setting[Any]) -> str:
    """A setting's value as its form field shows it (team members by name)."""
    value = settings.get(setting)
    if isinstance(setting, UserListSetting):
        return ", ".join(await _names(ctx, value))
    return setting.show(value)


async def _names(ctx: Ctx, user_ids: tuple[str, ...]) -> list[str]:
    users = [await ctx.uow.users.get(ctx.team_id, uid) for uid in user_ids]
    return [u.display_name for u in users if u is not None]


async def _describe(ctx: Ctx, settings: TeamSettings, setting: Setting[Any]) -> str:
    """A setting's value as the card shows it."""
    if setting is ESCALATION_CHANNELS:
        data = settings.raw(setting.key)
        labels = [
            f"{platform}: {entry.get(LABEL) or entry.get('channel')}"
            for platform, entry in sorted(data.items() if isinstance(data, dict) else [])
            if isinstance(entry, dict)
        ]
        return ", ".join(labels) or t.CHANNELS_NONE
    if isinstance(setting, UserListSetting):
        return ", ".join(await _names(ctx, settings.get(setting))) or "none"
    return setting.describe(settings.get(setting))


async def settings_blocks(ctx: Ctx) -> tuple[Block, ...]:
    """The settings card: every setting with its value and default, **Edit settings** and how to change one."""
    settings = await TeamSettings.load(ctx.uow, ctx.team_id)
    lines = []
    for setting in CATALOG:
        value = await _describe(ctx, settings, setting)
        if not setting.editable:
            default = " — " + t.SETTING_MANAGED.format(command=setting.managed_by)
        elif settings.is_set(setting):
            default = t.SETTING_DEFAULT.format(default=setting.describe(setting.default))
        else:
            default = " (default)"
        lines.append(
            t.SETTING_LINE.format(
                label=setting.label, key=setting.key, value=value, default=default, description=setting.description
            )
        )
    edit = Button(t.SETTINGS_EDIT, ActionId.EDIT_SETTINGS, "", 0, "", Style.PRIMARY)
    return (Header(t.SETTINGS_TITLE), Text("\n".join(lines)), Buttons((edit,)), Context(t.SETTINGS_HINT))


async def on_edit_settings(ctx: Ctx, value: str) -> None:
    """**Edit settings** (no session): open the settings form."""
    await open_settings_form(ctx)


async def open_settings_form(ctx: Ctx) -> None:
    """The form with one field per editable setting, pre-filled with the team's values."""
    _require_admin(ctx)
    settings = await TeamSettings.load(ctx.uow, ctx.team_id)
    inputs = [
        Input(
            s.key,
            s.label,
            initial=await _text_of(ctx, settings, s),
            placeholder=f"default: {s.show(s.default) or 'none'}"[:150],
            optional=True,
        )
        for s in EDITABLE
    ]
    ctx.replies.append(
        OpenForm(
            ctx.conversation,
            ctx.event.actor,
            FormId.TEAM_SETTINGS,
            t.FORM_TITLE,
            "",
            0,
            tuple(inputs),
            intro=(Text(t.FORM_INTRO),),
            submit_label=t.FORM_SUBMIT,
        )
    )


async def on_settings_form(ctx: Ctx, session: Session | None, flow: Flow | None, values: dict[str, str]) -> None:
    """The settings form: check every changed field, then save them all, or nothing and say what is wrong."""
    _require_admin(ctx)
    settings = await TeamSettings.load(ctx.uow, ctx.team_id)
    changes: dict[str, Any] = {}
    resets: list[str] = []
    problems: list[str] = []
    for setting in EDITABLE:
        text = values.get(setting.key)
        if text is None or " ".join(text.split()) == " ".join((await _text_of(ctx, settings, setting)).split()):
            continue  # not in the form, or left as it was
        try:
            value = await _parse(ctx, setting, text)
        except SettingError as err:
            problems.append(f"• {err.message}")
            continue
        if not text.strip():
            resets.append(setting.key)
        else:
            changes[setting.key] = setting.stored(value)
    if problems:
        raise UserError(t.NOT_SAVED.format(problems="\n".join(problems)))
    await _save(ctx, changes, resets)


async def _save(ctx: Ctx, changes: dict[str, Any], resets: list[str]) -> None:
    """Write the changes and resets, log each in the audit log, re-time schedules for a new zone, and confirm."""
    before = await TeamSettings.load(ctx.uow, ctx.team_id)
    resets = [key for key in resets if before.is_set(BY_KEY[key])]
    if changes:
        await ctx.uow.settings.put(ctx.team_id, changes)
    if resets:
        await ctx.uow.settings.remove(ctx.team_id, resets)
    after = await TeamSettings.load(ctx.uow, ctx.team_id)
    shown: list[str] = []
    for key in [*changes, *resets]:
        setting = BY_KEY[key]
        old, new = await _describe(ctx, before, setting), await _describe(ctx, after, setting)
        await ctx.audit(AuditAction.SETTING_CHANGED, key, old=old, new=new)
        shown.append((t.SETTING_RESET if key in resets else t.SETTING_SET).format(key=key, value=new))
    if not shown:
        ctx.whisper(t.SETTINGS_UNCHANGED)
        return
    if (TIMEZONE.key in changes or TIMEZONE.key in resets) and ctx.schedules is not None:
        await ensure_team_schedules(ctx.schedules, ctx.team_id, ctx.uow)
    sweep = any(key in SWEEP_SETTINGS for key in [*changes, *resets])
    ctx.whisper("\n".join(shown), *((Context(t.NEXT_SWEEP),) if sweep else ()))
