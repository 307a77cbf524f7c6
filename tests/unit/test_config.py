"""Settings: defaults, plain URLs, clear errors, and a report that never shows secrets."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from bot.config import DEFAULT_DATABASE_URL, Settings, report


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> None:
    for name in ("DATABASE_URL", "RFBOT_SECRET_KEYS", "DEFAULT_TEAM"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # type: ignore[arg-type]


def test_defaults_use_embedded_sqlite() -> None:
    assert Settings().database_url == DEFAULT_DATABASE_URL == "sqlite:///./var/rfbot.db"


def test_env_and_dotenv(monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> None:
    (tmp_path / ".env").write_text("DEFAULT_TEAM=helpdesk\n")  # type: ignore[operator]
    monkeypatch.setenv("DATABASE_URL", "postgresql://rf@127.0.0.1/rf")
    settings = Settings()
    assert settings.database_url == "postgresql://rf@127.0.0.1/rf" and settings.default_team == "helpdesk"


def test_bad_url_is_rejected_with_examples(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "mysql://x/y")
    with pytest.raises(ValidationError, match=r"sqlite:///path/to/file\.db"):
        Settings()


def test_report_masks_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://rf:s3cret@db/rf")
    monkeypatch.setenv("RFBOT_SECRET_KEYS", "a-very-secret-fernet-key")
    rows = {r.name: r for r in report(Settings())}
    assert rows["DATABASE_URL"].value == "postgresql://rf:****@db/rf" and rows["DATABASE_URL"].is_set
    assert rows["RFBOT_SECRET_KEYS"].value == "********" and rows["RFBOT_SECRET_KEYS"].secret
    assert all("s3cret" not in r.value and "fernet" not in r.value for r in rows.values())
    assert not rows["LOG_LEVEL"].is_set
