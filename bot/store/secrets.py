"""Credentials at rest: Fernet encryption under the keys in ``RFBOT_SECRET_KEYS``.

The first key encrypts; every key decrypts, so a new key can be put first and the old ones kept until
``rotate`` has re-encrypted everything. Encrypted values carry a ``enc:v1:`` prefix, which makes ``encrypt``
idempotent and lets a reader tell ciphertext from a value written before encryption was configured.
"""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

PREFIX = "enc:v1:"
NO_KEYS = (
    "RFBOT_SECRET_KEYS is not set, so credentials cannot be stored encrypted. "
    "Generate a key with `rfbot keys generate` and set RFBOT_SECRET_KEYS to it."
)


class SecretsError(Exception):
    """Keys missing or malformed, or a value that none of the keys can decrypt. The message says what to do."""


def generate_key() -> str:
    """A new random key (url-safe base64, 32 bytes) for ``RFBOT_SECRET_KEYS``."""
    return Fernet.generate_key().decode("ascii")


class SecretBox:
    """Encrypts and decrypts short secrets (tokens, API keys) with the configured keys."""

    def __init__(self, keys: list[str]) -> None:
        if not keys:
            raise SecretsError(NO_KEYS)
        fernets = []
        for position, key in enumerate(keys, start=1):
            try:
                fernets.append(Fernet(key.strip().encode("ascii")))
            except (ValueError, UnicodeEncodeError):
                raise SecretsError(
                    f"Key {position} in RFBOT_SECRET_KEYS is not a valid key (expected 44 characters of url-safe "
                    "base64, as printed by `rfbot keys generate`)."
                ) from None
        self._fernet = MultiFernet(fernets)

    @classmethod
    def from_setting(cls, value: str | None) -> SecretBox:
        """From the comma-separated ``RFBOT_SECRET_KEYS`` value."""
        return cls([k for k in (value or "").split(",") if k.strip()])

    @staticmethod
    def is_encrypted(value: str) -> bool:
        """True if ``value`` is ciphertext written by a ``SecretBox``."""
        return value.startswith(PREFIX)

    def encrypt(self, value: str) -> str:
        """Ciphertext for ``value`` (already-encrypted values are returned unchanged)."""
        if self.is_encrypted(value):
            return value
        return PREFIX + self._fernet.encrypt(value.encode("utf-8")).decode("ascii")

    def decrypt(self, value: str) -> str:
        """The plaintext of ``value``; a value without the prefix is returned as it is (written before encryption)."""
        if not self.is_encrypted(value):
            return value
        try:
            return self._fernet.decrypt(value[len(PREFIX) :].encode("ascii")).decode("utf-8")
        except InvalidToken:
            raise SecretsError(
                "A stored credential cannot be decrypted with any key in RFBOT_SECRET_KEYS. "
                "Put back the key it was encrypted with (keep old keys after the first until rotation is done)."
            ) from None

    def rotate(self, value: str) -> str:
        """``value`` re-encrypted under the first key (plaintext values get encrypted)."""
        if not self.is_encrypted(value):
            return self.encrypt(value)
        try:
            return PREFIX + self._fernet.rotate(value[len(PREFIX) :].encode("ascii")).decode("ascii")
        except InvalidToken:
            raise SecretsError("A stored credential cannot be decrypted with any key in RFBOT_SECRET_KEYS.") from None
