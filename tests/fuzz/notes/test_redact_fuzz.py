"""Redaction of any text is idempotent (a second pass changes nothing) and never lets a seeded secret through,
whatever text surrounds it."""

from __future__ import annotations

from hypothesis import example, given
from hypothesis import strategies as st

from bot.notes.redact import redact, redact_or_blank
from tests.fuzz.strategies import texts

SECRETS = (
    "AKIA" + "Z7FAKEEXAMPLE0QX",
    "ghp_" + "R4nd0mL00k1ngF4k3T0k3nV4lu3xYz",
    "xoxb-" + "2222222222-3333333333-F4k3T0k3nV4lu3",
    "sk-" + "ant-api03-F4k3F4k3F4k3F4k3F4k3",
    "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJlLWZha2U",
)
SEPARATORS = st.sampled_from([" ", "\n", " (", ") ", ", ", ": ", ' "', '" ', "\t"])
surroundings = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=40) | texts


@given(surroundings | st.lists(surroundings, max_size=20).map(" ".join))
@example("password=hunter22; [REDACTED:ip] 10.0.0.1 [REDACTED:")
def test_redaction_is_idempotent(text: str) -> None:
    once = redact_or_blank(text)
    assert redact_or_blank(once.text).text == once.text


@given(surroundings, st.sampled_from(SECRETS), SEPARATORS, SEPARATORS, surroundings)
@example("Bearer", SECRETS[0], " ", " ", "")
def test_a_seeded_secret_never_survives(before: str, secret: str, left: str, right: str, after: str) -> None:
    masked = redact(f"{before}{left}{secret}{right}{after}").text
    assert secret not in masked
