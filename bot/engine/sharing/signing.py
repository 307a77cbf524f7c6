"""Signed links and public tokens (stdlib only: ``hmac``, ``hashlib``, ``secrets``).

A signed token is ``<claims>.<mac>``: the claims (JSON, with the expiry ``exp`` in epoch seconds) and an
HMAC-SHA256 over the purpose and the claims, both base64url. The purpose is part of what is signed, so a team
link cannot be replayed as a page cookie or a download link. The key is derived from the operator's key material
(``RFBOT_SECRET_KEYS``) with its own label, so it is never the key that encrypts credentials. Verification compares
MACs in constant time and answers None for anything wrong -- tampered, expired, another purpose, malformed -- so
callers cannot tell the cases apart (and neither can whoever sent the token).

Public links carry a random token (256 bits) instead; only its SHA-256 is stored, so a database dump holds no
usable link. SHA-256 without a salt or stretching is enough for a random 256-bit value: there is nothing to guess.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
import secrets
from datetime import datetime, timedelta
from enum import StrEnum

KEY_LABEL = b"rfbot/share-links/v1"
MAX_TOKEN_LENGTH = 1024
PUBLIC_TOKEN = re.compile(r"^[A-Za-z0-9_-]{43}$")  # secrets.token_urlsafe(32)

TEAM_LINK_TTL = timedelta(minutes=15)  # a team link must be opened within this
PAGE_ACCESS_TTL = timedelta(hours=8)  # then its cookie keeps the page readable this long (unless revoked)
DOWNLOAD_TTL = timedelta(minutes=15)
DIAGRAM_TTL = timedelta(hours=8)  # a flow diagram shown by link in a chat card (Teams): a working day

# where ``rfbot serve`` answers (``bot.handlers.share.http`` mounts these)
OPEN_PATH = "/share/open/"  # + signed team link: sets the page cookie, redirects to the page
PAGE_PATH = "/share/view/"  # + session id: the team page (needs the cookie)
PUBLIC_PATH = "/s/"  # + public token
DOWNLOAD_PATH = "/share/file/"  # + signed download token (a session export or a flow's YAML)
DIAGRAM_PATH = "/share/diagram/"  # + signed diagram token: a flow's PNG picture


class Purpose(StrEnum):
    """What a signed token may be used for."""

    TEAM_LINK = "team-link"
    PAGE_COOKIE = "page-cookie"
    DOWNLOAD = "download"  # a session export
    FLOW_DOWNLOAD = "flow-download"  # a flow version's YAML (``bot.engine.sharing.flow_files``), same path
    DIAGRAM = "diagram"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def derive_key(material: str) -> bytes:
    """The link-signing key for ``material`` (the operator's secret), under this module's own label."""
    return hmac.new(material.encode("utf-8"), KEY_LABEL, hashlib.sha256).digest()


def new_public_token() -> str:
    """A fresh public-link token: 256 random bits, url-safe."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """What is stored for a public token (hex SHA-256)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def looks_like_public_token(token: str) -> bool:
    """A cheap shape check before any lookup."""
    return bool(PUBLIC_TOKEN.match(token))


class LinkSigner:
    """Signs and verifies tokens, and builds the absolute URLs of ``rfbot serve``'s sharing pages."""

    def __init__(self, key: bytes, base_url: str) -> None:
        if len(key) < 32:
            raise ValueError("the link-signing key must be at least 32 bytes")
        self._key = key
        self.base_url = base_url.rstrip("/")

    @classmethod
    def from_material(cls, material: str, base_url: str) -> LinkSigner:
        """A signer whose key is derived from ``material`` (see ``derive_key``)."""
        return cls(derive_key(material), base_url)

    @property
    def secure(self) -> bool:
        """The pages are served over HTTPS (cookies then get the ``Secure`` flag)."""
        return self.base_url.startswith("https://")

    def url(self, path: str, tail: str) -> str:
        """``base_url`` + ``path`` + ``tail``."""
        return f"{self.base_url}{path}{tail}"

    def _mac(self, purpose: Purpose, payload: str) -> bytes:
        return hmac.new(self._key, f"{purpose.value}\n{payload}".encode("ascii"), hashlib.sha256).digest()

    def sign(self, purpose: Purpose, claims: dict[str, str], expires: datetime) -> str:
        """A token carrying ``claims`` for ``purpose`` until ``expires``."""
        body = dict(claims) | {"exp": str(int(expires.timestamp()))}
        payload = _b64(json.dumps(body, separators=(",", ":"), sort_keys=True).encode("utf-8"))
        return f"{payload}.{_b64(self._mac(purpose, payload))}"

    def verify(self, purpose: Purpose, token: str, now: datetime) -> dict[str, str] | None:
        """The claims of a valid, unexpired token for ``purpose``; None for anything else."""
        if not token or len(token) > MAX_TOKEN_LENGTH or token.count(".") != 1:
            return None
        payload, mac = token.split(".")
        try:
            given = _unb64(mac)
            expected = self._mac(purpose, payload)
            if not hmac.compare_digest(given, expected):
                return None
            claims = json.loads(_unb64(payload))
        except (ValueError, binascii.Error, UnicodeError):
            return None
        if not isinstance(claims, dict) or not all(isinstance(v, str) for v in claims.values()):
            return None
        try:
            expires = int(claims.pop("exp"))
        except (KeyError, ValueError):
            return None
        return claims if now.timestamp() < expires else None
