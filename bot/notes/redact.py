"""Redaction: mask secrets and personal data before any text leaves the process.

``redact`` runs the rules of ``bot.notes.patterns`` in a fixed order, most specific first, over-matching rather
than missing. Each masked item becomes ``[REDACTED:<kind>]``; masks are never matched again, so redaction is
idempotent. Any failure raises ``RedactionFailed``; ``redact_or_blank`` turns that into withheld text, so a
caller never sends unmasked text by accident.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field

from bot.notes import patterns, texts

MASK = "[REDACTED:{kind}]"
KINDS = tuple(texts.REDACTION_KINDS)
WITHHELD = texts.REDACTION_WITHHELD
_ALNUM = re.compile(r"[^\W_]")


def mask(kind: str) -> str:
    """The mask token for ``kind``, e.g. ``[REDACTED:ip]``."""
    return MASK.format(kind=kind)


class RedactionFailed(Exception):
    """Redaction could not be completed; the text must not be sent."""


@dataclass(frozen=True, slots=True)
class Redaction:
    """Masked text, how many items of each kind were masked, and whether the text was withheld instead."""

    text: str
    counts: dict[str, int] = field(default_factory=dict)
    failed: bool = False

    @property
    def total(self) -> int:
        """Number of items masked."""
        return sum(self.counts.values())

    def summary(self) -> str:
        """E.g. ``3 IP addresses, 2 e-mail addresses masked``, or ``nothing masked``."""
        return summarize(self.counts, failed=self.failed)


def summarize(counts: Mapping[str, int], *, failed: bool = False) -> str:
    """Human wording for a table of counts, in the fixed rule order (unknown kinds last)."""
    if failed:
        return texts.REDACTION_FAILED_SUMMARY
    order = {kind: i for i, kind in enumerate(KINDS)}
    parts = []
    for kind in sorted(counts, key=lambda k: (order.get(k, len(order)), k)):
        count = counts[kind]
        if count > 0:
            one, many = texts.REDACTION_KINDS.get(kind, (kind, kind))
            parts.append(f"{count} {one if count == 1 else many}")
    return texts.REDACTION_SUMMARY.format(items=", ".join(parts)) if parts else texts.NOTHING_MASKED


def _worth_masking(value: str) -> bool:
    """False for text that is already masked (nothing but mask tokens and punctuation)."""
    return bool(_ALNUM.search(patterns.MASK_RE.sub("", value)))


def _apply(rule: patterns.Rule, text: str, counts: dict[str, int]) -> str:
    token = mask(rule.kind)

    def replace(match: re.Match[str]) -> str:
        whole = match.group(0)
        index = next((i for i in range(1, (match.lastindex or 0) + 1) if match.group(i) is not None), 0)
        value = match.group(index)
        if not _worth_masking(value) or (rule.check is not None and not rule.check(value)):
            return whole
        base = match.start(0)
        start = match.start(index) - base
        spans = rule.spans(value) if rule.spans is not None else [(0, len(value))]
        found = [(start + a, start + b) for a, b in spans]
        if not found:
            return whole
        counts[rule.kind] = counts.get(rule.kind, 0) + len(found)
        pieces, done = [], 0
        for a, b in found:
            pieces += [whole[done:a], token]
            done = b
        pieces.append(whole[done:])
        return "".join(pieces)

    return rule.pattern.sub(replace, text)


def redact(text: str) -> Redaction:
    """Mask every secret kind in ``text``.

    Raises ``RedactionFailed`` if anything goes wrong (never returns partly masked text).
    """
    try:
        counts: dict[str, int] = {}
        for rule in patterns.RULES:
            text = _apply(rule, text, counts)
        return Redaction(text, counts)
    except Exception as exc:  # fail closed on anything, including bugs in a check
        raise RedactionFailed(f"redaction failed: {type(exc).__name__}") from exc


def redact_text(text: str) -> str:
    """Just the masked text of ``redact(text)``."""
    return redact(text).text


def redact_or_blank(text: str) -> Redaction:
    """Like ``redact`` but never raises: on failure the whole text is withheld (``failed`` is set)."""
    try:
        return redact(text)
    except RedactionFailed:
        return Redaction(WITHHELD, {}, failed=True)


def redact_mapping(values: Mapping[str, str], password_keys: Collection[str]) -> dict[str, str]:
    """Mask the whole value of each password-type parameter (names compared case-insensitively); redact the rest."""
    secret = {key.casefold() for key in password_keys}
    return {key: mask("password") if key.casefold() in secret else redact_text(value) for key, value in values.items()}


_SECRET_PROMPT = re.compile(
    r"(?i)\b(?:pass(?:word|wd|code|phrase)?s?|pwd|pin|secret|api[ _-]?key|token|recovery key|bitlocker key)\b"
)
_PLAIN_ANSWERS = frozenset(texts.PLAIN_ANSWERS)


def is_secret_answer(prompt: str, answer: str) -> bool:
    """True when ``answer`` is probably the secret a step asked for ("Temporary password" -> "Xk7!pq").

    Only single-token answers to a prompt that names a password, PIN, key or token count; button answers
    such as "Yes" or "Done" do not.
    """
    value = answer.strip()
    return (
        bool(value)
        and not any(c.isspace() for c in value)
        and value.casefold() not in _PLAIN_ANSWERS
        and _SECRET_PROMPT.search(prompt) is not None
        and not patterns.MASK_RE.fullmatch(value)
    )


class Redactor:
    """Redacts fragments one at a time and keeps the running counts; passes text through when disabled."""

    def __init__(self, enabled: bool = True) -> None:
        self.enabled = enabled
        self.counts: dict[str, int] = {}

    def add(self, counts: Mapping[str, int]) -> None:
        """Fold ``counts`` into the running total."""
        for kind, n in counts.items():
            self.counts[kind] = self.counts.get(kind, 0) + n

    def __call__(self, text: str) -> str:
        """``text`` with secrets masked (unchanged when disabled); raises ``RedactionFailed``."""
        if not self.enabled or not text:
            return text
        result = redact(text)
        self.add(result.counts)
        return result.text

    def answer(self, prompt: str, answer: str) -> str:
        """An answer to a step: masked whole when the step asked for a secret, else redacted as usual."""
        if self.enabled and is_secret_answer(prompt, answer):
            self.add({"password": 1})
            return mask("password")
        return self(answer)
