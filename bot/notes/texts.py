"""Every user-facing word of a rendered note and of redaction summaries, in one place (house rule 11)."""

from __future__ import annotations

# Header
UNNAMED_FLOW = "Troubleshooting session"
UNKNOWN_ENGINEER = "unknown"
TICKET = "Ticket"
NO_TICKET = "no ticket"
ENGINEER = "Engineer"
DATE = "Date"
TIME_SPENT = "Time"
HOURS = "{hours:.2f} hrs"
STATUS = "Status"
UNKNOWN_STATUS = "unknown"

# Section titles
PROBLEM = "Problem"
VARIABLES = "Variables"
WHAT_WE_KNOW = "What we know"
STEPS = "Steps"
PROGRESS = "Progress"
RESOLUTION = "Resolution"
FOLLOW_UP = "Follow-up recommendations"

# Empty sections
NO_PROBLEM = "Not described."
NOTHING_CONFIRMED = "Nothing confirmed yet."
NO_STEPS = "No steps recorded."
NO_FOLLOW_UP = "None."

# Resolution wording by status
RESOLVED_NO_SUMMARY = "Resolved."
ABANDONED = "Session abandoned — not resolved."
ABANDONED_REASON = "Reason: {reason}"
ESCALATED = "Escalated — not resolved in this session."
IN_PROGRESS = "In progress."

# Step lines
CUSTOM = "[CUSTOM]"
NOTE = "Note:"
WENT_BACK = "Went back to:"
BY = "by {actor}"

# Redaction
REDACTION_KINDS: dict[str, tuple[str, str]] = {  # kind -> (singular, plural), in rule order
    "private_key": ("private key", "private keys"),
    "jwt": ("JWT", "JWTs"),
    "api_key": ("API key", "API keys"),
    "bearer": ("bearer token", "bearer tokens"),
    "connection_string": ("connection-string password", "connection-string passwords"),
    "url_credentials": ("URL password", "URL passwords"),
    "email": ("e-mail address", "e-mail addresses"),
    "unc_path": ("UNC path", "UNC paths"),
    "ip": ("IP address", "IP addresses"),
    "card": ("card number", "card numbers"),
    "password": ("password", "passwords"),
}
REDACTION_SUMMARY = "{items} masked"
NOTHING_MASKED = "nothing masked"
REDACTION_WITHHELD = "[redaction failed — content withheld]"
REDACTION_FAILED_SUMMARY = "redaction failed — content withheld"
# Answers to a password-type step that are choices, not the secret itself
PLAIN_ANSWERS = (
    "yes",
    "no",
    "y",
    "n",
    "ok",
    "done",
    "skip",
    "skipped",
    "n/a",
    "na",
    "none",
    "true",
    "false",
    "unknown",
    "worked",
    "failed",
    "reset",
    "changed",
    "expired",
    "locked",
    "unlocked",
    "correct",
    "incorrect",
)
