"""Texts of team settings (`admin settings`) and of the idle sweep (paused-session nudges, idle abandonment)."""

from __future__ import annotations

# --- admin settings -------------------------------------------------------------------------------------------
SETTINGS_TITLE = "Team settings"
SETTINGS_HINT = (
    "Change one with `admin settings set <key> <value>`, or go back to its default with `admin settings reset <key>`."
)
SETTINGS_USAGE = (
    "`admin settings` shows the team's settings; `admin settings set <key> <value>` changes one; "
    "`admin settings reset <key>` goes back to its default."
)
SETTINGS_EDIT = "✎ Edit settings"
SETTING_LINE = "*{label}* `{key}`: {value}{default}\n_{description}_"
SETTING_DEFAULT = " (default {default})"
SETTING_MANAGED = "Changed with `{command}`."
FORM_TITLE = "Team settings"
FORM_INTRO = "Every field is checked before anything is saved. Leave a field empty to go back to its default."
FORM_SUBMIT = "Save settings"
UNKNOWN_SETTING = "There is no team setting `{key}`."
DID_YOU_MEAN = "Did you mean {options}?"
KNOWN_SETTINGS = "Settings: {keys}."
NOT_EDITABLE = "`{key}` is not changed here: use `{command}`."
CANNOT_CHANGE = "Only {roles} can change `{key}`."
SET_NEEDS_VALUE = "Give a value: `admin settings set {key} <value>`."
SETTING_SET = "`{key}` is now {value}."
SETTING_RESET = "`{key}` is back to its default, {value}."
SETTINGS_UNCHANGED = "Nothing changed."
NOT_SAVED = "Nothing was saved — fix these and try again:\n{problems}"
NEXT_SWEEP = "This takes effect on the next idle sweep (within 15 minutes)."
CHANNELS_NONE = "none"

# --- the idle sweep --------------------------------------------------------------------------------------------
NUDGE_LINE = "⏸ Paused for {hours} hours — resume or abandon it."
NUDGE_DM = "Your session *{title}* has been paused for {hours} hours. Resume it, or abandon it in its thread."
NUDGE_TITLE = "nudged after {hours} hours paused"
RESUME = "Resume"
ABANDON = "Abandon"
ABANDONED_LINE = "Abandoned after {days} days without activity (team setting {setting})."
ABANDONED_DM = (
    "Your session *{title}* was abandoned after {days} days without activity (team setting {setting}). "
    "Its record and note are kept."
)
ABANDONED_NOTE = "Session note (abandoned)"
RESUMED_THERE = "Resumed *{title}* in its thread."
