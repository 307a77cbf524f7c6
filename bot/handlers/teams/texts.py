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
# network side (http, sender)
WORKING = "Got it — working on it…"
SUBMITTED = "Submitted — working on it…"
TURN_FAILED = "Sorry — something went wrong on my side and I couldn't take that in. Please try again in a moment."
NO_TENANT = "Sorry — this conversation does not name a Microsoft 365 tenant, so I can't tell which team it belongs to."
DELIVERY_FAILED = "Teams refused to show that update ({error}). Your answer was recorded; `status` shows the session."
ATTACHMENT_TITLE = "{title} — {filename}"
DOCUMENT = "Document"
DOWNLOAD_LINK = "Download it as a file (the link works for 15 minutes): {url}"
# shared files (the reason in "… could not be downloaded (<reason>)")
FILE_ELSEWHERE = "Teams gives bots files only in a personal chat; share it with me there"
FILE_NO_LINK = "Teams gave no download link for it"
FILE_NOT_TEAMS = "its link does not point to Microsoft 365"
FILE_NO_TOKEN = "the bot could not sign in to Teams"
FILE_REFUSED = "Teams refused access; the download link may have expired, share it again"
FILE_GONE = "it was deleted, or its link expired"
FILE_HTTP = "Teams answered HTTP {status}"
FILE_SIGN_IN = "Teams answered with a sign-in page"
FILE_REDIRECTED = "Teams sent the download elsewhere"
FILE_REDIRECTS = "too many redirects"
FILE_NETWORK = "network error: {error}"
# pictures (a flow's diagram)
PICTURE_LINK = "The picture's link works for {hours} hours; `flow show` draws it again."
PICTURE_UNAVAILABLE = (
    "The diagram is too large to send inside a Teams message, and this bot has no public address for a link to it "
    "(its operator sets `RFBOT_PUBLIC_URL`). On the bot's server, `rfbot flows diagram {key}` saves it as a PNG file."
)
# exports in a 1:1 chat (`export FMT`, `flow export KEY`): the file-consent card and what follows the answer
CONSENT_DESCRIPTION = "{title}: {filename}. Allow puts a copy in your OneDrive."
CONSENT_SUMMARY = "Your export {filename} is ready: allow it to save it in your OneDrive"
UPLOADED_SUMMARY = "{filename} is in your OneDrive"
AGAIN = "`export` or `flow export KEY`"
UPLOAD_DECLINED = (
    "OK — nothing was uploaded. Download the export instead (the link works until 15 minutes after you asked for "
    "it): {url}"
)
UPLOAD_DECLINED_GONE = f"OK — nothing was uploaded. Ask again ({AGAIN}) when you want the file."
UPLOAD_GONE = (
    "I can't upload that export any more: its file card has expired (they work for 15 minutes), or it was made for "
    f"someone else. Ask again ({AGAIN}) for a fresh one."
)
UPLOAD_FAILED = (
    "Your OneDrive did not take the file ({error}), so nothing was uploaded. Download it instead (the link works "
    "until 15 minutes after you asked for the export): {url}"
)
UPLOAD_NOT_ONEDRIVE = "Teams asked me to upload the file somewhere other than OneDrive, so I didn't."
CONSENT_UNREADABLE = f"Sorry — I couldn't read your answer to that file card. Ask again ({AGAIN})."
CONSENT_ANSWERED = (
    f"You already answered that file card, so nothing more was uploaded. Ask again ({AGAIN}) for another copy."
)
# what the file-consent card shows once answered (no buttons left to press)
CARD_UPLOADED = "✓ Uploaded {filename} to your OneDrive."
CARD_NOT_UPLOADED = "Not uploaded."
# tenants (a single-tenant bot refuses the others)
FOREIGN_TENANT = "Sorry — this bot serves only its own organisation's Microsoft 365 tenant."
