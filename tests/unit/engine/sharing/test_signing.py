"""Signed links: they carry their claims until they expire, and anything altered, expired, signed for another
purpose or with another key is refused the same way (None)."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import pytest

from bot.engine.sharing.signing import (
    LinkSigner,
    Purpose,
    derive_key,
    looks_like_public_token,
    new_public_token,
    token_hash,
)

NOW = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)
CLAIMS = {"link": "l1", "team": "team-a", "session": "s1", "user": "u1"}


@pytest.fixture
def signer() -> LinkSigner:
    return LinkSigner.from_material("operator-key-material", "https://bot.example.com/")


def test_a_token_carries_its_claims_until_it_expires(signer: LinkSigner) -> None:
    token = signer.sign(Purpose.TEAM_LINK, CLAIMS, NOW + timedelta(minutes=15))
    assert signer.verify(Purpose.TEAM_LINK, token, NOW) == CLAIMS
    assert signer.verify(Purpose.TEAM_LINK, token, NOW + timedelta(minutes=14, seconds=59)) == CLAIMS
    assert signer.verify(Purpose.TEAM_LINK, token, NOW + timedelta(minutes=15)) is None


def test_a_token_for_one_purpose_is_refused_for_another(signer: LinkSigner) -> None:
    token = signer.sign(Purpose.TEAM_LINK, CLAIMS, NOW + timedelta(hours=1))
    assert signer.verify(Purpose.PAGE_COOKIE, token, NOW) is None
    assert signer.verify(Purpose.DOWNLOAD, token, NOW) is None


def test_changed_claims_or_signature_are_refused(signer: LinkSigner) -> None:
    token = signer.sign(Purpose.TEAM_LINK, CLAIMS, NOW + timedelta(hours=1))
    payload, mac = token.split(".")
    body = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    for change in ({"team": "team-b"}, {"session": "s2"}, {"user": "u2"}, {"exp": str(int(NOW.timestamp()) + 99999)}):
        forged = base64.urlsafe_b64encode(json.dumps(body | change).encode()).rstrip(b"=").decode()
        assert signer.verify(Purpose.TEAM_LINK, f"{forged}.{mac}", NOW) is None
    flipped = mac[:-1] + ("A" if mac[-1] != "A" else "B")
    assert signer.verify(Purpose.TEAM_LINK, f"{payload}.{flipped}", NOW) is None
    for junk in ("", ".", "abc", f"{payload}.{mac}.x", f"{payload}", "é.é", "a" * 5000):
        assert signer.verify(Purpose.TEAM_LINK, junk, NOW) is None


def test_another_key_does_not_verify(signer: LinkSigner) -> None:
    token = signer.sign(Purpose.DOWNLOAD, CLAIMS, NOW + timedelta(hours=1))
    other = LinkSigner.from_material("another-operator", "https://bot.example.com")
    assert other.verify(Purpose.DOWNLOAD, token, NOW) is None


def test_the_signing_key_is_derived_not_the_material_itself() -> None:
    key = derive_key("operator-key-material")
    assert len(key) == 32 and b"operator-key-material" not in key
    assert derive_key("operator-key-material") == key != derive_key("operator-key-materiaL")
    with pytest.raises(ValueError):
        LinkSigner(b"short", "http://x")


def test_public_tokens_are_random_256_bit_and_stored_as_a_hash() -> None:
    tokens = {new_public_token() for _ in range(50)}
    assert len(tokens) == 50 and all(looks_like_public_token(t) for t in tokens)
    token = tokens.pop()
    assert len(base64.urlsafe_b64decode(token + "=")) == 32
    assert token_hash(token) != token and len(token_hash(token)) == 64 and token not in token_hash(token)
    assert not looks_like_public_token(token[:-1]) and not looks_like_public_token(token + "/")


def test_urls_and_secure_cookies_follow_the_public_address(signer: LinkSigner) -> None:
    assert signer.url("/s/", "tok") == "https://bot.example.com/s/tok" and signer.secure
    assert not LinkSigner.from_material("m", "http://127.0.0.1:3000").secure
