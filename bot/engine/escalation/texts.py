"""Every message escalation and handoff show (one module, so the wording is reviewed in one place)."""

from __future__ import annotations

ESCALATE_BUTTON = "Escalate"
CLAIM_BUTTON = "Claim"
CHOICE_LABELS = {
    "continue": "Continue where {engineer} left off",
    "analysis": "Get AI analysis",
    "takeover": "I'll take it from here",
}
FORM_TITLE = "Escalate session"
FORM_TARGET = "Escalate to (optional)"
FORM_TARGET_HINT = "@name of a senior; empty = the team's escalation queue"
FORM_REASON = "Why are you escalating?"
FORM_REASON_HINT = "What is blocking you, what you need from them"
FORM_SUBMIT = "Escalate"
FORM_INTRO = "The session is escalated with its package, and whoever claims it continues in this thread."

# refusals (nothing changed)
ALREADY_ESCALATED = "This session was already escalated by {who} at {time} and waits for a claim."
NOT_ESCALATED = "This session isn't waiting in the escalation queue any more."
SELF_TARGET = "You can't escalate to yourself. Name someone else, or leave the name out to use the team's queue."
TARGET_VIEWER = "{name} is a viewer and can't claim escalations. Name an engineer or a lead."
SELF_CLAIM = "You can't claim your own escalation. Someone else on the team picks it up."
ALREADY_CLAIMED = "Already claimed by {who} at {time}."
CLAIM_GONE = "That escalation is no longer in the queue (the session is {status})."
NOT_CLAIMER = "Only {who}, who claimed this escalation, can choose how to pick it up."
ALREADY_CHOSE = "You already picked “{choice}” for this escalation."
UNKNOWN_ESCALATION = "That escalation no longer exists."
FIX_FIRST = (
    "Before you escalate: how did the suggested fix *{title}* go? Whoever picks this up needs to know what was tried "
    "and how it went, so record the outcome below, then escalate again."
)

# escalate
ESCALATED_THREAD = "🆙 *Escalated* by {who}{to}.{reason}"
TO_TARGET = " to {target}"
REASON_LINE = "\n_Reason:_ {reason}"
PACKAGE_HEADER = "📝 Escalation package"
NOTE_HEADING = "Escalated by {who}{to}{reason}"
PACKAGE_QUEUED = "The escalation package goes to ticket #{number} as an internal note."
PACKAGE_DRAFTING = "FlowPilot is drafting the escalation package; it goes to ticket #{number} when it is ready."
PACKAGE_DRAFTING_NO_TICKET = "FlowPilot is drafting the escalation package; it shows here when it is ready."
PACKAGE_NO_TICKET = "No ticket is linked, so the package stays in this thread."
PACKAGE_NO_PSA = "Ticket #{number} is linked but this team has no PSA connected, so the package stays in this thread."
PACKAGE_WAS_SENT = "The escalation package was already sent to ticket #{number}."
NOTIFIED_CHANNEL = "The escalation is in the team's escalation channel with a Claim button."
NOTIFIED_TARGET = "{name} got a direct message."
NO_CHANNEL = (
    "This team has no escalation channel yet, so the escalation is only in this thread{dm}. A team admin sets one "
    "with `admin escalation-channel here` in that channel."
)
NO_CHANNEL_DM = " and in {name}'s direct messages"
TARGET_NOT_REACHABLE = "{name} has no {platform} account linked to the bot, so they were not messaged."

# notifications
NOTIFY_HEADER = "🆙 Escalation: {title}"
NOTIFY_FOR_YOU = "escalated this to you"
NOTIFY_DM = "🆙 {who} escalated *{title}* to you{ticket}. Claim it to take the session over."
NOTIFY_HINT = "Claim it to take the session over; the thread continues with you."
REMINDER_LINE = "⏰ Still unclaimed after {minutes} min (reminder {n})."
REMINDER_DM = "⏰ *{title}* is still waiting for someone to claim it ({minutes} min){ticket}."

# claim
CLAIMED_LINE = "✋ Claimed by {who} at {time}."
CLAIMED_THREAD = "✋ {who} claimed the escalation and owns this session now."
CLAIMED_DM = "✋ {who} claimed your escalation of *{title}*{ticket}. The session continues with them in its thread."
CHOOSE = "You own *{title}* now. How do you want to pick it up?"
HANDOVER = {
    "continue": "▶️ {who} continues where {engineer} left off.",
    "analysis": "🧭 {who} asked for a briefing before continuing from {engineer}.",
    "takeover": "🛠️ {who} takes it from here.",
}
ANALYSIS_DRAFTING = "FlowPilot is drafting the analysis; it shows here when it is ready."
ANALYSIS_HEADER = "🧭 Briefing for {who}"

# park
PARKED = "⏸️ Parked privately{reason}. Nobody was notified; `resume` picks it up."

# admin escalation-channel
CHANNEL_USAGE = (
    "`admin escalation-channel here` announces escalations in this channel; `admin escalation-channel #channel` in "
    "that one; `admin escalation-channel off` stops announcing them."
)
CHANNEL_SET = "Escalations are announced in {where} from now on."
CHANNEL_OFF = "Escalations are no longer announced in a channel; only named people are messaged."
CHANNEL_NOW = "Escalations are announced in {where}."
CHANNEL_NONE = "No escalation channel is set."
CHANNEL_NOT_HERE = "Run this in the channel itself, or name the channel."

# stats
STATS_USAGE = "`stats escalations [days]`: time from claim to first action for this team (default: the last 30 days)."
STATS_TITLE = "Escalations — last {days} days"
STATS_NONE = "No escalations in the last {days} days."
STATS_COUNTS = "{total} escalated · {claimed} claimed · {waiting} waiting"
STATS_FIRST_ACTION = "*Claim → first action* ({n}): average {avg} · median {median} · p95 {p95}"
STATS_TO_CLAIM = "*Escalation → claim* ({n}): average {avg} · median {median} · p95 {p95}"
STATS_NO_ACTION = "No claimer has acted yet, so there is no claim-to-first-action time."
STATS_HINT = "p95 is the nearest-rank 95th percentile. A first action is the claimer's first step, answer or note."
