"""User-facing strings of the Teams adapter (rendering and translation)."""

from __future__ import annotations

ELLIPSIS = "…"
TRUNCATED = "…(truncated)"
TOO_LARGE = "…(this part was too large for a Teams message)"
MORE = "…and {n} more"
CONTINUED = "(continued)"
FALLBACK = "ResolutionFlow"
SUBMIT = "Submit"
CANCEL = "Cancel"
CHOOSE = "Choose"
PICK_FIRST = "Pick an option first, then press {label}."
REQUIRED = "This field is required."
UNREADABLE = "Sorry — I couldn't read that (it may come from an older card). Try `status`."
FORM_CLOSED = "Form closed."
