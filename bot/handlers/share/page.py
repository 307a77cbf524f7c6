"""The HTML around a shared session (pure): one self-contained page, no scripts, no outside resources.

The session documentation comes in as the fragment ``bot.notes.html`` renders, where every piece of text is
already escaped; everything written here is fixed text. The headers forbid scripts, framing, outside loads,
caching, indexing and referrers.
"""

from __future__ import annotations

from bot.engine.sharing.records import ShareScope

HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "X-Robots-Tag": "noindex, nofollow",
    "X-Frame-Options": "DENY",
}
TITLE = "Shared session — ResolutionFlow"
STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem;
color:#1f2937;line-height:1.5}
.rf-bar{font-size:.85rem;color:#4b5563;border-bottom:1px solid #e5e7eb;padding-bottom:.5rem;margin-bottom:1rem}
.rf-header{font-size:1.05rem}
h3{margin:1.4rem 0 .4rem;font-size:1rem;color:#1e3a8a}
ul{padding-left:1.2rem}
time,.rf-actor,.rf-target{color:#6b7280;font-size:.9em}
.rf-label{font-weight:600}
.rf-empty{color:#6b7280;font-style:italic}
"""
BANNER = {
    (ShareScope.PUBLIC, True): "Read-only view shared by a public link. Secrets and personal data are masked.",
    (ShareScope.TEAM, True): "Read-only view for your team. Secrets and personal data are masked.",
    (ShareScope.TEAM, False): "Read-only view for your team. Your team shows exports unmasked: do not forward it.",
}
NOT_FOUND = (
    "This link does not open anything: it may have expired or been revoked, or it was copied incompletely. "
    "Ask whoever shared it for a new one."
)


def _document(body: str) -> str:
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="robots" content="noindex, nofollow">'
        f"<title>{TITLE}</title><style>{STYLE}</style></head>\n<body>\n{body}\n</body></html>\n"
    )


def session_page(fragment: str, scope: ShareScope, redacted: bool) -> str:
    """The page of a shared session; ``fragment`` is escaped HTML from ``bot.notes.html``."""
    banner = BANNER.get((scope, redacted), BANNER[(ShareScope.PUBLIC, True)])
    return _document(f'<p class="rf-bar">ResolutionFlow · {banner}</p>\n{fragment}')


def not_found_page() -> str:
    """The one page every link that does not work gets, whatever the reason."""
    return _document(f'<p class="rf-bar">ResolutionFlow</p>\n<p>{NOT_FOUND}</p>')
