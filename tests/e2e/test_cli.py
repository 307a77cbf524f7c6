"""The command line, run for real: migrations, flow import/list/show/export/validate, config check."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.store import migrate
from tests.e2e.cli import Rfbot

BROKEN = Path(__file__).resolve().parents[1] / "fixtures" / "flows" / "broken"


@pytest.fixture
def rfbot(db_url: str, tmp_path: Path) -> Rfbot:
    return Rfbot(tmp_path, db_url)


@pytest.fixture
def at_head(migrated_url: str, tmp_path: Path) -> Rfbot:
    """``rfbot`` on a database already at head (``db upgrade`` itself is tested above; a subprocess saved)."""
    return Rfbot(tmp_path, migrated_url)


def test_db_upgrade_downgrade_current(rfbot: Rfbot) -> None:
    assert "base" in rfbot("db", "current").stdout
    assert f"revision {migrate.head()}" in rfbot("db", "upgrade").stdout
    assert rfbot("db", "current").stdout.strip() == migrate.head()
    assert "base" in rfbot("db", "downgrade", "base").stdout


def test_flows_import_is_idempotent_and_listed(at_head: Rfbot, tmp_path: Path) -> None:
    rfbot = at_head
    first = rfbot("flows", "import", "--bundled").stdout
    assert "v1 (published)" in first
    assert rfbot("flows", "import", "--bundled").stdout == first
    listed = json.loads(rfbot("flows", "list", "--json").stdout)
    keys = {f["key"] for f in listed}
    assert len(keys) >= 9 and {"vpn-wont-connect", "new-user-onboarding", "monthly-server-patching"} <= keys
    shown = json.loads(rfbot("flows", "show", "vpn-wont-connect", "--json").stdout)
    assert shown["key"] == "vpn-wont-connect" and shown["nodes"]
    out = tmp_path / "vpn.yaml"
    rfbot("flows", "export", "vpn-wont-connect", "-o", str(out))
    assert rfbot("flows", "validate", str(out)).stdout.strip() == "1 flow file(s) valid."


def test_changed_flow_gets_a_new_version(at_head: Rfbot, tmp_path: Path) -> None:
    rfbot = at_head
    rfbot("flows", "import", "--bundled")
    source = tmp_path / "vpn.yaml"
    rfbot("flows", "export", "vpn-wont-connect", "-o", str(source))
    source.write_text(source.read_text().replace("name: VPN", "name: Remote VPN", 1))
    assert "vpn-wont-connect v2 (published)" in rfbot("flows", "import", str(source)).stdout
    assert "v1" in rfbot("flows", "show", "vpn-wont-connect", "--version", "1").stdout


def test_broken_flows_are_refused_with_file_and_line(at_head: Rfbot) -> None:
    rfbot = at_head
    result = rfbot("flows", "import", str(BROKEN / "unknown-next.yaml"), check=False)
    assert result.returncode != 0
    assert "unknown-next.yaml:13:" in result.stderr and "Nothing imported" in result.stderr
    assert json.loads(rfbot("flows", "list", "--json").stdout) == []


def test_unknown_flow_is_explained(at_head: Rfbot) -> None:
    rfbot = at_head
    rfbot("flows", "import", "--bundled")
    result = rfbot("flows", "show", "vpn", check=False)
    assert result.returncode != 0 and "Known flows:" in result.stderr


def test_config_check_masks_secrets(tmp_path: Path) -> None:
    out = Rfbot(tmp_path, "postgresql://app:hunter2@127.0.0.1:5432/x")("config", "check").stdout
    assert "DATABASE_URL" in out and "postgresql://app:****@127.0.0.1:5432/x" in out and "hunter2" not in out


def test_bad_database_url_is_a_clear_error(tmp_path: Path) -> None:
    result = Rfbot(tmp_path, "mysql://localhost/x")("db", "current", check=False)
    assert result.returncode != 0 and "not supported" in result.stderr and "Traceback" not in result.stderr


def test_keys_generate_prints_a_usable_key(rfbot: Rfbot) -> None:
    from bot.store.secrets import SecretBox

    key = rfbot("keys", "generate").stdout.strip()
    assert SecretBox([key]).decrypt(SecretBox([key]).encrypt("x")) == "x"
