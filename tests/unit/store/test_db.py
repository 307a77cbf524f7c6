"""Plain database URLs get the right async driver; anything else is a clear error."""

from __future__ import annotations

import pytest

from bot.store.db import to_async_url


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("sqlite:///./var/rfbot.db", "sqlite+aiosqlite:///./var/rfbot.db"),
        ("sqlite:////abs/path.db", "sqlite+aiosqlite:////abs/path.db"),
        ("sqlite:///:memory:", "sqlite+aiosqlite:///:memory:"),
        ("postgresql://rf@db:5432/rf", "postgresql+psycopg://rf@db:5432/rf"),
        ("postgres://rf@db/rf", "postgresql+psycopg://rf@db/rf"),
        ("postgresql+psycopg://rf@db/rf", "postgresql+psycopg://rf@db/rf"),
        ("sqlite+aiosqlite:///x.db", "sqlite+aiosqlite:///x.db"),
    ],
)
def test_driver_is_chosen(url: str, expected: str) -> None:
    assert to_async_url(url) == expected


@pytest.mark.parametrize("url", ["mysql://x/y", "rfbot.db", "oracle+cx://x"])
def test_unsupported_urls_are_explained(url: str) -> None:
    with pytest.raises(ValueError, match="sqlite:///"):
        to_async_url(url)
