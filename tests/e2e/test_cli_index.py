"""``rfbot index`` run for real (SQLite and PostgreSQL, lexical): importing flows queues and runs their index jobs,
`status` shows the queue, `rebuild` indexes the resolved sessions too, `search` finds the flows."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.cli import Rfbot


@pytest.fixture
def rfbot(migrated_url: str, tmp_path: Path) -> Rfbot:
    """``rfbot`` on a database already at head (``db upgrade`` is tested in ``test_cli``)."""
    return Rfbot(tmp_path, migrated_url)


def test_import_indexes_the_flows_through_the_job_queue(rfbot: Rfbot) -> None:
    imported = rfbot("flows", "import", "--bundled")
    assert "Search index (lexical):" in imported.stderr and " written" in imported.stderr
    assert rfbot("index", "status").stdout.strip() == "Search index (lexical): 0 job(s) queued, 0 failed."
    found = rfbot("index", "search", "vpn tunnel drops", "--kind", "flow").stdout
    assert "vpn-wont-connect" in found
    again = rfbot("index", "rebuild", "-q").stdout
    assert again.startswith("Search index (lexical): 0 written") and "removed" in again
