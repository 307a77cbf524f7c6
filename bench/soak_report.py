"""The soak's figures: printed, and as a flat-ish dict (``--json``) with the drill table.

``summary`` is what ``--json`` writes (default path ``bench/last_soak.json``, which ``docs/performance.md``'s
generator includes when present): run settings, overall counts, the verdict, and ``drills``: one row per phase
with its requests accepted, notes delivered, duplicates, lost and times to recover.
"""

from __future__ import annotations

import json
import os
import platform
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.soak_checks import Verdict
from bench.soak_ledger import Ledger

DEFAULT_JSON = Path(__file__).with_name("last_soak.json")


def _pct(values: list[float], p: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))] * 1000, 1)


def _seconds(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def drill_rows(ledger: Ledger, verdict: Verdict) -> list[dict[str, Any]]:
    """One row per phase (baseline and each drill)."""
    rows = []
    for phase in ledger.phases:
        counts = ledger.counts.get(phase.name)
        first, drained = phase.recovery()
        rows.append(
            {
                "phase": phase.name,
                "fault": phase.detail,
                "fault_s": _seconds(phase.fault_end - phase.fault_start) if phase.fault_end else None,
                "accepted": counts.accepted if counts else 0,
                "redelivered": counts.redelivered if counts else 0,
                "refused": counts.refused if counts else 0,
                "notes_due": verdict.notes_due[phase.name],
                "notes_delivered": verdict.notes[phase.name],
                "duplicates": verdict.duplicates[phase.name],
                "lost": verdict.lost[phase.name],
                "out_of_order": verdict.disorder[phase.name],
                "crash_window": verdict.crash_window[phase.name],
                "recover_first_s": _seconds(first),
                "recover_drained_s": _seconds(drained),
                "backlog_at_end": phase.backlog if phase.fault_end else None,
            }
        )
    return rows


def summary(ledger: Ledger, verdict: Verdict, settings: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """The run as one JSON-ready dict."""
    kinds = Counter(what for _, what in ledger.successes)
    conversations = ledger.conversations
    total = {
        k: sum(getattr(c, k) for c in ledger.counts.values())
        for k in ("accepted", "redelivered", "refused", "retries", "doubles")
    }
    return {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "system": platform.platform()},
        "settings": settings,
        **total,
        "sessions": sum(1 for c in conversations if c.platform in ("slack", "teams") and c.started),
        "sessions_slack": sum(1 for c in conversations if c.platform == "slack" and c.started),
        "sessions_teams": sum(1 for c in conversations if c.platform == "teams" and c.started),
        "sessions_resolved": sum(1 for c in conversations if c.resolved),
        "stalled": sum(1 for c in conversations if c.stalled),
        "clicks": sum(c.clicks for c in conversations),
        "notes_due": sum(verdict.notes_due.values()),
        "notes_delivered": sum(verdict.notes.values()),
        "copilot_requests": sum(c.turns for c in conversations if c.platform == "pilot"),
        "probes": sum(1 for c in conversations if c.platform.startswith("probe")),
        "probes_acknowledged": sum(1 for c in conversations if c.platform.startswith("probe") and c.started),
        "probes_answered": sum(c.turns for c in conversations if c.platform.startswith("probe")),
        "copilot_model_answers": kinds["model"],
        "copilot_fallback_answers": kinds["fallback"],
        "click_update_p50_ms": _pct(ledger.latencies, 50),
        "click_update_p99_ms": _pct(ledger.latencies, 99),
        "duplicates": sum(verdict.duplicates.values()) + int(verdict.schedule.get("duplicates", 0)),
        "lost": sum(verdict.lost.values()) + int(verdict.schedule.get("lost", 0)),
        "out_of_order": sum(verdict.disorder.values()),
        "crash_window": sum(verdict.crash_window.values()),
        "crash_window_detail": verdict.crashes[:20],
        "schedule": verdict.schedule,
        "database": verdict.database,
        "problems": verdict.problems[:20],
        "passed": not verdict.failed,
        **extra,
        "drills": drill_rows(ledger, verdict),
    }


def _fmt(value: Any) -> str:
    return "-" if value is None else str(value)


def print_summary(data: dict[str, Any]) -> None:
    """The figures, for a person."""
    s = data["settings"]
    print(
        f"soak: {s['replicas']} replicas on a private PostgreSQL, {s['slack']} Slack + {s['teams']} Teams "
        f"checklist engineers, {s['pilot']} FlowPilot engineers, {data['elapsed_s']} s of traffic, drills: "
        f"{', '.join(s['drills']) or 'none'}"
    )
    print(
        f"  requests accepted {data['accepted']} (+{data['retries']} platform retries, {data['doubles']} double "
        f"clicks, {data['redelivered']} redeliveries after a failed delivery, {data['refused']} never acknowledged)"
    )
    print(
        f"  sessions {data['sessions']} (Slack {data['sessions_slack']}, Teams {data['sessions_teams']}), "
        f"{data['clicks']} step clicks, {data['sessions_resolved']} resolved; notes on tickets "
        f"{data['notes_delivered']} of {data['notes_due']} due"
    )
    print(
        f"  copilot requests {data['copilot_requests']}: {data['copilot_model_answers']} answered by the model, "
        f"{data['copilot_fallback_answers']} by the offline fallback"
    )
    if data["probes"]:
        print(
            f"  probes during faults: {data['probes']} sent, {data['probes_acknowledged']} acknowledged, "
            f"{data['probes_answered']} answered"
        )
    sched = data["schedule"]
    if sched:
        print(
            f"  schedule: {sched['fires']} fires recorded (by {sched['leaders']} leaders), {sched['runs']} runs, "
            f"{sched['cards']} run cards"
        )
    db = data["database"]
    print(
        f"  inbox: {db['inbox_processed']} processed, {db['inbox_pending']} pending, {db['inbox_given_up']} given "
        f"up, {db['inbox_retried']} retried, claimed by {db['inbox_claimers']} workers; outbox: "
        f"{db['outbox_done']} done, {db['outbox_open']} open, {db['outbox_attempts']} attempts"
    )
    print(
        f"  click -> answered step edited: p50 {_fmt(data['click_update_p50_ms'])} ms, "
        f"p99 {_fmt(data['click_update_p99_ms'])} ms"
    )
    print(
        f"  DUPLICATES {data['duplicates']}, LOST {data['lost']}, out of order {data['out_of_order']}; "
        f"chat replies lost or re-posted in a killed replica's crash window {data['crash_window']}; "
        f"engineers who gave up waiting {data['stalled']}"
    )
    print("  phase        accepted  notes     dup  lost  crash  first ok  drained  fault")
    for row in data["drills"]:
        notes = f"{row['notes_delivered']}/{row['notes_due']}"
        print(
            f"  {row['phase']:<12} {row['accepted']:>8}  {notes:<8} {row['duplicates']:>4}  {row['lost']:>4}  "
            f"{row['crash_window']:>5}  {_fmt(row['recover_first_s']):>7}s  {_fmt(row['recover_drained_s']):>6}s  "
            f"{row['fault']}"
        )
    errors = data.get("log_errors", {})
    if any(errors.values()):
        print(f"  replica log error lines: {', '.join(f'{k} {len(v)}' for k, v in errors.items())}")
        for lines in errors.values():
            for line in lines[:3]:
                print(f"    {line}")
    for problem in data["problems"][:10]:
        print(f"  ! {problem}")
    for crash in data["crash_window_detail"][:5]:
        print(f"  ~ {crash}")
    print(f"  verdict: {'PASS' if data['passed'] else 'FAIL'}")


def write_json(data: dict[str, Any], path: Path) -> None:
    """Write the summary (indented, UTF-8)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
