"""Every user-facing sentence of the ConnectWise adapter, in one place (house rule 11). None may contain a key."""

from __future__ import annotations

AUTH = (
    "ConnectWise rejected the API keys for company {company} (check the company id, the API member's public and "
    "private keys, and the integration's clientId)"
)
FORBIDDEN = "ConnectWise refused {doing}: the API member's security role needs the {area} permission"
TICKET_MISSING = "Ticket #{ticket} not found in ConnectWise"
ROUTE_MISSING = "ConnectWise has nothing at {path} (HTTP 404) while {doing} — check the site address {site}"
REJECTED = "ConnectWise refused {doing}: {reason}"
REJECTED_NO_REASON = "ConnectWise refused {doing} (HTTP {status})"
THROTTLED = "ConnectWise is throttling requests (HTTP 429) while {doing}"
SERVER_ERROR = "ConnectWise answered HTTP {status} while {doing}"
UNREACHABLE = "Could not reach ConnectWise at {host} while {doing} ({error})"
LOST_ANSWER = "ConnectWise did not answer while {doing} ({error})"
MAYBE_APPLIED = " — it may have been applied; it is checked before trying again"
BAD_ANSWER = "ConnectWise sent an answer the bot could not read while {doing} ({error})"
BAD_SITE = "The ConnectWise site address {site} is not usable ({error})"
STATUS_NOT_APPLIED = (
    "ConnectWise kept ticket #{ticket} at status “{status}” (id {actual}) instead of status id {wanted} — the status "
    "may not belong to the ticket's board, or a workflow rule changed it back"
)

# what a request was doing, for the sentences above
DOING_INFO = "checking the API keys"
DOING_TICKET = "reading ticket #{ticket}"
DOING_TICKETS = "reading service tickets"
DOING_NOTES = "reading the notes of ticket #{ticket}"
DOING_ADD_NOTE = "adding a note to ticket #{ticket}"
DOING_STATUS = "changing the status of ticket #{ticket}"
DOING_TIME = "adding a time entry to ticket #{ticket}"
DOING_MEMBERS = "reading members"
DOING_NEW_TICKET = "opening a ticket on board {board}"

# permission areas (System › Security Roles), for FORBIDDEN
AREA_SYSTEM = "System › API access"
AREA_TICKETS = "Service Desk › Service Tickets"
AREA_MEMBERS = "System › Member Maintenance"
AREA_TIME = "Time & Expense › Time Entry"

# rfbot psa check
CHECK_KEYS = "API keys accepted"
CHECK_TICKETS = "reading service tickets"
CHECK_MEMBERS = "reading members"
CHECK_SKIPPED = "not tried: the connection check above failed"
CHECK_VERSION = "ConnectWise {version}"
