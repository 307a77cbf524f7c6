"""Every message of the flow library commands (house rule 11: texts in one module per package)."""

from __future__ import annotations

USAGE = (
    "Flow library commands: `flow show KEY [vN]`, `flow export KEY [vN]`, `flow versions KEY`, `flow folders`, "
    "`flow browse [folder]`, `flow import` (with the YAML file attached), `flow publish KEY`, `flow archive KEY`, "
    "`flow restore KEY [vN]`, `flow generate <description>`."
)
NEED_KEY = "Which flow? Say `flow {sub} KEY` (see `list` or `flow browse` for the keys)."
BAD_VERSION = "`{text}` isn't a version. Say `v3` (see `flow versions {key}`)."
NOT_FOUND = "I don't know a flow `{key}` here."
DID_YOU_MEAN = " Did you mean {options}?"
NO_VERSION = "`{key}` has no version {version}. Its versions: {versions}."
SUMMARY_TITLE = "{name} — {key} v{version}"  # a header: plain text on every platform, so no `code` marks
DIAGRAM_TITLE = "Flow diagram"
DIAGRAM_ALT = "Diagram of {name} (v{version}): {nodes} steps."
DIAGRAM_FAILED = "The diagram couldn't be drawn this time; the summary above is complete."
EXPORT_TITLE = "Flow YAML"
PUBLIC_READ_ONLY = (
    "`{key}` is a public flow, which teams can't change: I made your team's own copy. The public flow stays as it "
    "is for other teams."
)
# import
IMPORT_NO_FILE = (
    "Attach the flow's YAML file to the message that says `flow import` (drop the .yaml file into the chat and type "
    "`flow import` as its message). From a terminal: `rfbot flows import FILE --team TEAM`."
)
IMPORT_NOT_YAML = "`{name}` isn't a YAML file. Attach the flow as a `.yaml` or `.yml` file."
IMPORT_UNREADABLE = "I couldn't read `{name}`: {why}."
IMPORT_TOO_BIG = "`{name}` is bigger than {limit} KB; a flow file is much smaller. Check you attached the right file."
IMPORT_NOT_TEXT = "`{name}` isn't UTF-8 text. Save it as UTF-8 YAML and attach it again."
IMPORT_ERRORS = "`{name}` has {count} problem(s); nothing was saved. Fix them and import it again:\n{lines}"
IMPORT_MORE = "…and {count} more."
IMPORTED = (
    "Imported `{key}` ({name}) as a draft: version {version}. A team admin publishes it with `flow publish {key}`."
)
IMPORT_SAME = "`{key}` already has this exact draft as version {version}; nothing changed."
# publish / archive / restore
ALREADY_PUBLISHED = "`{key}` v{version} is already the published version; there is no newer draft to publish."
PUBLISH_ERRORS = "`{key}` v{version} can't be published; fix these first (nothing was changed):\n{lines}"
PUBLISHED = "Published `{key}` as version {version}. `start {key}` runs it."
ALREADY_ARCHIVED = "`{key}` is already archived. `flow restore {key}` brings it back."
ARCHIVED = (
    "Archived `{key}` (version {version}): it no longer shows in `start`, `list` or `search`; its versions are kept. "
    "`flow restore {key}` brings it back."
)
NOTHING_TO_RESTORE = "`{key}` has no published version to restore. Say which: `flow restore {key} vN`."
RESTORED = "Restored `{key}` v{old} as the newest published version: version {version}."
RESTORE_SAME = "`{key}` v{old} is already what runs (version {version}); nothing changed."
# browse
NO_FLOWS = "No flows here yet. Import one with `flow import` (attach its YAML file)."
NO_FOLDER = "There's no folder `{folder}`. Folders: {folders}."
NO_FOLDERS = "No folders yet. A flow names its folder in its YAML: `folder: network/vpn`."
MORE_FLOWS = "…and {count} more here: narrow it with `search folder:{folder} <words>`."
