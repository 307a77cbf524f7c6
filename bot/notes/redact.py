"""Redaction: mask secrets and personal data before any text leaves the process.

Patterns run in a fixed order, most specific first, and over-match rather than miss. Masks look like
``[REDACTED:kind]`` and are never matched again, so redaction is idempotent. Any failure raises
``RedactionFailed``: callers send no text rather than unmasked text (``redact_or_blank``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field

MASK = "[REDACTED:{kind}]"
WITHHELD = "[redaction failed — content withheld]"

KIND_LABELS = {
    "private_key": ("private key", "private keys"),
    "jwt": ("JWT", "JWTs"),
    "api_key": ("API key", "API keys"),
    "bearer": ("bearer token", "bearer tokens"),
    "connection_string": ("connection-string secret", "connection-string secrets"),
    "url_credentials": ("URL credential", "URL credentials"),
    "email": ("e-mail address", "e-mail addresses"),
    "unc_path": ("UNC path", "UNC paths"),
    "ip": ("IP address", "IP addresses"),
    "card": ("card number", "card numbers"),
    "password": ("password", "passwords"),
}


class RedactionFailed(Exception):
    """Redaction could not be completed; the text must not be sent."""


@dataclass(frozen=True, slots=True)
class Redaction:
    """Masked text and how many items of each kind were masked."""

    text: str
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        """Number of items masked."""
        return sum(self.counts.values())

    def summary(self) -> str:
        """E.g. ``3 IP addresses, 2 e-mail addresses masked`` or ``nothing masked``."""
        parts = []
        order = [k for k in KIND_LABELS if k in self.counts] + [k for k in self.counts if k not in KIND_LABELS]
        for kind in order:
            count = self.counts[kind]
            if count:
                one, many = KIND_LABELS.get(kind, (kind, kind))
                parts.append(f"{count} {one if count == 1 else many}")
        return ", ".join(parts) + " masked" if parts else "nothing masked"


Replacer = Callable[[re.Match[str]], str]


@dataclass(frozen=True, slots=True)
class Rule:
    """One pattern: what it masks and how (``group`` masks only that group, keeping the lead-in)."""

    kind: str
    pattern: re.Pattern[str]
    group: int = 0
    check: Callable[[str], bool] | None = None


def _luhn(candidate: str) -> bool:
    digits = [int(c) for c in candidate if c.isdigit()]
    if not 13 <= len(digits) <= 19:
        return False
    total = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def _ipv4(candidate: str) -> bool:
    host = candidate.split("/")[0].split(":")[0]
    parts = host.split(".")
    return len(parts) == 4 and all(p.isdigit() and int(p) <= 255 for p in parts)


def _ipv6(candidate: str) -> bool:
    text = candidate.split("%")[0]
    if text.count(":") < 2 or text.count("::") > 1:
        return False
    groups = [g for g in text.split(":") if g]
    return all(1 <= len(g) <= 4 for g in groups) and (len(groups) == 8 or "::" in text)


def _mixed_key(candidate: str) -> bool:
    """Long random-looking tokens: letters and digits mixed (not a plain word, path or number)."""
    has_digit = any(c.isdigit() for c in candidate)
    has_alpha = any(c.isalpha() for c in candidate)
    return has_digit and has_alpha


_NOT_MASK = r"(?<!\[REDACTED:)"
RULES: tuple[Rule, ...] = (
    Rule(
        "private_key",
        re.compile(
            r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----"
            r"(?:.*?-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----|.*\Z)",
            re.S,
        ),
    ),
    Rule("jwt", re.compile(r"\beyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*")),
    Rule(
        "api_key",
        re.compile(
            r"\b(?:AKIA|ASIA)[A-Z0-9]{16}\b"
            r"|\bgh[pousr]_[A-Za-z0-9]{20,}\b|\bgithub_pat_[A-Za-z0-9_]{20,}\b"
            r"|\bxox[abposr]-[A-Za-z0-9-]{10,}|\bxapp-[A-Za-z0-9-]{10,}"
            r"|\b(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{10,}\b"
            r"|\bAIza[A-Za-z0-9_-]{30,}"
            r"|\bsk-(?:ant-)?[A-Za-z0-9_-]{16,}"
            r"|\bglpat-[A-Za-z0-9_-]{16,}"
        ),
    ),
    Rule(
        "api_key",
        re.compile(
            r"(?i)\b(?:aws_secret_access_key|secret_access_key|client_secret|api[_-]?key|access[_-]?token"
            r"|auth[_-]?token|secret)\s*[:=]\s*[\"']?([^\s\"';,]{8,})"
        ),
        group=1,
    ),
    Rule("api_key", re.compile(r"(?i)\b(?:AccountKey|SharedAccessKey|sig)=([^;&\s\"']{8,})"), group=1),
    Rule("bearer", re.compile(r"(?i)\bBearer\s+([A-Za-z0-9._~+/=-]{8,})"), group=1),
    Rule(
        "bearer",
        re.compile(r"(?i)\bAuthorization\s*:\s*(?:Basic|Token|Digest|NTLM|Negotiate)?\s*([^\s\[][^\s]{7,})"),
        group=1,
    ),
    Rule("connection_string", re.compile(r"(?i)\b(?:password|pwd)\s*=\s*([^;\s\"'][^;\"']*)"), group=1),
    Rule("url_credentials", re.compile(r"(?i)\b[a-z][a-z0-9+.-]*://[^\s:/@\[\]]+:([^\s@/]+)@"), group=1),
    Rule("email", re.compile(r"(?i)\b[a-z0-9._%+'-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}\b")),
    Rule("unc_path", re.compile(r"\\\\[A-Za-z0-9._$-]+\\[^\s\"'<>|]*")),
    Rule("ip", re.compile(r"(?<![\w.])\d{1,3}(?:\.\d{1,3}){3}(?:/\d{1,2})?(?::\d{1,5})?(?![\w.]*\d)"), check=_ipv4),
    Rule("ip", re.compile(r"(?i)(?<![\w:])(?:[0-9a-f]{0,4}:){2,7}[0-9a-f]{0,4}(?:%[\w.]+)?(?![\w:])"), check=_ipv6),
    Rule("card", re.compile(r"(?<!\d)\d(?:[ -]?\d){12,18}(?!\d)"), check=_luhn),
    Rule(
        "password",
        re.compile(
            r"(?i)\b(?:pass(?:word|wd|code|phrase)?|pw|pwd|pin)\b"
            r"(?:\s+(?:for|of)\s+[\w.@\\-]+)?"
            r"(?:\s+(?:is|was|=|:|set\s+to|reset\s+to|changed\s+to|now)|\s*[:=])+\s*[\"']?([^\s\"'\[]{3,}[^\s\"']*)"
        ),
        group=1,
    ),
    Rule("api_key", re.compile(r"(?<![\w/\\.-])[A-Fa-f0-9]{32,}(?![\w/\\.-])"), check=_mixed_key),
    Rule(
        "api_key",
        re.compile(r"(?<![\w/\\.:-])[A-Za-z0-9+/_-]{32,}={0,2}(?![\w/\\.-])"),
        check=lambda s: _mixed_key(s) and any(c.isupper() for c in s) and any(c.islower() for c in s),
    ),
)

_MASKED = re.compile(r"\[REDACTED:[a-z_]+\]")


def _apply(rule: Rule, text: str, counts: dict[str, int]) -> str:
    def replace(match: re.Match[str]) -> str:
        value = match.group(rule.group)
        if value is None or _MASKED.fullmatch(value) or "[REDACTED:" in value:
            return match.group(0)
        if rule.check is not None and not rule.check(value):
            return match.group(0)
        counts[rule.kind] = counts.get(rule.kind, 0) + 1
        if rule.group == 0:
            return MASK.format(kind=rule.kind)
        start, end = match.span(rule.group)
        base = match.start(0)
        whole = match.group(0)
        return whole[: start - base] + MASK.format(kind=rule.kind) + whole[end - base :]

    return rule.pattern.sub(replace, text)


def redact(text: str) -> Redaction:
    """Mask every secret kind in ``text``; raises ``RedactionFailed`` if anything goes wrong."""
    try:
        counts: dict[str, int] = {}
        for rule in RULES:
            text = _apply(rule, text, counts)
        return Redaction(text, {k: v for k, v in counts.items() if v})
    except Exception as exc:
        raise RedactionFailed(str(exc)) from exc


def redact_text(text: str) -> str:
    """Just the masked text."""
    return redact(text).text


def redact_or_blank(text: str) -> Redaction:
    """Like ``redact`` but never raises: on failure the whole text is withheld."""
    try:
        return redact(text)
    except RedactionFailed:
        return Redaction(WITHHELD, {"withheld": 1})


def redact_mapping(values: Mapping[str, str], password_keys: Collection[str]) -> dict[str, str]:
    """Mask whole values of password-type parameters and redact the rest."""
    wanted = {k.lower() for k in password_keys}
    return {k: (MASK.format(kind="password") if k.lower() in wanted else redact_text(v)) for k, v in values.items()}
