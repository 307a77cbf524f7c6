"""The probes of the isolation suite, as tables: for every button action, form and command, the values and
arguments that name team A's objects. ``{name}`` is replaced by team A's real id or key of that name
(``World.ids``/``World.keys``); each probe is also sent with guessed ids. A new ``ActionId``/``FormId``/command
without an entry here fails ``test_every_action_form_and_command_has_a_probe``."""

from __future__ import annotations

from bot.engine.events import ActionId, FormId

A = ActionId
ITEM, FIX = "{item}", "{fix}"

# Values of each button. The session id it is sent with is every address of team A (``ADDRESSES``) and guesses.
ACTION_VALUES: dict[ActionId, tuple[str, ...]] = {
    A.CHOOSE: ("0", "Yes"),
    A.DONE: ("ok", "failed"),
    A.ENTER_VALUE: ("",),
    A.BACK: ("",),
    A.PAUSE: ("",),
    A.RESUME: ("",),
    A.RESOLVE: ("",),
    A.ABANDON: ("",),
    A.CONFIRM_ABANDON: ("",),
    A.CANCEL: ("",),
    A.SUBFLOW_RETURN: ("",),
    A.SKIP_TARGET: ("",),
    A.START_FLOW: ("{flow}",),
    A.REPLACE_SESSION: ("park", "abandon", "continue"),
    A.RETRY_PUSH: ("{outbox}",),
    A.ASK_PILOT: ("",),
    A.LANE_ANSWER: (f"{ITEM}:0",),
    A.LANE_RESULT: (f"{ITEM}:passed",),
    A.LANE_TEXT: (ITEM,),
    A.PROMOTE: (ITEM,),
    A.FACT_CONFIRM: (ITEM,),
    A.FACT_EDIT: (ITEM,),
    A.FACT_NONE: (ITEM,),
    A.FIX_DECISION: (f"{FIX}:one_off", f"{FIX}:dismissed"),
    A.FIX_OUTCOME: (f"{FIX}:applied_success",),
    A.OUTCOME_CONFIRM: (f"{FIX}:applied_success",),
    A.OUTCOME_REJECT: (FIX,),
    A.PREFERENCE: ("gui",),
    A.FORK_PICK: ("vault",),
    A.CONFIRM_POST: ("resolution",),
    A.EDIT_DOCUMENT: ("resolution",),
    A.STATUS_UPDATE: ("client:quick",),
    A.POST_STATUS_NOTE: ("1:quick",),
    A.PACKAGE: ("",),
    A.POST_PACKAGE: ("escalation",),
    A.ESCALATE: ("",),
    A.CLAIM: ("{escalation}",),
    A.CLAIM_CHOICE: ("{escalation}:takeover", "{escalation}:continue"),
    A.RUN_CHECKLIST: ("0",),
    A.RUN_ALL_OK: ("0",),
    A.RUN_SKIP_TARGET: ("1",),
    A.RUN_STEP: ("0:ok:snap", "0:value:svc"),
    A.RUN_RETRY_PUSH: ("{outbox}",),
    A.SCHEDULE_REMOVE: ("{schedule}",),
    A.EDIT_SETTINGS: ("",),
    A.NUDGE_RESUME: ("",),
    A.PROPOSAL_APPROVE: ("{proposal}",),
    A.PROPOSAL_EDIT: ("{proposal}",),
    A.PROPOSAL_REJECT: ("{proposal}",),
    A.PROPOSAL_DISMISS: ("{proposal}",),
    A.PROPOSAL_SHOW: ("{proposal}",),
    A.FLOW_SHOW: ("{flow}",),  # team A's own flow, by key
    A.FLOW_BROWSE: ("", "{flow}"),
    # the step library: team A has no library step of its own, so these name A's other ids
    A.STEP_RATE: ("{session}", "{session}:up", "{flow}"),
    A.STEP_REVIEW: ("{session}", "{session}:up", "{flow}"),
    A.STEP_SHOW: ("{session}", "{session}:up", "{flow}"),
    A.STEP_ADD: ("{session}", "{session}:up", "{flow}"),
}

FORM_VALUES: dict[FormId, dict[str, str]] = {
    FormId.RESOLVE: {"summary": "probe summary"},
    FormId.STEP_VALUE: {"value": "probe"},
    FormId.INTAKE: {"username": "probe"},
    FormId.LINK_TICKET: {"ticket": "7"},
    FormId.PSA_CONNECT: {"site_url": "", "company_id": ""},
    FormId.LANE_TEXT: {"item": ITEM, "answer": "probe"},
    FormId.FACT_EDIT: {"item": ITEM, "fact": "probe"},
    FormId.FIX_PENDING: {"fix": FIX, "reason": "probe"},
    FormId.DOCUMENT: {"kind": "resolution", "body": "probe"},
    FormId.PACKAGE: {"kind": "escalation", "body": "probe"},
    FormId.ESCALATE: {"target": "", "reason": "probe"},
    FormId.RUN_VALUE: {"0:svc": "probe"},
    FormId.RUN_ISSUE: {"0:snap": "probe"},
    FormId.TEAM_SETTINGS: {},
    FormId.PROPOSAL_EDIT: {"source": "probe: [unclosed"},
    FormId.PROPOSAL_REJECT: {"reason": "probe"},
}
for _form in (FormId.STEP_LIBRARY, FormId.STEP_REVIEW):
    FORM_VALUES[_form] = {"step": "{session}", "review": "probe", "title": "probe {seq}"}

# Where a button or form may point: every kind of id team A has (a session, a FlowPilot session, a maintenance run,
# a proposal — the forms and buttons that are addressed without a session use the id as their "session"), and
# team B's own session (so a value naming team A's item, fix, escalation or outbox id meets a session B may act on).
ADDRESSES = ("{session}", "{pilot}", "{run}", "{proposal}", "", "{b_session}")

# Arguments of each command beyond the generic probes (``{token}`` alone, and every sub-command with a token).
COMMAND_ARGS: dict[str, tuple[str, ...]] = {
    "start": ("{flow}", "{flow} #48213"),
    "list": ("", "--all"),
    "search": ("{flow}", "vault certificate renewed", "tunnel"),
    "status": ("",),
    "note": ("probe note",),
    "addstep": ("probe step",),
    "link": ("#7",),
    "pause": ("",),
    "resume": ("", "{session}"),
    "resolve": ("probe",),
    "abandon": ("",),
    "escalate": ("@amira probe", "probe"),
    "park": ("probe",),
    "export": ("", "html", "md {session}"),
    "schedule": ("", "list", "pause {schedule_key}", "resume {schedule_key}", "remove {schedule_key}"),
    "share": ("", "list", "revoke {link}", "views {link}", "list {session}"),
    "history": ("", "@amira"),
    "pilot": ("", "wombat probe"),
    "fact": ("probe",),
    "update": ("",),
    "flow": ("show {flow}", "export {flow}", "edit {flow}", "publish {flow}", "delete {flow}"),
    "proposals": ("", "show {proposal}", "approve {proposal}", "reject {proposal}"),
    "admin": ("users", "audit", "settings", "members", "psa", "users role {user} viewer"),
    "stats": ("", "escalations"),
    "steps": ("", "show {session}", "list"),
    "back": ("",),
}
# Tokens tried as the argument of every command and after every sub-command.
TOKENS = ("{session}", "{link}", "{schedule}", "{schedule_key}", "{proposal}", "{run}", "{escalation}", "{flow}")
SUBCOMMANDS = ("show", "revoke", "pause", "resume", "remove", "run", "approve", "reject", "publish", "views")
