"""The soak harness (``bench/soak.py``), briefly, in CI: 2 ``rfbot serve`` replicas on a private PostgreSQL cluster,
Slack, Teams and FlowPilot engineers for a few seconds, a replica killed with ``kill -9`` and a ConnectWise outage.
Nothing may be duplicated or lost: every accepted click in its session's timeline once, every step posted once,
every resolved session's two notes on its ticket once, every copilot request and probe answered, every scheduled
fire one run card, nothing left in the inbox or outbox.

The replicas' inbox lease is 5 s and their push lease 15 s (``RFBOT_INBOX_LEASE``, ``RFBOT_PUSH_LEASE``), so what
the killed replica held is taken over quickly. An engineer who waits 20 s in vain moves on; whether what they
waited for came later, or never, is what the final checks decide after the backlog drained (a generous bound for a
loaded machine). No timing assertions. ``make soak`` is the long run.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bench import soak
from bench.soak_infra import PG_BIN

pytestmark = pytest.mark.skipif(
    os.environ.get("RFBOT_SKIP_PG") == "1" or not (Path(PG_BIN) / "initdb").exists(),
    reason="the soak runs a PostgreSQL cluster of its own (needs the server binaries; RFBOT_SKIP_PG=1 skips it)",
)

ARGS = [
    "--replicas", "2", "--slack", "2", "--teams", "1", "--pilot", "1",
    "--duration", "12", "--warmup", "2", "--fault-seconds", "3", "--drills", "kill,cw-outage",
    "--schedule-every", "2", "--lease", "5", "--push-lease", "15", "--wait", "20", "--drain", "150",
]  # fmt: skip


async def test_a_short_soak_with_a_kill_and_a_connectwise_outage_loses_and_duplicates_nothing() -> None:
    options = soak.parser().parse_args(ARGS)
    data = await soak.soak(options, ["kill", "cw-outage"])

    detail = "\n".join(data["problems"]) or str(data["database"])
    assert data["duplicates"] == 0 and data["lost"] == 0 and data["out_of_order"] == 0, detail
    assert data["passed"], detail
    assert data["sessions"] > 0 and data["sessions_resolved"] > 0 and data["notes_delivered"] == data["notes_due"]
    assert data["copilot_requests"] > 0 and data["schedule"]["fires"] > 0
    assert [row["phase"] for row in data["drills"]] == ["baseline", "kill", "cw-outage"]
    killed = data["drills"][1]
    assert "killed" in killed["fault"] and killed["recover_drained_s"] is not None, killed
    assert data["database"]["inbox_claimers"] >= 2, "both replicas (and the replacement) worked the inbox"


def test_drills_are_chosen_by_name_and_unknown_ones_are_refused(capsys: pytest.CaptureFixture[str]) -> None:
    from bench.soak_drills import DRILLS, parse_drills

    assert parse_drills("all") == list(DRILLS) and parse_drills("none") == []
    assert parse_drills(" kill , slack-429 ") == ["kill", "slack-429"]
    assert soak.main(["--drills", "kill,meteor"]) == 2
    assert "unknown drill(s) meteor" in capsys.readouterr().err
    assert soak.main(["--drills", "kill", "--replicas", "1"]) == 2
