"""Every message of maintenance runs and ``schedule`` (one module, so the wording is reviewed in one place)."""

from __future__ import annotations

# run card and checklist
CARD_TITLE = "🛠️ {flow} — maintenance run"
CARD_FALLBACK = "{flow}: maintenance run, {progress}"
PROGRESS = "{done}/{total} targets complete"
OPEN_CHECKLIST = "Open checklist"
MARK_ALL_OK = "✓ Mark all OK"
SKIP_TARGET = "Skip target"
STEP_OK = "✓ OK"
STEP_ISSUE = "Issue"
STEP_SKIP = "Skip"
CHECKLIST_TITLE = "Checklist · {target} — {flow}"
CHECKLIST_HINT = "Mark each step; the run card above follows along."
CARD_HINT = "Open a target's checklist to mark its steps one by one, or mark a whole target at once."
TARGET_ICONS = {"pending": "⬜", "ok": "✅", "issues": "⚠️", "skipped": "⏭️"}
STEP_ICONS = {"ok": "✅", "issue": "⚠️", "skipped": "⏭️"}
NOT_DONE = "not done"

# forms
VALUE_FORM_TITLE = "Record a value"
ISSUE_FORM_TITLE = "Report an issue"
ISSUE_LABEL = "What is wrong?"
ISSUE_HINT = "What you found, so the summary and the ticket say it"
FORM_INTRO = "*{target}* · {step}"
VALUE_REQUIRED = "Please enter a value for *{prompt}* (or press Skip)."
ISSUE_REQUIRED = "Say what the issue is, in a few words, so the summary can report it."

# summary
SUMMARY_TITLE = "📋 {flow} — run summary"
SUMMARY_COMPLETED = "All {total} targets done in {elapsed}."
SUMMARY_EXPIRED = "The run reached its deadline after {elapsed}: {done}/{total} targets done."
NOTE_QUEUED = "🗒️ Summary queued as a note on ticket #{ticket}."
NOTE_NEW_TICKET = "🗒️ Summary queued as a new ticket on the {psa} board “{board}”."
NOTE_NO_PSA = (
    "🗒️ The summary was not noted in the PSA: this team has no PSA connected (a team admin connects one with "
    "`admin psa`)."
)
NOTE_NOWHERE = (
    "🗒️ The summary was not noted in the PSA: the flow links no ticket (`ticket:` in its YAML) and the team has "
    "no maintenance board set (setting `maintenance_board`)."
)
NOTE_LABEL = "Maintenance summary"
TICKET_SUMMARY = "Maintenance: {flow} — {when}"

# refusals and notices
UNKNOWN_RUN = "That maintenance run no longer exists."
FLOW_GONE = (
    "The scheduled maintenance flow `{flow}` no longer exists or is no longer a maintenance flow; no run was started."
)
RUN_STARTED = "Maintenance run of *{flow}* started: {targets} targets, deadline {deadline}."

# /rf schedule
SCHEDULE_USAGE = (
    "Schedules: `schedule list`, `schedule add FLOW [CRON] [tz ZONE]` (team admins; runs are posted where you type "
    "it), `schedule pause NAME`, `schedule resume NAME`, `schedule remove NAME`, `schedule run FLOW` (a run now)."
)
NO_BOOK = "Schedules are not available here (the bot runs without its scheduler store)."
LIST_TITLE = "Schedules of this team"
LIST_EMPTY = "This team has no schedules yet. A team admin adds one with `schedule add FLOW [CRON] [tz ZONE]`."
LIST_RUNNING = " {count} maintenance run(s) are open until their deadline."
LIST_HINT = "Times are in {zone}. `schedule pause NAME`, `resume`, `remove` take the name or the id."
NOT_MAINTENANCE = "`{flow}` is a {kind} flow; only maintenance flows with targets can be scheduled or run."
NO_TARGETS = "`{flow}` has no targets to run on; add `targets:` to the flow first."
NO_CRON = (
    '`{flow}` has no `schedule:` of its own; give one: `schedule add {flow} "0 22 * * 2"` '
    "(minute hour day month weekday)."
)
BAD_ZONE = "I don't know the time zone `{zone}`. Use an IANA name such as `Europe/Berlin` or `America/New_York`."
BAD_CRON = "That schedule can't be used: {problem}."
ADDED = "Scheduled *{flow}*: `{cron}` ({zone}); runs are posted here. Next run: {next}."
REPLACED = (
    "Replaced the existing schedule of *{flow}* (was `{old}` in {old_zone}) with `{cron}` ({zone}); runs are "
    "posted here. Next run: {next}."
)
STILL_PAUSED = " It is still paused: `schedule resume {name}` starts it again."
NO_SUCH_SCHEDULE = "No schedule of this team is called `{name}`. `schedule list` shows them."
SEVERAL_SCHEDULES = "`{name}` matches several schedules: {options}. Use the id."
PAUSED = "Paused *{name}*: it won't fire until `schedule resume {name}`."
RESUMED = "Resumed *{name}*. Next run: {next}."
ALREADY_PAUSED = "*{name}* is already paused."
NOT_PAUSED = "*{name}* isn't paused."
REMOVE_CONFIRM = "Remove the schedule *{name}* (`{what}`)? Runs already started stay; no new ones will start."
REMOVE_BUTTON = "Remove schedule"
REMOVED = "Removed the schedule *{name}*."
GONE = "That schedule was already removed."
NAME_NEEDED = "Name the schedule: `schedule {sub} NAME` (`schedule list` shows the names)."
FLOW_NEEDED = "Name the flow: `schedule {sub} FLOW`."
