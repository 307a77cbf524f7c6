"""The scripted FlowPilot sessions of the bench: what the model answers at each turn, and what the engineer does then.

A ``Step`` is one copilot turn: the prose the model streams, its ``record_turn`` input (schema-valid, see
``bot.pilot.schema``) and the engineer's actions on the reply (``Op``: verb, argument):

- ``answer <label>``: click a quick reply or a check result (Passed / Failed) in the reply;
- ``say <text>``: write in the thread (FlowPilot takes a turn);
- ``promote``: "Promote to what we know" on the task-lane card, then Keep the drafted fact (a fast-model call);
- ``fact <text>``: ``@bot fact <text>`` (an engineer note, no model call);
- ``prefer Script|GUI walkthrough``: the GUI-or-script preference shown with the first fix;
- ``outcome It worked|Didn't work``: the active fix's outcome (didn't work: FlowPilot takes a turn);
- ``fork <label>``: pick a hypothesis of a fork (the deep model takes that turn);
- ``update <kind> [detailed]``: ``@bot update client`` etc. (a status update: fast, or deep when detailed);
- ``resolve``: Resolve, wait for the resolution note preview (a deep-model call), Confirm & post.

Every step but the last ends with an action that makes FlowPilot take the next turn; the last one resolves.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

Json = dict[str, Any]
Op = tuple[str, str]

FILLER = (
    "I will keep the task lane up to date as we go, so the ticket note writes itself at the end.",
    "Nothing here changes the client's environment yet; these are read-only checks first.",
    "If any of this looks different on your side, tell me in the thread and I will adjust the plan.",
)


@dataclass(frozen=True)
class Step:
    """One copilot turn and the engineer's reaction to it. ``broken``: the model's first answer fails validation
    (a ``question`` without questions), so the bot makes its one repair call."""

    prose: str
    turn: Json
    ops: tuple[Op, ...]
    broken: bool = False


@dataclass(frozen=True)
class Scenario:
    """A session: the problem typed after ``/rf pilot``, a short topic (for facts and the note) and the steps."""

    problem: str
    topic: str
    steps: tuple[Step, ...]


def _turn(kind: str, confidence: float, prose: str, ops: tuple[Op, ...], **parts: Any) -> Step:
    n = len(prose) % len(FILLER)
    return Step(
        f"{prose} {FILLER[n]}",
        {"kind": kind, "confidence": confidence, "message": "", **parts, "reasoning": f"{kind} at {confidence:.2f}"},
        ops,
    )


def ask(confidence: float, prose: str, questions: dict[str, list[str]], *ops: Op, **parts: Any) -> Step:
    """A ``question`` turn: ``questions`` maps each question to its 2-4 quick replies."""
    items = [{"text": text, "options": options} for text, options in questions.items()]
    return _turn("question", confidence, prose, ops, questions=items, **parts)


def check(confidence: float, prose: str, checks: dict[str, str], *ops: Op, **parts: Any) -> Step:
    """An ``action`` turn: ``checks`` maps each check's label to its command."""
    items = [
        {
            "label": label,
            "description": f"Run it on the affected machine: {label.lower()}.",
            "command": command,
            "language": "powershell",
            "action_type": "verification",
            "expected": "A clean result.",
        }
        for label, command in checks.items()
    ]
    return _turn("action", confidence, prose, ops, checks=items, **parts)


def fix(confidence: float, prose: str, title: str, script: str, *ops: Op, **parts: Any) -> Step:
    """A ``chat`` turn that suggests one fix (with a script)."""
    proposal = {
        "title": title,
        "description": f"{title}. It addresses the cause the checks point to.",
        "confidence": round(confidence * 100),
        "script": script,
        "script_language": "powershell",
        "parameters": [{"name": "ComputerName", "value": "<computer>", "type": "string"}],
    }
    return _turn("chat", confidence, prose, ops, suggest_fix=[proposal], **parts)


def fork(confidence: float, prose: str, reason: str, options: list[str], *ops: Op) -> Step:
    """A ``fork`` turn with 2-4 hypotheses."""
    branches = [{"label": label, "hypothesis": f"The cause is {label.lower()}."} for label in options]
    return _turn("fork", confidence, prose, ops, fork={"reason": reason, "options": branches})


def triage(client: str, category: str, title: str) -> Json:
    """A ``triage_update`` for the first turn."""
    return {
        "triage_update": {
            "client_name": client,
            "issue_category": category,
            "title": title,
            "triage_hypothesis": f"{category} problem, cause not known yet",
        }
    }


WORKED: tuple[Op, ...] = (("prefer", "Script"), ("outcome", "It worked"), ("resolve", ""))
FAILED: Op = ("outcome", "Didn't work")

# fmt: off
SCENARIOS: tuple[Scenario, ...] = (
    Scenario("GlobalProtect VPN drops every ten minutes for remote staff at Contoso", "VPN drops", (
        ask(0.3, "Let's narrow it down: is it everyone remote, or one group?",
            {"Who is affected?": ["All remote users", "One user", "One site"]}, ("answer", "All remote users"),
            ("promote", ""), **triage("Contoso", "Network", "VPN drops every 10 min")),
        check(0.55, "Check the gateway's idle timers and the tunnel MTU.",
              {"Gateway idle timeout": "Get-VpnConnection | Select IdleDisconnectSeconds",
               "Tunnel MTU": "netsh interface ipv4 show subinterfaces"}, ("answer", "Passed"), ("answer", "Failed")),
        fix(0.85, "The MTU is too large for the tunnel; lower it.", "Lower the tunnel MTU to 1380",
            "netsh interface ipv4 set subinterface <if> mtu=1380 store=persistent", *WORKED))),
    Scenario("Outlook keeps prompting for credentials on one laptop after the Windows update", "Outlook prompts", (
        ask(0.35, "Does webmail work for the same user?", {"Does OWA work?": ["Yes", "No", "Not tried"]},
            ("answer", "Yes"), **triage("Fabrikam", "Email", "Outlook credential prompts")),
        check(0.6, "Look for stale Office tokens in Credential Manager.", {"Stale Office credentials": "cmdkey /list"},
              ("answer", "Failed")),
        fix(0.85, "Clear the cached Office identity and sign in again.", "Clear the cached Office token",
            "cmdkey /delete:MicrosoftOffice16_Data:<user>", *WORKED))),
    Scenario("Shared printer on the second floor shows offline for everyone", "printer offline", (
        ask(0.3, "Is the printer itself on the network?", {"Does the printer answer a ping?": ["Yes", "No"]},
            ("answer", "Yes"), **triage("Northwind", "Printing", "2nd floor printer offline")),
        check(0.5, "Check the print server's spooler and the port.",
              {"Spooler running": "Get-Service Spooler", "Printer port": "Get-PrinterPort"}, ("answer", "Failed"),
              ("answer", "Passed")),
        fix(0.7, "Restart the spooler and clear stuck jobs.", "Restart the print spooler",
            "Restart-Service Spooler -Force", ("prefer", "GUI walkthrough"), FAILED),
        fix(0.8, "The driver package is corrupt; reinstall it.", "Reinstall the printer driver",
            "pnputil /delete-driver <inf> /uninstall", ("outcome", "It worked"), ("resolve", "")))),
    Scenario("New starter cannot open Teams and sees no license assigned", "Teams license", (
        check(0.5, "Check which licenses the account has.",
              {"Assigned licenses": "Get-MgUserLicenseDetail -UserId <upn>"},
              ("answer", "Failed"), **triage("Adatum", "Microsoft 365", "No Teams license")),
        fix(0.9, "Assign the Business Premium license from the group.", "Add the user to the licensing group",
            "Add-MgGroupMember -GroupId <group> -DirectoryObjectId <user>", *WORKED))),
    Scenario("File server D drive is at 99 percent and users cannot save", "disk full", (
        check(0.45, "Find what is growing.", {"Largest folders": "Get-ChildItem D:\\ -Directory | Measure-Object",
                                              "Shadow copy storage": "vssadmin list shadowstorage"},
              ("answer", "Passed"), ("answer", "Failed"), **triage("Contoso", "Storage", "File server disk full")),
        fix(0.85, "Shadow copies use 40 percent of the volume; cap them.", "Cap shadow copy storage at 10 percent",
            "vssadmin resize shadowstorage /for=D: /on=D: /maxsize=10%", ("prefer", "Script"),
            ("outcome", "It worked"), ("update", "client"), ("resolve", "")))),
    Scenario("Users at the branch office cannot resolve internal host names", "branch DNS", (
        ask(0.35, "Do external names resolve at the branch?", {"Do public sites load?": ["Yes", "No"]},
            ("answer", "Yes"), **triage("Litware", "DNS", "Branch cannot resolve internal names")),
        fork(0.5, "Two causes fit what we see.", "Either the forwarder or DHCP hands out the wrong DNS server.",
             ["Conditional forwarder", "DHCP DNS option"], ("fork", "DHCP DNS option")),
        check(0.65, "Check the DHCP scope options at the branch.", {"Scope DNS servers": "Get-DhcpServerv4OptionValue"},
              ("answer", "Failed"), ("promote", "")),
        fix(0.85, "Point the scope at the head-office DNS servers.", "Fix the DHCP scope DNS option",
            "Set-DhcpServerv4OptionValue -ScopeId <scope> -DnsServer <dns>", *WORKED))),
    Scenario("User lost their phone and cannot complete the MFA sign-in", "MFA re-enrolment", (
        ask(0.4, "Has the user's identity been verified by phone or in person?",
            {"Identity verified?": ["Yes, in person", "Yes, by callback", "No"]}, ("answer", "Yes, by callback"),
            **triage("Fabrikam", "Identity", "MFA lost phone")),
        fix(0.9, "Require re-registration of the authentication methods.", "Require MFA re-registration",
            "Revoke-MgUserSignInSession -UserId <upn>", *WORKED))),
    Scenario("Mapped S drive is missing for the accounting team after login", "mapped drive", (
        ask(0.35, "Is it the whole team or one person?", {"Who is missing the drive?": ["Whole team", "One user"]},
            ("answer", "Whole team"), **triage("Northwind", "File shares", "S: drive missing")),
        check(0.55, "Check that the drive-map policy applies.", {"Applied policies": "gpresult /r /scope user"},
              ("answer", "Failed"), ("fact", "the drive map GPO was moved to a new OU last week")),
        fix(0.85, "Link the drive-map policy to the new OU.", "Link the drive-map GPO to the new OU",
            "New-GPLink -Name <gpo> -Target <ou>", *WORKED))),
    Scenario("CAD workstation has been very slow since Monday", "slow workstation", (
        ask(0.2, "Slow at what exactly?", {"What is slow?": ["Everything", "Opening drawings", "Saving"]},
            ("answer", "Everything"), **triage("Adatum", "Performance", "CAD workstation slow")),
        ask(0.25, "Did anything change on Monday?",
            {"Any change on Monday?": ["Windows update", "New software", "Nothing known"]},
            ("answer", "Nothing known")),
        check(0.3, "Let's see what uses the machine.",
              {"Top processes": "Get-Process | Sort CPU -Desc | Select -First 10"},
              ("say", "CPU is quiet but the disk sits at 100 percent all the time")),
        check(0.6, "A disk at 100 percent with a quiet CPU points at the drive.",
              {"Disk health": "Get-PhysicalDisk | Get-StorageReliabilityCounter"}, ("answer", "Failed")),
        fix(0.85, "The SSD reports reallocated sectors; replace it.", "Replace the failing SSD", "", *WORKED))),
    Scenario("Emails to one customer domain bounce with 550 SPF fail", "SPF bounces", (
        check(0.5, "Look at our SPF record.", {"SPF record": "Resolve-DnsName -Type TXT <domain>"},
              ("say", "The SPF record only includes the old mail provider"),
              **triage("Litware", "Email", "Bounces with SPF fail")),
        fix(0.9, "Add the current provider to the SPF record.", "Update the SPF record",
            "v=spf1 include:<provider> -all", *WORKED))),
    Scenario("Laptops disconnect from the office Wi-Fi in the meeting room", "meeting room Wi-Fi", (
        ask(0.3, "Only in the meeting room?", {"Where does it drop?": ["Meeting room only", "Everywhere"]},
            ("answer", "Meeting room only"), **triage("Contoso", "Wireless", "Meeting room Wi-Fi drops")),
        fork(0.45, "Two explanations fit.", "Roaming between access points, or the DHCP pool running out.",
             ["AP roaming", "DHCP pool exhausted"], ("fork", "DHCP pool exhausted")),
        fix(0.8, "The guest pool is full at meeting time; widen it and shorten leases.", "Shorten DHCP leases",
            "Set-DhcpServerv4Scope -ScopeId <scope> -LeaseDuration 04:00:00", *WORKED))),
    Scenario("Nightly Veeam backup job failed three nights in a row", "backup failures", (
        check(0.45, "Read the job's last session log.", {"Last job session": "Get-VBRBackupSession | Select -Last 1"},
              ("answer", "Failed"), **triage("Northwind", "Backup", "Nightly backup failing")),
        fix(0.6, "The repository is full; remove old restore points.", "Apply the retention policy now",
            "Start-VBRRepositoryRetention <repo>", ("prefer", "Script"), FAILED),
        fix(0.6, "The proxy cannot reach the host; re-add its credentials.", "Re-enter the proxy credentials",
            "Set-VBRCredentials <cred>", FAILED),
        fix(0.8, "Two fixes failed: the VSS writer on the SQL VM is stuck; restart it.", "Restart the SQL VSS writer",
            "Restart-Service SQLWriter", ("outcome", "It worked"), ("resolve", "")))),
    Scenario("Service account keeps getting locked out every morning", "account lockouts", (
        check(0.45, "Find where the bad passwords come from.",
              {"Lockout events": "Get-WinEvent -FilterHashtable @{LogName='Security';Id=4740}"},
              ("answer", "Passed"), ("promote", ""), **triage("Fabrikam", "Identity", "Service account lockouts")),
        fix(0.85, "A scheduled task on the app server still has the old credentials.", "Update the task's credentials",
            "Set-ScheduledTask -TaskName <task> -User <account>", *WORKED))),
    Scenario("Teams calls have no audio on a new headset", "Teams audio", (
        ask(0.4, "Does the headset work outside Teams?", {"Sound in other apps?": ["Yes", "No"]}, ("answer", "Yes"),
            **triage("Adatum", "Collaboration", "No audio in Teams")),
        fix(0.85, "Teams still uses the old default device; select the headset.", "Select the headset in Teams", "",
            *WORKED))),
    Scenario("OneDrive is stuck on processing changes for one user", "OneDrive sync", (
        ask(0.35, "How many files are waiting?", {"Pending files?": ["Under 100", "Thousands"]},
            ("answer", "Thousands"), **triage("Litware", "Microsoft 365", "OneDrive stuck")),
        check(0.55, "Look for a path that is too long or a blocked file type.",
              {"Long paths": "Get-ChildItem -Recurse | Where { $_.FullName.Length -gt 400 }"}, ("answer", "Failed")),
        fix(0.85, "Shorten the paths, then reset the client.", "Reset the OneDrive client",
            "onedrive.exe /reset", ("prefer", "Script"), ("outcome", "It worked"), ("update", "ticket detailed"),
            ("resolve", "")))),
    Scenario("Browser shows a certificate warning on the intranet site", "intranet certificate", (
        check(0.5, "Check the certificate the site presents.",
              {"Certificate expiry": "Get-ChildItem Cert:\\LocalMachine\\My"},
              ("answer", "Failed"), **triage("Contoso", "Web", "Intranet certificate warning")),
        fix(0.9, "The certificate expired yesterday; renew and bind it.", "Renew the intranet certificate",
            "Get-Certificate -Template <template> -CertStoreLocation Cert:\\LocalMachine\\My", *WORKED))),
    Scenario("Scan to email on the office copier stopped working", "scan to email", (
        ask(0.3, "Does the copier show an error?", {"Copier error?": ["SMTP error", "No error", "Not checked"]},
            ("answer", "SMTP error"), **triage("Northwind", "Printing", "Scan to email fails")),
        fork(0.45, "Two likely causes.", "Either SMTP AUTH was turned off for the mailbox, or its password changed.",
             ["SMTP AUTH disabled", "Password changed"], ("fork", "SMTP AUTH disabled")),
        fix(0.85, "Turn SMTP AUTH back on for the scanner mailbox.", "Enable SMTP AUTH for the scanner mailbox",
            "Set-CASMailbox -Identity <mailbox> -SmtpClientAuthenticationDisabled $false", *WORKED))),
    Scenario("Cannot RDP into the accounts server, the connection times out", "RDP timeout", (
        ask(0.2, "From where are you connecting?", {"Connecting from?": ["Office LAN", "VPN", "Both"]},
            ("answer", "Both"), **triage("Adatum", "Remote access", "RDP to accounts server times out")),
        ask(0.25, "Does the server answer at all?", {"Does it ping?": ["Yes", "No"]}, ("answer", "Yes")),
        check(0.3, "Is anything listening on the RDP port?", {"Port 3389": "Test-NetConnection <server> -Port 3389"},
              ("answer", "Failed")),
        check(0.6, "The port is closed; look at the firewall and the service.",
              {"RDP service": "Get-Service TermService",
               "Firewall rule": "Get-NetFirewallRule -DisplayGroup 'Remote Desktop'"},
              ("answer", "Passed"), ("answer", "Failed")),
        fix(0.85, "The firewall rule was disabled by a policy change; re-enable it.", "Re-enable the RDP firewall rule",
            "Enable-NetFirewallRule -DisplayGroup 'Remote Desktop'", *WORKED))),
    Scenario("Password changes are not syncing to Microsoft 365", "password sync", (
        check(0.45, "Check the sync scheduler first.", {"Sync scheduler": "Get-ADSyncScheduler"}, ("answer", "Failed"),
              **triage("Fabrikam", "Identity", "Password sync broken")),
        replace(ask(0.6, "Is password hash sync turned on?", {"Password hash sync enabled?": ["Yes", "No"]},
                    ("answer", "No")), broken=True),
        fix(0.9, "Turn password hash sync back on and run a full sync.", "Enable password hash sync",
            "Set-ADSyncAADPasswordSyncConfiguration -Enable $true", *WORKED))),
    Scenario("Chrome crashes on launch for all users on the terminal server", "Chrome crashes", (
        ask(0.35, "Since when?", {"Since when?": ["Today", "This week"]}, ("answer", "Today"),
            **triage("Litware", "Applications", "Chrome crashes on RDS")),
        check(0.5, "Look at the application event log.",
              {"Crash events": "Get-WinEvent -LogName Application -MaxEvents 50"}, ("answer", "Failed")),
        fix(0.65, "A profile cache is corrupt; clear it.", "Clear the Chrome profile cache", "Remove-Item <cache>",
            ("prefer", "Script"), FAILED),
        fix(0.85, "An extension pushed by policy crashes it; remove it from the policy.",
            "Remove the crashing extension",
            "Remove-ItemProperty HKLM:\\Software\\Policies\\Google\\Chrome\\ExtensionInstallForcelist <n>",
            ("outcome", "It worked"), ("resolve", "")))),
)
# fmt: on

LATENCY_PROBLEMS = (
    "Outlook search returns no results for mail older than a month",
    "Laptop battery drains overnight while the lid is closed",
    "Shared calendar does not update for the sales team",
    "Remote user cannot reach the file share over the VPN",
    "Excel opens files from SharePoint read-only",
)


def latency_steps(problem: str) -> tuple[Step, Step]:
    """The two turns of a latency session: a question with a long streamed answer, then checks after the engineer
    writes in the thread."""
    long = (
        "Thanks, that helps. Before we change anything I want to rule out the usual suspects, one at a time, so "
        "the note shows what we checked and why. First, whether this is one user or a wider problem tells us if "
        "we look at the machine or at the service. Second, whether it started after a change narrows the window "
        "we need to search. I have put two quick questions in the task lane below; answer them with the buttons "
        "or just write back here, whichever is faster for you."
    )
    first = ask(
        0.3,
        long,
        {
            "Who is affected?": ["One user", "Several", "Everyone"],
            "When did it start?": ["Today", "This week", "Longer"],
        },
    )
    second = check(
        0.5,
        long.replace("two quick questions", "two read-only checks"),
        {
            "Recent changes": "Get-HotFix | Sort InstalledOn -Desc | Select -First 5",
            "Service health": "Get-Service | Where Status -ne Running",
        },
    )
    return first, second
