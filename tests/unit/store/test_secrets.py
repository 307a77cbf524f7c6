"""SecretBox: Fernet under RFBOT_SECRET_KEYS — round trips, rotation, and clear messages for bad keys."""

from __future__ import annotations

import pytest

from bot.store.secrets import PREFIX, SecretBox, SecretsError, generate_key

TOKEN = "xoxb-1234-5678-abcdefghijklmnopqrstuvwx"


def test_round_trip_hides_the_value_and_is_idempotent() -> None:
    box = SecretBox([generate_key()])
    sealed = box.encrypt(TOKEN)
    assert sealed.startswith(PREFIX) and TOKEN not in sealed
    assert box.encrypt(sealed) == sealed
    assert box.decrypt(sealed) == TOKEN
    assert box.encrypt(TOKEN) != sealed  # a fresh nonce each time


def test_values_written_before_encryption_read_as_they_are() -> None:
    assert SecretBox([generate_key()]).decrypt("plain") == "plain"


def test_rotation_moves_values_to_the_first_key() -> None:
    old, new = generate_key(), generate_key()
    sealed = SecretBox([old]).encrypt(TOKEN)
    both = SecretBox.from_setting(f"{new}, {old}")
    rotated = both.rotate(sealed)
    assert SecretBox([new]).decrypt(rotated) == TOKEN
    with pytest.raises(SecretsError, match="cannot be decrypted"):
        SecretBox([new]).decrypt(sealed)
    assert SecretBox([new]).decrypt(both.rotate("plain")) == "plain"


def test_missing_and_malformed_keys_say_what_to_do() -> None:
    with pytest.raises(SecretsError, match="rfbot keys generate"):
        SecretBox.from_setting("")
    with pytest.raises(SecretsError, match="Key 2 in RFBOT_SECRET_KEYS is not a valid key"):
        SecretBox.from_setting(f"{generate_key()},not-a-key")
