"""A synthetic but varied MSP corpus for ``bench_retrieval``: flows with steps, resolved sessions, queries.

Deterministic for a seed. Topics carry their own vocabulary (symptoms, causes, fixes, commands); products, clients
and assets vary the wording so that no two documents are the same and common words ("server", "user") are
common, as in real tickets.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.engine.model import Session, SessionStatus
from bot.flows.model import Command, Flow, FlowKind, Node, NodeType


@dataclass(frozen=True)
class Topic:
    name: str
    symptoms: tuple[str, ...]
    causes: tuple[str, ...]
    fixes: tuple[str, ...]
    commands: tuple[str, ...]
    keywords: tuple[str, ...]


TOPICS = (
    Topic(
        "Printer offline",
        ("printer shows offline", "print jobs stuck in the queue", "cannot print to the copier"),
        ("spooler service hung", "stale printer port IP", "driver mismatch after update"),
        ("restarted the print spooler", "re-created the TCP/IP port", "reinstalled the universal print driver"),
        ("Restart-Service Spooler", "Get-PrinterPort | Format-List"),
        ("printer", "spooler", "print queue"),
    ),
    Topic(
        "VPN won't connect",
        ("VPN client fails to connect", "tunnel drops every hour", "VPN connects but no DNS"),
        ("expired client certificate", "MTU too large on the tunnel", "split DNS misconfigured"),
        ("renewed the certificate", "lowered the MTU to 1400", "fixed the DNS suffix on the VPN profile"),
        ("Get-VpnConnection", "ipconfig /all"),
        ("vpn", "tunnel", "remote access"),
    ),
    Topic(
        "Outlook not syncing",
        ("Outlook stuck on updating folders", "mailbox not receiving mail", "Outlook keeps asking for the password"),
        ("corrupt OST file", "modern auth token cached", "mailbox over quota"),
        ("rebuilt the OST", "cleared Credential Manager entries", "archived old mail to free quota"),
        ("outlook.exe /resetnavpane", "Get-MailboxStatistics"),
        ("outlook", "mailbox", "exchange", "sync"),
    ),
    Topic(
        "Account locked out",
        ("user locked out repeatedly", "cannot sign in after password change", "lockouts every morning"),
        ("old password on a mobile device", "mapped drive with stored credentials", "scheduled task with old creds"),
        ("removed the stale credentials", "updated the phone mail profile", "reset the password and unlocked"),
        ("Search-ADAccount -LockedOut", "Unlock-ADAccount"),
        ("lockout", "active directory", "password"),
    ),
    Topic(
        "Disk space low",
        ("C drive full", "server out of disk space", "backups failing for lack of space"),
        ("shadow copies filled the volume", "IIS logs never rotated", "WinSxS grew after updates"),
        ("deleted old shadow copies", "set up log rotation", "ran component cleanup"),
        ("vssadmin list shadowstorage", "Dism /Online /Cleanup-Image /StartComponentCleanup"),
        ("disk", "storage", "cleanup"),
    ),
    Topic(
        "Backup job failed",
        ("nightly backup failed", "backup stuck at 0 percent", "VSS writer error in backup"),
        ("VSS writer in failed state", "repository out of space", "credentials for the NAS expired"),
        ("restarted the failed VSS writer", "extended the repository", "updated the NAS credentials"),
        ("vssadmin list writers", "Get-VBRJob"),
        ("backup", "vss", "veeam", "restore"),
    ),
    Topic(
        "MFA re-enrolment",
        ("new phone, MFA prompts fail", "authenticator codes rejected", "no MFA prompt arrives"),
        ("phone replaced without migrating the authenticator", "clock drift on the phone", "number matching off"),
        ("re-registered the authenticator", "required re-registration of MFA", "synced the phone time"),
        ("Get-MgUserAuthenticationMethod",),
        ("mfa", "authenticator", "entra"),
    ),
    Topic(
        "Slow workstation",
        ("PC very slow at logon", "high CPU from antivirus scan", "laptop freezes"),
        ("too many startup apps", "failing SSD", "full scan scheduled at 9am"),
        ("disabled startup items", "replaced the SSD", "moved the scan window"),
        ("Get-Process | Sort CPU -Descending", "wmic diskdrive get status"),
        ("performance", "slow", "cpu"),
    ),
    Topic(
        "Wi-Fi drops",
        ("wireless disconnects in the meeting room", "Wi-Fi slow on floor 3", "cannot join the SSID"),
        ("channel overlap with the neighbours", "outdated wireless driver", "RADIUS certificate expired"),
        ("moved the access point to channel 36", "updated the Wi-Fi driver", "renewed the RADIUS certificate"),
        ("netsh wlan show interfaces",),
        ("wifi", "wireless", "access point"),
    ),
    Topic(
        "Mapped drive missing",
        ("S drive missing after logon", "mapped drive shows red X", "share not reachable"),
        ("GPO drive map not applied", "offline files cache stuck", "DFS referral failing"),
        ("fixed the drive map GPO", "reset the offline files cache", "repaired the DFS namespace"),
        ("gpresult /r", "net use"),
        ("mapped drive", "share", "gpo"),
    ),
    Topic(
        "DNS resolution fails",
        ("websites not resolving", "internal names do not resolve", "slow name lookups"),
        ("forwarders unreachable", "stale DNS records", "DHCP handing out the wrong DNS server"),
        ("fixed the DNS forwarders", "scavenged stale records", "corrected the DHCP scope options"),
        ("Resolve-DnsName", "ipconfig /flushdns"),
        ("dns", "dhcp", "name resolution"),
    ),
    Topic(
        "Certificate expiring",
        ("browser shows certificate warning", "SSL certificate expired on the portal", "LDAPS bind fails"),
        ("certificate not renewed", "intermediate chain missing", "auto-enrolment broken"),
        ("renewed and bound the certificate", "installed the intermediate chain", "fixed auto-enrolment"),
        ("certutil -store my",),
        ("certificate", "ssl", "tls"),
    ),
)
PRODUCTS = (
    "Windows 11",
    "Windows Server 2022",
    "Microsoft 365",
    "HP LaserJet",
    "FortiClient",
    "Veeam",
    "Meraki",
    "Dell Latitude",
    "Ricoh",
    "SonicWall",
    "Synology",
    "Azure AD",
    "Hyper-V",
    "macOS",
    "Citrix",
)
CLIENTS = (
    "Contoso",
    "Fabrikam",
    "Northwind",
    "Tailspin",
    "Litware",
    "Adatum",
    "Woodgrove",
    "Proseware",
    "Wingtip",
    "Fourth Coffee",
    "Alpine Ski House",
    "Blue Yonder",
    "Coho Winery",
    "Lamna Healthcare",
)
CONTEXTS = (
    "after the update",
    "for one user",
    "site-wide",
    "at the branch office",
    "since Monday",
    "on the terminal server",
    "for remote staff",
    "in the warehouse",
    "after a power cut",
    "intermittently",
)
START = datetime(2026, 11, 25, tzinfo=UTC)


def flows(count: int, rng: random.Random) -> list[Flow]:
    """``count`` procedural flows, each a variant of a topic with 3-5 steps."""
    out = []
    for n in range(count):
        t = TOPICS[n % len(TOPICS)]
        product, context = rng.choice(PRODUCTS), rng.choice(CONTEXTS)
        steps = []
        for i in range(rng.randint(3, 5)):
            cause, fix = rng.choice(t.causes), rng.choice(t.fixes)
            steps.append(
                Node(
                    f"s{i}",
                    NodeType.PROCEDURE_STEP,
                    title=f"Check for {cause}",
                    instructions=f"On {product}, look for signs of {cause}. If found, {fix}.",
                    commands=(Command(rng.choice(t.commands)),),
                    expected_outcome=f"No {cause}.",
                )
            )
        steps.append(Node("end", NodeType.PROCEDURE_END, title="Done"))
        slug = t.name.lower().replace(" ", "-").replace("'", "")
        out.append(
            Flow(
                key=f"{slug}-{n}",
                name=f"{t.name} ({product}, {context})",
                kind=FlowKind.PROCEDURAL,
                nodes=tuple(steps),
                description=f"{rng.choice(t.symptoms).capitalize()} on {product} {context}.",
                keywords=t.keywords,
                category=t.name.split()[0],
            )
        )
    return out


def sessions(count: int, teams: list[str], rng: random.Random) -> list[Session]:
    """``count`` resolved sessions spread over ``teams`` and the last two years."""
    out = []
    for n in range(count):
        t = rng.choice(TOPICS)
        symptom, cause, fix = rng.choice(t.symptoms), rng.choice(t.causes), rng.choice(t.fixes)
        client, product = rng.choice(CLIENTS), rng.choice(PRODUCTS)
        at = START - timedelta(days=rng.uniform(0, 730))
        out.append(
            Session(
                id=f"bench-s{n}",
                team_id=teams[n % len(teams)],
                engineer_id="u",
                conversation={},
                conversation_key="k",
                started_at=at,
                updated_at=at,
                ended_at=at,
                status=SessionStatus.RESOLVED,
                title=f"{client}: {symptom}",
                client_name=client,
                asset_name=f"{client[:3].upper()}-{rng.randint(1, 999)}",
                problem_summary=f"{symptom.capitalize()} on {product} {rng.choice(CONTEXTS)}. Ticket #{10_000 + n}.",
                triage_hypothesis=f"Probably {cause}.",
                issue_category=t.name,
                resolution_summary=f"Found {cause}; {fix}. Verified with the user.",
            )
        )
    return out


def queries(count: int, teams: list[str], rng: random.Random) -> list[tuple[str, str, Topic]]:
    """``(team, text, topic)``: short keyword searches and longer problem descriptions, mixed."""
    out = []
    for n in range(count):
        t = rng.choice(TOPICS)
        if n % 2:
            text = f"{rng.choice(t.keywords)} {rng.choice(t.symptoms).split()[-1]}"
        else:
            text = (
                f"{rng.choice(CLIENTS)} reports {rng.choice(t.symptoms)} on {rng.choice(PRODUCTS)} "
                f"{rng.choice(CONTEXTS)}; we suspect {rng.choice(t.causes)}"
            )
        out.append((teams[n % len(teams)], text, t))
    return out


def on_topic(title: str, topic: Topic) -> bool:
    """Whether a hit's title belongs to the topic (its name, a symptom or a cause appears in it)."""
    lower = title.lower()
    return any(p.lower() in lower for p in (topic.name, *topic.symptoms, *topic.causes))
