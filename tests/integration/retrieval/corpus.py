"""A small MSP corpus for the retrieval tests: public flows, one private flow per team, resolved sessions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.flows.model import Command, Flow, FlowKind, Node, NodeType
from bot.store.database import Database
from tests.integration.store.builders import TEAM_A, TEAM_B, seed

NOW = datetime(2026, 11, 25, 14, 0, tzinfo=UTC)


def procedure(key: str, name: str, description: str, keywords: tuple[str, ...], *steps: Node) -> Flow:
    """A procedural flow with these steps and an end."""
    return Flow(
        key=key,
        name=name,
        kind=FlowKind.PROCEDURAL,
        nodes=(*steps, Node("end", NodeType.PROCEDURE_END, title="Done")),
        description=description,
        keywords=keywords,
        category="Support",
    )


def step(node_id: str, title: str, instructions: str = "", command: str = "") -> Node:
    """A procedure step, optionally with a command."""
    commands = (Command(command),) if command else ()
    return Node(node_id, NodeType.PROCEDURE_STEP, title=title, instructions=instructions, commands=commands)


PRINTER = procedure(
    "printer-offline",
    "Printer offline",
    "A network printer shows offline or print jobs are stuck in the print queue.",
    ("printer", "print queue", "spooler"),
    step("ping", "Ping the printer", "Check the printer answers on the network."),
    step(
        "spooler",
        "Restart the print spooler",
        "Restart the spooler service on the print server.",
        "Restart-Service -Name Spooler",
    ),
)
VPN = procedure(
    "vpn-wont-connect",
    "VPN won't connect",
    "The VPN client fails to connect or the tunnel drops after sign-in.",
    ("vpn", "tunnel", "remote access"),
    step("cert", "Check the client certificate", "An expired certificate blocks the tunnel."),
)
OUTLOOK = procedure(
    "outlook-not-syncing",
    "Outlook mailbox not syncing",
    "Outlook stops receiving mail or the mailbox is stuck on updating folders.",
    ("outlook", "mailbox", "sync", "exchange"),
    step("ost", "Rebuild the OST file", "Close Outlook, rename the OST and restart Outlook."),
)
BACKUP_A = procedure(
    "backup-job-failed",
    "Backup job failed",
    "The nightly backup job failed with a VSS writer error on the file server.",
    ("backup", "vss", "veeam"),
    step("vss", "Check the VSS writers", "List the writers and restart the failed one.", "vssadmin list writers"),
)
PAYROLL_B = procedure(
    "payroll-disk-full",
    "Payroll server disk full",
    "The payroll server ran out of disk space; shadow copies filled the volume.",
    ("payroll", "disk", "shadow copies"),
    step("clean", "Delete old shadow copies", "Remove the oldest shadow copies.", "vssadmin delete shadows /oldest"),
)
PUBLIC_FLOWS = (PRINTER, VPN, OUTLOOK)

SESSIONS = {
    TEAM_A: [
        (
            "sa-outlook",
            "Outlook keeps asking for the password",
            "Outlook prompted for credentials in a loop after the MFA change. Resolution: cleared cached credentials "
            "in Credential Manager and re-added the account.",
            NOW - timedelta(days=2),
        ),
        (
            "sa-printer",
            "Floor 2 printer offline",
            "The floor 2 printer showed offline for everyone. Resolution: restarted the print spooler on the print "
            "server and cleared the stuck print queue.",
            NOW - timedelta(days=200),
        ),
    ],
    TEAM_B: [
        (
            "sb-payroll",
            "Payroll server out of disk space",
            "Payroll app crashed because drive D was full of shadow copies. Resolution: deleted old shadow copies and "
            "capped shadow storage at 10 percent.",
            NOW - timedelta(days=5),
        ),
    ],
}


async def seeded(database: Database) -> Database:
    """Teams A and B (``builders.seed``)."""
    await seed(database)
    return database
