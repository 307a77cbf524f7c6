"""Redaction: every secret kind is masked and counted, engineer-useful text survives, a second pass changes
nothing, failures withhold the text, and hostile input stays linear.

Vendor-format fakes are assembled from pieces so repository secret scanners do not flag this file.
"""

from __future__ import annotations

import re

import pytest

from bot.notes import patterns
from bot.notes.redact import (
    Redaction,
    RedactionFailed,
    Redactor,
    is_secret_answer,
    mask,
    redact,
    redact_mapping,
    redact_or_blank,
    redact_text,
    summarize,
)

JWT = "eyJhbGciOiJIUzI1NiJ9." + "eyJzdWIiOiJ0ZXN0LXVzZXIifQ." + "c2lnbmF0dXJlLWZha2UtMTIz"
AWS_ID = "AKIA" + "Z7FAKEEXAMPLE0QX"
AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/" + "bPxRfiCYFAKEKEY"
GITHUB = "ghp_" + "R4nd0mL00k1ngF4k3T0k3nV4lu3xYz"
GITHUB_OAUTH = "gho_" + "R4nd0mL00k1ngF4k3T0k3nV4lu3xYz"
GITHUB_PAT = "github_pat_" + "11ABCDEFG0_F4k3F4k3F4k3F4k3F4k3"
SLACK_BOT = "xoxb-" + "2222222222-3333333333-F4k3T0k3nV4lu3"
SLACK_USER = "xoxp-" + "2222222222-3333333333-F4k3T0k3nV4lu3"
SLACK_APP = "xapp-" + "1-A0FAKE0000-1234567890-f4k3f4k3f4k3"
STRIPE = "sk_" + "live_" + "F4k3F4k3F4k3F4k3F4k3"
STRIPE_RESTRICTED = "rk_" + "live_" + "F4k3F4k3F4k3F4k3F4k3"
GOOGLE = "AIza" + "SyF4k3-F4k3F4k3F4k3F4k3F4k3F4k3F4k"
OPENAI = "sk-" + "proj-F4k3F4k3F4k3F4k3F4k3F4k3"
ANTHROPIC = "sk-" + "ant-api03-F4k3F4k3F4k3F4k3F4k3"
AZURE_KEY = "F4k3QmFzZTY0S2V5VmFsdWU9PQ" + "F4k3S2V5VmFsdWU=="
PEM = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAf4k3f4k3\nQ2F0c0FuZERvZ3M=\n-----END RSA PRIVATE KEY-----"
OPENSSH = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAf4k3\nAAAABG5vbmU"

# (id, text, secret that must be gone, kind that must be counted)
SECRETS = [
    ("ipv4", "VPN peer 203.0.113.45 refused", "203.0.113.45", "ip"),
    ("ipv4 port", "RDP to 198.51.100.7:3389 fails", "198.51.100.7", "ip"),
    ("ipv4 cidr", "DHCP scope 10.20.0.0/16 is full", "10.20.0.0", "ip"),
    ("ipv6 full", "route 2001:0db8:0000:0000:0000:ff00:0042:8329 ok", "2001:0db8", "ip"),
    ("ipv6 compressed", "gateway 2001:db8:85a3::8a2e:370:7334 down", "8a2e:370:7334", "ip"),
    ("ipv6 loopback", "listening on ::1 only", "::1", "ip"),
    ("ipv6 zone", "link-local fe80::1c2d:3e4f%12 up", "fe80::1c2d", "ip"),
    ("ipv6 mapped v4", "peer ::ffff:192.0.2.33 seen", "192.0.2.33", "ip"),
    ("email", "user jane.doe@contoso-example.com is locked", "jane.doe@contoso-example.com", "email"),
    ("bearer", "sent Bearer abcDEF1234567890xyzTOKEN", "abcDEF1234567890xyzTOKEN", "bearer"),
    ("authorization basic", "Authorization: Basic dXNlcjpzZWNyZXQxMjM=", "dXNlcjpzZWNyZXQxMjM=", "bearer"),
    ("jwt", f"id_token={JWT}", "c2lnbmF0dXJl", "jwt"),
    ("aws access key", f"key {AWS_ID} in config", AWS_ID, "api_key"),
    ("aws secret", f"aws_secret_access_key = {AWS_SECRET}", "bPxRfiCY", "api_key"),
    ("github classic", f"token {GITHUB} leaked", GITHUB, "api_key"),
    ("github oauth", f"oauth {GITHUB_OAUTH}", GITHUB_OAUTH, "api_key"),
    ("github fine-grained", f"pat {GITHUB_PAT}", GITHUB_PAT, "api_key"),
    ("slack bot", f"SLACK_BOT={SLACK_BOT}", "F4k3T0k3nV4lu3", "api_key"),
    ("slack user", f"user token {SLACK_USER}", "F4k3T0k3nV4lu3", "api_key"),
    ("slack app", f"app token {SLACK_APP}", "f4k3f4k3f4k3", "api_key"),
    ("stripe secret", f"billing uses {STRIPE}", STRIPE, "api_key"),
    ("stripe restricted", f"billing uses {STRIPE_RESTRICTED}", STRIPE_RESTRICTED, "api_key"),
    ("google", f"maps key {GOOGLE}", GOOGLE, "api_key"),
    ("openai", f"OPENAI {OPENAI}", OPENAI, "api_key"),
    ("anthropic", f"export ANTHROPIC {ANTHROPIC}", ANTHROPIC, "api_key"),
    (
        "azure account key",
        f"AccountName=x;AccountKey={AZURE_KEY};EndpointSuffix=core.windows.net",
        AZURE_KEY,
        "api_key",
    ),
    (
        "sas signature",
        "https://x.blob.core.windows.net/c?sv=2022-11-02&sig=AbCdEf1234567890%2Bxyz",
        "AbCdEf12",
        "api_key",
    ),
    ("client secret", '{"client_secret": "Qx8~F4k3-s3cr3t.v4lu3"}', "Qx8~F4k3", "api_key"),
    ("hex key", "hash 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822c", "9f86d081884c7d", "api_key"),
    ("base64 key", "blob ZXhhbXBsZVNlY3JldEtleVZhbHVlMTIzNDU2Nzg5MA", "ZXhhbXBsZVNlY3JldEtl", "api_key"),
    ("private key", f"key:\n{PEM}\nend", "MIIEowIBAAKCAQEA", "private_key"),
    ("truncated private key", f"pasted {OPENSSH}", "b3BlbnNzaC1rZXkt", "private_key"),
    (
        "ado connection string",
        "Server=sql01;Database=erp;User Id=app;Password=Pa55w0rd!x;",
        "Pa55w0rd",
        "connection_string",
    ),
    ("odbc pwd", "DSN=erp;UID=app;PWD={Tr1;cky#Pass};", "Tr1", "connection_string"),
    ("url credentials", "postgresql://svc_app:Zx9!secret@db01.contoso.local:5432/app", "Zx9!secret", "url_credentials"),
    ("unc path", r"copied to \\FS01\Finance$\Payroll\2026", r"Finance$\Payroll", "unc_path"),
    ("unc path with spaces", r"see \\fs01\Shared Docs\salaries.xlsx", "salaries", "unc_path"),
    ("password is", "The password is Hunter2! for now", "Hunter2!", "password"),
    ("pw colon", "pw: Spring2026", "Spring2026", "password"),
    ("pwd equals", "pwd=Qwerty!23", "Qwerty!23", "password"),
    ("passcode", "passcode: 482913", "482913", "password"),
    ("password for", "the password for svc-backup is N0tS0Secret", "N0tS0Secret", "password"),
    ("temp password", "temp password: Welcome#2026", "Welcome#2026", "password"),
    ("set to", "new password set to Autumn!99", "Autumn!99", "password"),
    ("quoted passphrase", "the Wi-Fi passphrase is 'blue sky 42'", "blue sky", "password"),
    ("json password", '{"password": "abc123"}', "abc123", "password"),
    ("powershell param", "Set-LocalUser -Name tmp -Password 'Xy12!ab'", "Xy12!ab", "password"),
    ("securestring", "ConvertTo-SecureString 'P@ssw0rd!' -AsPlainText -Force", "P@ssw0rd!", "password"),
    ("script variable", '$AdminPassword = "Summer2024!"', "Summer2024!", "password"),
    ("env var", "export DB_PASSWORD=S3cr3t!", "S3cr3t!", "password"),
    ("visa", "card 4111 1111 1111 1111 on file", "4111 1111 1111 1111", "card"),
    ("mastercard dashes", "cc 5555-5555-5555-4444", "5555-5555-5555-4444", "card"),
    ("amex", "amex 3782 822463 10005", "822463", "card"),
    ("card after a number", "ticket 12345 4111 1111 1111 1111", "4111 1111 1111", "card"),
]

SURVIVORS = [
    "FS01",
    "dc01.contoso.local",
    "KB5034441",
    "ticket #12345",
    "ticket 1234567890123",  # 13 digits, fails Luhn
    "build 10.0.19045.3803",
    "error 0x80070005",
    r"C:\Users\Public\Desktop",
    "Get-Service -Name Spooler | Restart-Service",
    "[Math]::Round(2.5); [System.IO.Path]::Combine($a, $b); [Foo]::Add($x)",
    "2026-11-25 14:05:33",
    "2026-11-25T14:05:33Z",
    "GUID 3f2504e0-4f89-11d3-9a0c-0305e82c3301",
    "MAC 00:1A:2B:3C:4D:5E",
    "Event ID 4625 on port 443",
    "v1.2.3.4",
    "https://portal.office.com/adminportal",
    "https://contoso.sharepoint.com/sites/InformationTechnology/Shared%20Documents/Forms/AllItems.aspx",
    "Get-ADUserResultantPasswordPolicy and Set-MailboxAutoReplyConfiguration",
    r"HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows NT\CurrentVersion",
    "password reset completed",
    "User's password was expired",
    "sent the password to the user via SMS",
    "New-LocalUser -Name tmp -Password $securePassword",
    "call 0800 123 4567",
]


@pytest.mark.parametrize(("text", "secret", "kind"), [s[1:] for s in SECRETS], ids=[s[0] for s in SECRETS])
def test_secret_is_masked_and_counted(text: str, secret: str, kind: str) -> None:
    result = redact(text)
    assert secret not in result.text, result.text
    assert result.counts.get(kind, 0) >= 1, result.counts
    assert mask(kind) in result.text


@pytest.mark.parametrize("text", SURVIVORS)
def test_engineer_useful_text_survives(text: str) -> None:
    result = redact(text)
    assert result.text == text and result.counts == {}


def test_lead_in_words_are_kept() -> None:
    assert redact_text("the password for svc-backup is N0tS0Secret") == (
        "the password for svc-backup is [REDACTED:password]"
    )
    assert redact_text("Authorization: Bearer abcDEF1234567890xyz") == "Authorization: Bearer [REDACTED:bearer]"
    assert redact_text("Password=abc;Server=sql01") == "Password=[REDACTED:connection_string];Server=sql01"


def test_four_part_numbers_are_ips_only_when_every_part_fits_an_octet() -> None:
    assert redact_text("16.0.1.2") == "[REDACTED:ip]"  # an over-match we accept
    assert redact_text("10.0.19045.3803") == "10.0.19045.3803"
    assert redact_text("256.1.1.1") == "256.1.1.1"


def test_truncated_private_key_is_masked_to_the_end() -> None:
    assert redact_text(f"before\n{OPENSSH}\nmore lines\nend") == "before\n[REDACTED:private_key]"


MIXED = [
    "\n".join(s[1] for s in SECRETS),
    " ".join(SURVIVORS),
    "[[REDACTED:ip]]:8080 and password is [REDACTED:password]",
    "Authorization: Negotiate [REDACTED:bearer]",
    "Password: Pa$$w0rd@contoso.com",
    f"Bearer {JWT}",
    r"\\10.0.0.5\c$\Windows",
]


@pytest.mark.parametrize("text", [s[1] for s in SECRETS] + SURVIVORS + MIXED)
def test_a_second_pass_changes_nothing(text: str) -> None:
    once = redact(text)
    twice = redact(once.text)
    assert twice.text == once.text and twice.counts == {}


def test_mask_tokens_have_one_shape() -> None:
    text = redact_text("\n".join(s[1] for s in SECRETS if s[0] != "truncated private key"))
    kinds = set(re.findall(r"\[REDACTED:([a-z_]+)\]", text))
    assert kinds == {s[3] for s in SECRETS}


def test_summary_wording() -> None:
    result = redact("hosts 192.0.2.1, 192.0.2.2 and 2001:db8::1; mail jane@example.com, joe@example.com")
    assert result.summary() == "2 e-mail addresses, 3 IP addresses masked"
    assert redact("one 192.0.2.1").summary() == "1 IP address masked"
    assert redact("nothing here").summary() == "nothing masked"
    assert summarize({"password": 1, "card": 2}) == "2 card numbers, 1 password masked"


def test_fails_closed(monkeypatch: pytest.MonkeyPatch) -> None:
    def explode(_: str) -> bool:
        raise RuntimeError("pattern exploded")

    monkeypatch.setattr(patterns, "RULES", (patterns.Rule("ip", re.compile(r"\d+"), check=explode),))
    with pytest.raises(RedactionFailed):
        redact("secret 192.0.2.1")
    blank = redact_or_blank("secret 192.0.2.1")
    assert blank == Redaction("[redaction failed — content withheld]", {}, failed=True)
    assert blank.summary() == "redaction failed — content withheld"


def test_redact_or_blank_passes_good_text_through() -> None:
    assert redact_or_blank("peer 192.0.2.1").text == "peer [REDACTED:ip]"


def test_password_parameters_are_masked_whole() -> None:
    masked = redact_mapping({"UserName": "jdoe", "NewPassword": "x y z", "Server": "10.1.2.3"}, ["newpassword"])
    assert masked == {"UserName": "jdoe", "NewPassword": "[REDACTED:password]", "Server": "[REDACTED:ip]"}


@pytest.mark.parametrize(
    ("prompt", "answer", "secret"),
    [
        ("Temporary password", "Xk7!pq2", True),
        ("Enter the BitLocker recovery key", "123456-654321", True),
        ("Did the password reset work?", "Yes", False),
        ("Temporary password", "Set in ADUC", False),  # several words: left to the prose rules
        ("Is the user licensed?", "E3", False),
    ],
)
def test_answers_to_secret_prompts(prompt: str, answer: str, secret: bool) -> None:
    assert is_secret_answer(prompt, answer) is secret


def test_redactor_counts_and_can_be_switched_off() -> None:
    scrub = Redactor()
    assert scrub("a 192.0.2.1") == "a [REDACTED:ip]"
    assert scrub.answer("New password", "Xk7!pq2") == "[REDACTED:password]"
    assert scrub.counts == {"ip": 1, "password": 1}
    off = Redactor(enabled=False)
    assert off("a 192.0.2.1") == "a 192.0.2.1" and off.answer("New password", "Xk7") == "Xk7"
    assert off.counts == {}


def test_a_megabyte_of_realistic_text() -> None:
    line = "Checked 192.0.2.10 on FS01 for jane@example.com; KB5034441 pending, error 0x80070005. "
    text = (line * (1_000_000 // len(line) + 1))[:1_000_000]
    result = redact(text)
    assert result.counts["ip"] > 10_000 and "192.0.2.10" not in result.text and "KB5034441" in result.text


HOSTILE = {
    "dotted letters": "a." * 131_072,
    "dotted digits": "1." * 131_072,
    "colons": "1:" * 131_072,
    "plus runs": "a+" * 131_072,
    "digit groups": "1 " * 131_072,
    "cards": "4111 1111 1111 1111 " * 13_107,
    "password lead-ins": "password=x " * 23_831,
    "semicolon passwords": "pwd=pwd=" * 32_768,
    "backslashes": "\\" * 262_144,
    "at signs": "a@" * 131_072,
    "private key openers": "-----BEGIN RSA PRIVATE KEY-----" * 8_456,
}


@pytest.mark.parametrize("text", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_input_stays_linear(text: str) -> None:
    redact(text)  # quadratic or exponential patterns would not return; no timing assertion
