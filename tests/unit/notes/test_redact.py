"""Redaction: each secret kind is masked, engineer-useful things survive, idempotent, fails closed."""

from __future__ import annotations

import pytest

from bot.notes import redact as redact_module
from bot.notes.redact import RedactionFailed, redact, redact_mapping, redact_or_blank

FAKE_JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ0ZXN0In0.c2lnbmF0dXJlLXRlc3Q"

SECRETS = [
    ("ipv4", "VPN peer 203.0.113.45 refused", "203.0.113.45", "ip"),
    ("ipv4 port", "RDP to 198.51.100.7:3389 fails", "198.51.100.7", "ip"),
    ("ipv4 cidr", "scope 10.20.0.0/16 exhausted", "10.20.0.0", "ip"),
    ("ipv6", "gateway 2001:db8:85a3::8a2e:370:7334 down", "2001:db8:85a3::8a2e:370:7334", "ip"),
    ("ipv6 link-local", "iface fe80::1c2d:3e4f%12 up", "fe80::1c2d:3e4f", "ip"),
    ("email", "user jane.doe@contoso-example.com locked", "jane.doe@contoso-example.com", "email"),
    ("bearer", "Authorization: Bearer abcDEF1234567890xyzTOKEN", "abcDEF1234567890xyzTOKEN", "bearer"),
    ("basic auth header", "Authorization: Basic dXNlcjpzZWNyZXQxMjM=", "dXNlcjpzZWNyZXQxMjM=", "bearer"),
    ("jwt", f"id_token={FAKE_JWT}", FAKE_JWT, "jwt"),
    ("aws access key", "key AKIAABCDEFGHIJKLMNOP in config", "AKIAABCDEFGHIJKLMNOP", "api_key"),
    (
        "aws secret",
        "aws_secret_access_key = wJalrXUtnFEMIK7MDENGbPxRfiCYzEXAMPLEKEY",
        "wJalrXUtnFEMIK7MDENG",
        "api_key",
    ),
    ("github token", "ghp_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8", "ghp_A1b2C3d4E5f6", "api_key"),
    ("slack token", "xoxb-123456789012-123456789012-AbCdEfGhIjKlMnOp", "xoxb-1234567", "api_key"),
    ("stripe key", "sk_live_51HxYzAbCdEfGhIjKlMn", "sk_live_51HxYz", "api_key"),
    ("google key", "AIzaSyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q", "AIzaSyA1b2C3", "api_key"),
    ("anthropic key", "ANTHROPIC_API_KEY=sk-ant-api03-AbCdEfGhIjKlMnOpQrSt", "sk-ant-api03", "api_key"),
    (
        "azure account key",
        "DefaultEndpointsProtocol=https;AccountName=x;AccountKey=QmFzZTY0S2V5VmFsdWU9PQ==;",
        "QmFzZTY0S2V5VmFsdWU9PQ==",
        "api_key",
    ),
    (
        "sas signature",
        "https://x.blob.core.windows.net/c?sv=2022&sig=AbCdEf1234567890%2Bxyz",
        "AbCdEf1234567890",
        "api_key",
    ),
    ("hex key", "token 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822c", "9f86d081884c7d659a2f", "api_key"),
    ("base64 key", "secret ZXhhbXBsZVNlY3JldEtleVZhbHVlMTIzNDU2Nzg5MA", "ZXhhbXBsZVNlY3JldEtleVZhbHVl", "api_key"),
    (
        "private key",
        "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----",
        "MIIEowIBAAKCAQEA",
        "private_key",
    ),
    (
        "truncated private key",
        "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAA",
        "b3BlbnNzaC1rZXkt",
        "private_key",
    ),
    (
        "ado connection string",
        "Server=sql01;Database=erp;User Id=app;Password=Pa55w0rd!x;",
        "Pa55w0rd!x",
        "connection_string",
    ),
    ("odbc pwd", "DSN=erp;UID=app;PWD=Tr1cky#Pass;", "Tr1cky#Pass", "connection_string"),
    ("url credentials", "postgresql://svc_app:Zx9!secret@db01.contoso.local:5432/app", "Zx9!secret", "url_credentials"),
    ("unc path", r"copied to \\FS01\Finance$\Payroll\2026", r"\\FS01\Finance$", "unc_path"),
    ("password is", "The password is Hunter2! for now", "Hunter2!", "password"),
    ("pw colon", "pw: Spring2026", "Spring2026", "password"),
    ("pwd equals", "pwd=Qwerty!23", "Qwerty!23", "connection_string"),
    ("passcode", "passcode: 482913", "482913", "password"),
    ("password for", "the password for svc-backup is N0tS0Secret", "N0tS0Secret", "password"),
    ("temp password", "temp password: Welcome#2026", "Welcome#2026", "password"),
    ("set to", "new password set to Autumn!99", "Autumn!99", "password"),
    ("visa", "card 4111 1111 1111 1111 on file", "4111 1111 1111 1111", "card"),
    ("mastercard dashes", "cc 5555-5555-5555-4444", "5555-5555-5555-4444", "card"),
]

SURVIVORS = [
    "FS01",
    "dc01.contoso.local",
    "KB5034441",
    "#12345",
    "ticket 1234567890123",
    "10.0.19045.3803",
    "0x80070005",
    r"C:\Users\Public\Desktop",
    "Get-Service -Name Spooler",
    "2026-11-25 14:05:33",
    "3f2504e0-4f89-11d3-9a0c-0305e82c3301",
    "Event ID 4625",
    "password reset completed",
    "port 443",
    "https://portal.office.com/adminportal",
    "MFA re-registration required",
]


@pytest.mark.parametrize(("name", "text", "secret", "kind"), SECRETS, ids=[s[0] for s in SECRETS])
def test_secret_is_masked(name: str, text: str, secret: str, kind: str) -> None:
    result = redact(text)
    assert secret not in result.text, result.text
    assert result.counts.get(kind, 0) >= 1, result.counts
    assert f"[REDACTED:{kind}]" in result.text


@pytest.mark.parametrize("text", SURVIVORS)
def test_engineer_useful_text_survives(text: str) -> None:
    assert redact(text).text == text


@pytest.mark.parametrize("text", [s[1] for s in SECRETS] + SURVIVORS + ["\n".join(s[1] for s in SECRETS)])
def test_idempotent(text: str) -> None:
    once = redact(text)
    twice = redact(once.text)
    assert twice.text == once.text and twice.counts == {}


def test_summary_wording() -> None:
    result = redact("a 192.0.2.1 b 192.0.2.2 c jane@example.com")
    assert result.summary() == "1 e-mail address, 2 IP addresses masked"
    assert redact("nothing here").summary() == "nothing masked"


def test_fails_closed(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*_: object) -> str:
        raise RuntimeError("pattern exploded")

    monkeypatch.setattr(redact_module, "_apply", boom)
    with pytest.raises(RedactionFailed):
        redact("secret 192.0.2.1")
    blank = redact_or_blank("secret 192.0.2.1")
    assert "192.0.2.1" not in blank.text and blank.text.startswith("[redaction failed")


def test_password_parameters_are_masked_whole() -> None:
    assert redact_mapping({"Username": "jdoe", "Password": "x"}, ["password"]) == {
        "Username": "jdoe",
        "Password": "[REDACTED:password]",
    }


def test_a_megabyte_of_text_is_handled() -> None:
    text = ("Checked 192.0.2.10 and FS01; user jane@example.com said the printer was offline. " * 12000)[:1_000_000]
    result = redact(text)
    assert result.counts["ip"] > 1000 and "192.0.2.10" not in result.text
