"""User-facing strings of the Slack adapter (rendering and translation)."""

from __future__ import annotations

ELLIPSIS = "…"
TRUNCATED = "…(truncated)"
MORE = "…and {n} more"
CONTINUED = "(continued)"
FALLBACK = "ResolutionFlow"
MODAL_CLOSE = "Cancel"
SUBMIT = "Submit"
