"""Every text the knowledge flywheel and the proposal review show."""

from __future__ import annotations

PROPOSALS_USAGE = (
    "Use `proposals` (the review queue), `proposals show <id>` (one proposal with its YAML) or, as a team admin, "
    "`proposals run` (run the knowledge flywheel now)."
)
QUEUE_EMPTY = "No flow proposals are waiting for review."
QUEUE_HEADER = "Flow proposals waiting for review"
QUEUE_HINT = "Proven by an outcome first. `proposals show <id>` shows one with its YAML."
QUEUE_MORE = "…and {n} more."
UNKNOWN_PROPOSAL = "There is no flow proposal `{id}` in this team. `proposals` lists the queue."
AMBIGUOUS_PROPOSAL = "`{id}` matches more than one proposal: give more of its id."

RUN_STARTED = "🔄 The knowledge flywheel is reading resolved sessions…"
RUN_DISABLED = "The knowledge flywheel is turned off for this team (`admin settings` → Knowledge flywheel)."
RUN_DONE = "Knowledge flywheel: read {read} resolved session(s): {new} new proposal(s), {updated} updated."
RUN_NOTHING = "Knowledge flywheel: read {read} resolved session(s); nothing new to propose."

REVIEW_HEADER = "New flow proposals to review"
REVIEW_INTRO = "The knowledge flywheel read the sessions resolved since its last run and drafted {n} proposal(s)."
REVIEW_FALLBACK = "{n} new flow proposal(s) to review"

TYPE_LABEL = {
    "new_flow": "New flow",
    "branch_addition": "New branch",
    "enhancement": "Enhancement",
    "auto_reinforced": "Reinforced",
}
VALIDATED = "✅ proven by an outcome"
EVIDENCE = "{count} sessions · {worked} worked · {failed} failed · {first} → {last}"
BRANCH_AT = "Branch of `{flow}` at “{node}”"
DRAFTED_BY = {"claude": "drafted by FlowPilot (Claude)", "offline": "drafted from a template"}

ALREADY_DECIDED = "{who} already {status} this proposal ({when})."
ENHANCEMENT_EDIT_ONLY = "An enhancement is published only through **Edit**: review the change, then publish it."
INVALID_DRAFT = "This draft does not validate, so it cannot be published as it is. Use **Edit** to fix it:\n{errors}"
INVALID_EDIT = "The flow was not published; nothing was saved. Fix these and submit again:\n{errors}"
KEY_CHANGED = "line {line}: a branch must keep the flow's key `{key}` (it is a new version of that flow)"
EMPTY_EDIT = "The YAML is empty: paste the whole flow."
PUBLISHED = "✅ {who} published *{name}* (`{key}` v{version}) from a flow proposal."
REJECTED = "{who} rejected the proposal *{name}*."
REJECTED_WHY = "{who} rejected the proposal *{name}*: {reason}"
DISMISSED = "{who} dismissed the proposal *{name}*."

EDIT_TITLE = "Edit & publish"
EDIT_INTRO = "Edit the flow, then publish it. It is validated first: with errors nothing is saved."
EDIT_PART = "Flow YAML (part {n} of {total})"
EDIT_LABEL = "Flow YAML"
REJECT_TITLE = "Reject proposal"
REJECT_INTRO = "Reject *{name}*? A reason helps whoever drafts the next one."
REJECT_LABEL = "Reason (optional)"

APPROVE = "Approve"
EDIT = "Edit"
REJECT = "Reject"
DISMISS = "Dismiss"
SHOW = "Show"
