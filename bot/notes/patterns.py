"""The redaction rule table: what each pattern masks, in the fixed order ``bot.notes.redact`` runs them.

Order is most specific first, so a JWT is reported as a JWT and not as a generic key. Every pattern is written
to stay linear on hostile input: repeated parts are bounded, and open-ended runs can start only at the beginning
of a run (a look-behind excludes the run's own characters), so no position is scanned twice.

A rule masks its first capture group that took part in the match (keeping lead-in words such as
``password is``), or the whole match when it has no groups. A ``check`` can veto a candidate (Luhn, octet range).

Deliberately NOT masked: host names, GUIDs (identifiers, not secrets), KB ids, ticket numbers, versions with a
part above 255, dates and times, Windows paths, hex error codes, PowerShell cmdlets and ``[Type]::Member``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from itertools import accumulate

MASK_RE = re.compile(r"\[REDACTED:[a-z_]+\]")


@dataclass(frozen=True, slots=True)
class Rule:
    """One pattern, the kind it reports, and an optional veto on each candidate."""

    kind: str
    pattern: re.Pattern[str]
    check: Callable[[str], bool] | None = None
    spans: Callable[[str], list[tuple[int, int]]] | None = None  # mask only these parts of the match


def luhn(candidate: str) -> bool:
    """True when the digits of ``candidate`` (13-19 of them) pass the Luhn check."""
    digits = [int(c) for c in candidate if c.isdigit()]
    if not 13 <= len(digits) <= 19:
        return False
    total = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def card_spans(run: str) -> list[tuple[int, int]]:
    """Spans of ``run`` (digits with spaces or dashes) that are Luhn-valid card numbers.

    A run can hold more than a card ("ticket 12345 4111 1111 1111 1111"), so every window of whole digit
    groups holding 13-19 digits is tried, and the longest valid one from each group wins. Groups of one or
    two digits never join a window (no card is written that way). Luhn sums come from prefix sums, so a
    long run costs linear time.
    """
    groups = [m.span() for m in re.finditer(r"\d+", run)]
    digits = [int(c) for c in run if c.isdigit()]
    if len(digits) < 13:
        return []
    doubles = [d * 2 - 9 if d > 4 else d * 2 for d in digits]
    # sums[d][q][k]: sum over digit positions p < k with p % 2 == q, of the digit (d=0) or its Luhn double (d=1)
    sums = [
        [list(accumulate((v if p % 2 == q else 0 for p, v in enumerate(values)), initial=0)) for q in (0, 1)]
        for values in (digits, doubles)
    ]

    def valid(first: int, last: int) -> bool:  # digit positions [first, last)
        kept = (last - 1) % 2  # the rightmost digit is never doubled
        plain = sums[0][kept][last] - sums[0][kept][first]
        twice = sums[1][1 - kept][last] - sums[1][1 - kept][first]
        return (plain + twice) % 10 == 0

    starts = list(accumulate((b - a for a, b in groups), initial=0))  # digit position of each group, and the end
    found: list[tuple[int, int]] = []
    i, count = 0, len(groups)
    while i < count:
        best, first = -1, starts[i]
        j = i
        while j < count and starts[j + 1] - first <= 19 and (j == i or groups[j][1] - groups[j][0] >= 3):
            if starts[j + 1] - first >= 13 and valid(first, starts[j + 1]):
                best = j
            if groups[i][1] - groups[i][0] < 3:
                break  # a group of one or two digits is never part of a formatted card number
            j += 1
        if best >= 0:
            found.append((groups[i][0], groups[best][1]))
            i = best + 1
        else:
            i += 1
    return found


def _ipv4(candidate: str) -> bool:
    host = re.split(r"[/:]", candidate, maxsplit=1)[0]
    return all(int(part) <= 255 for part in host.split("."))


def _ipv6(candidate: str) -> bool:
    text = candidate.split("%", 1)[0]
    if "." in text:  # IPv4 tail (::ffff:192.0.2.1) counts as two groups
        head, _, tail = text.rpartition(":")
        if not _ipv4(tail):
            return False
        text = head + ":0:0"
    if text.count("::") > 1:
        return False
    groups = [g for g in text.split(":") if g]
    if "::" not in text and len(groups) != 8:
        return False  # times (14:05:33) and MAC addresses
    if len(groups) > 7 and "::" in text:
        return False
    # "[Math]::Abs" and "::" alone are PowerShell, not addresses
    return any(c.isdigit() for c in text) or len(groups) >= 2


_COMMON_WORDS = frozenset(
    (
        "a",
        "an",
        "the",
        "not",
        "being",
        "still",
        "also",
        "expired",
        "expiring",
        "reset",
        "changed",
        "correct",
        "incorrect",
        "wrong",
        "locked",
        "unlocked",
        "set",
        "required",
        "valid",
        "invalid",
        "weak",
        "strong",
        "complex",
        "too",
        "blank",
        "empty",
        "same",
        "different",
        "saved",
        "stored",
        "updated",
        "working",
        "fine",
        "ok",
        "accepted",
        "rejected",
        "unknown",
        "known",
        "policy",
        "never",
        "missing",
        "sent",
        "shared",
        "synced",
        "see",
        "in",
        "on",
        "at",
        "for",
        "from",
        "via",
        "and",
        "or",
        "to",
        "available",
        "attached",
        "below",
        "above",
        "provided",
    )
)


def _password_value(candidate: str) -> bool:
    """Vetoes ordinary words after "password is" ("the password is expired"); anything unusual is masked."""
    return candidate.lower().rstrip(".,;:!?)") not in _COMMON_WORDS


def _is_key(token: str) -> bool:
    core = token.rstrip("=")
    has_digit = any(c.isdigit() for c in core)
    if len(core) >= 32 and has_digit and re.fullmatch(r"[0-9a-fA-F]+", core) and not core.isdigit():
        return True
    return has_digit and any(c.isupper() for c in core) and any(c.islower() for c in core)


def _generic_key(candidate: str) -> bool:
    """Random-looking tokens: long hex, or base64 mixing digits, upper and lower case.

    A token with slashes is judged per segment, so a long URL path of words ("/sites/InformationTechnology/")
    survives while base64 (which has a slash now and then) is still masked.
    """
    if "/" not in candidate:
        return _is_key(candidate)
    return any(len(seg) >= 20 and _is_key(seg) for seg in candidate.split("/"))


_KEY_NAMES = (
    r"aws_secret_access_key|secret_access_key|client[_-]?secret|x-api-key|api[_-]?key|access[_-]?token"
    r"|refresh[_-]?token|auth[_-]?token|secret|token"
)
_SCHEMES = r"Basic|Bearer|Token|Digest|NTLM|Negotiate"
_CONN_VALUE = r"(\{[^}\r\n]{0,256}\}|\"[^\"\r\n]{0,256}\"|'[^'\r\n]{0,256}'|[^;\s\"'{][^;\r\n\"']{0,256})"
_PW_LEAD = (
    r"(?i)(?<![\w$])(?:pass(?:word|wd|code|phrase)?s?|pw|pwd|pin)\b[\"']?"
    r"(?:\s{1,4}(?:for|of|on)(?:\s{1,4}[\w.@\\$'-]{1,64}){1,4}?)?"
    r"(?:\s{0,4}[:=]|\s{1,4}(?:is|was|not|now|set\s{1,4}to|reset\s{1,4}to|changed\s{1,4}to|to)\b){1,3}"
    r"[ \t]{0,4}(?:\r?\n[ \t]{0,4})?"
)
_QUOTED = r"(?:\"([^\"\r\n]{1,256})\"|'([^'\r\n]{1,256})')"
_PW_VALUE = _QUOTED[:-1] + r"|((?:[^\s\"'\[]|\[(?!REDACTED:)){1,256}))"

RULES: tuple[Rule, ...] = (
    Rule(
        "private_key",
        re.compile(
            r"-----BEGIN[A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----"
            r"(?:.*?-----END[A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----|.*)",
            re.S,
        ),
    ),
    Rule("jwt", re.compile(r"\beyJ[A-Za-z0-9_-]{5,8192}\.eyJ[A-Za-z0-9_-]{2,8192}\.[A-Za-z0-9_-]{0,8192}")),
    Rule(
        "api_key",
        re.compile(
            r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA)[A-Z0-9]{16}\b"
            r"|\bgh[pousr]_[A-Za-z0-9]{20,255}|\bgithub_pat_[A-Za-z0-9_]{20,255}"
            r"|\bxox[abposr]-[A-Za-z0-9-]{10,255}|\bxapp-[A-Za-z0-9-]{10,255}"
            r"|\b[srp]k_(?:live|test)_[A-Za-z0-9]{10,255}"
            r"|\bAIza[A-Za-z0-9_-]{30,64}"
            r"|\bsk-(?:ant-|proj-)?[A-Za-z0-9_-]{16,255}"
            r"|\bglpat-[A-Za-z0-9_-]{16,64}"
        ),
    ),
    Rule("api_key", re.compile(rf"(?i)\b(?:{_KEY_NAMES})[\"']?\s{{0,4}}[:=]\s{{0,4}}[\"']?([^\s\"';,&]{{8,1024}})")),
    Rule("api_key", re.compile(r"(?i)\b(?:AccountKey|SharedAccessKey|SharedAccessSignature|sig)=([^;&\s\"']{8,1024})")),
    Rule("bearer", re.compile(r"(?i)\bBearer\s{1,4}([A-Za-z0-9._~+/=-]{8,8192})")),
    Rule(
        "bearer",
        re.compile(
            rf"(?i)\bAuthorization[\"']?\s{{0,4}}[:=]\s{{0,4}}[\"']?(?:(?:{_SCHEMES})\s{{1,4}})?"
            rf"(?!(?:{_SCHEMES})\b)([^\s\"'\[][^\s\"']{{7,8192}})"
        ),
    ),
    Rule("connection_string", re.compile(r"(?i)(?<=;)\s{0,8}(?:password|pwd)\s{0,4}=\s{0,4}" + _CONN_VALUE)),
    Rule(
        "connection_string",
        re.compile(r"(?i)(?<![\w$])(?:password|pwd)\s{0,4}=\s{0,4}" + _CONN_VALUE + r"(?=\s{0,4};)"),
    ),
    Rule("url_credentials", re.compile(r"(?i)\b[a-z][a-z0-9+.-]{1,30}://[^\s:/@\[\]]{1,256}:([^\s/]{1,256})@")),
    Rule(
        "email",
        re.compile(r"(?i)(?<![a-z0-9._%+'-])[a-z0-9._%+'-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)+"),
        check=lambda s: s.rsplit(".", 1)[-1].isalpha() and len(s.rsplit(".", 1)[-1]) >= 2,
    ),
    Rule(
        "unc_path", re.compile(r"\\\\[A-Za-z0-9._$-]{1,255}\\(?:[^\s\"'<>|*?]| (?=[^\s\"'<>|*?\\]{1,255}\\)){0,1024}")
    ),
    Rule(
        "ip",
        re.compile(
            r"(?i)(?<![\w:.])(?:[0-9a-f]{0,4}:){2,7}(?:(?:\d{1,3}\.){3}\d{1,3}|[0-9a-f]{1,4})?(?:%[\w.-]{1,32})?"
            r"(?![\w:])"
        ),
        check=_ipv6,
    ),
    Rule("ip", re.compile(r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?:/\d{1,2})?(?::\d{1,5})?(?!\.?\d)"), check=_ipv4),
    Rule("card", re.compile(r"(?<!\d)(?<!\d[ -])\d(?:[ -]?\d)+"), spans=card_spans),
    Rule("password", re.compile(r"(?i)\bConvertTo-SecureString\s{1,4}(?:-String\s{1,4})?" + _QUOTED)),
    Rule(
        "password",
        re.compile(  # PowerShell parameters; "-Password $cred" (a variable) is not a secret
            r"(?i)(?<![\w-])-(?:Password|Passwd|Pwd|Passphrase|PlainPassword)\s{1,4}"
            r"(?:\"([^\"\r\n]{1,256})\"|'([^'\r\n]{1,256})'|([^\s\"'$(@\[][^\s\"']{0,255}))"
        ),
    ),
    Rule(
        "password",
        re.compile(  # $password = '...' in scripts
            r"(?i)\$\{?[\w:]{0,64}?(?:pass(?:word|wd)?|pwd|pw|secret|token|api_?key)\w{0,64}\}?\s{0,4}=\s{0,4}"
            + _QUOTED
        ),
    ),
    Rule(
        "password",
        re.compile(  # DB_PASSWORD=... in environment files and shell
            r"(?i)\b\w{0,64}?_(?:PASSWORD|PASSWD|PWD|PASS|SECRET|TOKEN|API_?KEY)\s{0,4}[:=]\s{0,4}[\"']?([^\s\"']{1,256})"
        ),
    ),
    Rule("password", re.compile(_PW_LEAD + _PW_VALUE), check=_password_value),
    Rule("api_key", re.compile(r"(?<![A-Za-z0-9+/_=-])[A-Za-z0-9+/_-]{32,}={0,2}"), check=_generic_key),
)
