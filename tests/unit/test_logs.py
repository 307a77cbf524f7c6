"""Operator logs: JSON lines carry the ids bound with ``log_context`` (and only inside it), secrets — configured
values and anything shaped like a credential — are masked in messages, arguments and tracebacks, and the text
format shows the same ids readably."""

from __future__ import annotations

import asyncio
import io
import json
import logging

from bot.config import Settings
from bot.logs import MASK, JsonFormatter, SecretScrubber, TextFormatter, log_context


def capture(formatter: logging.Formatter, secrets: tuple[str, ...] = ()) -> tuple[logging.Logger, io.StringIO]:
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.addFilter(SecretScrubber(secrets))
    handler.setFormatter(formatter)
    logger = logging.getLogger(f"test.logs.{id(out)}")
    logger.handlers, logger.propagate, logger.level = [handler], False, logging.INFO
    return logger, out


def test_json_lines_carry_the_bound_ids_and_nothing_secret() -> None:
    logger, out = capture(JsonFormatter(), secrets=("hunter2-password",))
    with log_context(team_id="T1", session_id="S1", request_id=""):
        logger.warning("push for %s failed with token %s", "ticket #1", "xoxb-1234-5678-abcdefgh")
    logger.info("db password=hunter2-password, header Bearer abcdefghijklmnop.qrs")
    first, second = (json.loads(line) for line in out.getvalue().splitlines())
    assert first["team_id"] == "T1" and first["session_id"] == "S1" and "request_id" not in first
    assert first["message"] == f"push for ticket #1 failed with token {MASK}" and first["level"] == "warning"
    assert "team_id" not in second and "hunter2" not in out.getvalue() and "abcdefghijklmnop" not in out.getvalue()
    assert first["time"].endswith("+00:00")


def test_tracebacks_are_scrubbed_too() -> None:
    logger, out = capture(JsonFormatter(), secrets=("sk-ant-api03-very-secret",))
    try:
        raise RuntimeError("Anthropic refused key sk-ant-api03-very-secret")
    except RuntimeError:
        logger.exception("model call failed")
    (entry,) = (json.loads(line) for line in out.getvalue().splitlines())
    assert "RuntimeError" in entry["exception"] and "very-secret" not in out.getvalue()


async def test_concurrent_tasks_keep_their_own_ids() -> None:
    logger, out = capture(TextFormatter())

    async def work(team: str) -> None:
        with log_context(team_id=team):
            await asyncio.sleep(0)
            logger.warning("working")

    await asyncio.gather(work("A"), work("B"))
    lines = sorted(out.getvalue().splitlines())
    assert lines[0].endswith("working [team=A]") and lines[1].endswith("working [team=B]")


def test_settings_name_their_secret_values() -> None:
    settings = Settings(_env_file=None, SLACK_SIGNING_SECRET="signing-123456", SLACK_BOT_TOKEN="xoxb-9")  # type: ignore[call-arg]
    assert "signing-123456" in settings.secret_values() and settings.log_format == "text"
