"""The offline copilot's fixed texts: generic triage, status-update templates, the flow skeleton."""

from __future__ import annotations

import re

from bot.engine.copilot import Brief, StatusKind

GENERIC_QUESTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("How many users are affected?", ("Just one user", "A few users", "Everyone at a site", "Everyone")),
    ("When did it start?", ("Today", "This week", "After a change or update", "Don't know")),
    ("Is there an error message?", ("Yes, I'll paste it", "No error", "Only in the event log")),
)
GENERIC_CHECKS: tuple[tuple[str, str, str], ...] = (
    (
        "Check recent errors in the event log",
        "Look for errors around the time the problem started.",
        "Get-WinEvent -FilterHashtable @{LogName='System'; Level=2; StartTime=(Get-Date).AddHours(-24)} "
        "-MaxEvents 20 | Format-Table TimeCreated, ProviderName, Message -Wrap",
    ),
    (
        "Check network reachability",
        "Confirm the machine reaches its gateway, DNS and the service it needs.",
        "Test-NetConnection <service-host> -Port 443; Resolve-DnsName <service-host>",
    ),
)


def status_text(brief: Brief, kind: StatusKind, detailed: bool) -> str:
    """A status update written from the session's state."""
    problem = brief.problem or brief.title or "the reported issue"
    facts = brief.facts if detailed else brief.facts[-3:]
    known = "\n".join(f"• {f}" for f in facts) or "• Investigation under way."
    active = next((f for f in brief.fixes if f.active), None)
    doing = f"Current step: {active.title} ({active.status.replace('_', ' ')})." if active else "We are diagnosing."
    if kind is StatusKind.CLIENT_UPDATE:
        return f"Hello,\n\nAn update on {problem}: {doing}\n\nWe'll let you know as soon as we have more.\n"
    if kind is StatusKind.EMAIL_DRAFT:
        return f"Subject: Update on {problem}\n\nHello,\n\n{doing}\n\nWhat we know so far:\n{known}\n\nKind regards"
    if kind is StatusKind.REQUEST_INFO:
        asks = [i.text for i in brief.lane if i.status == "open"] or ["Any error messages you have seen"]
        lines = "\n".join(f"• {a}" for a in asks[: 6 if detailed else 3])
        return f"Hello,\n\nTo move {problem} forward, could you tell us:\n{lines}\n\nThank you."
    return f"Status: {problem}\n{doing}\nWhat we know:\n{known}"


def _slug(text: str) -> str:
    words = re.findall(r"[a-z0-9]+", text.lower())[:5]
    return "-".join(words) or "new-flow"


def flow_template(description: str) -> str:
    """A valid skeleton troubleshooting flow for ``description``."""
    name = description.strip().splitlines()[0][:80].replace('"', "'") or "New flow"
    key = _slug(description)
    return f"""key: {key}
name: "{name}"
kind: troubleshooting
version: 1
status: draft
description: "Drafted offline from: {name}"
start: scope
nodes:
  - id: scope
    type: decision
    question: Is the problem affecting one user or many?
    options:
      - {{label: One user, next: check-user}}
      - {{label: Many users, next: check-service}}
  - id: check-user
    type: action
    title: Check the user's device and account
    instructions: Reproduce the problem with the user and note any error message.
    next: user-fixed
  - id: user-fixed
    type: decision
    question: Did that show the cause?
    options:
      - {{label: "Yes", next: solved}}
      - {{label: "No", next: check-service}}
  - id: check-service
    type: action
    title: Check the service for everyone
    instructions: Check the service's status page and recent changes.
    next: solved
  - id: solved
    type: solution
    title: Fix the cause found
    resolution: Apply the fix for the cause found and confirm with the user.
"""
