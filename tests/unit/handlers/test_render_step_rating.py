"""The answered step's rating row renders on both platforms from the neutral blocks, with values that decode back
to the library step and the thumb."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from bot.engine.events import ActionId
from bot.engine.steplib.records import LibraryStep, StepType
from bot.engine.steplib.views import rating_row
from bot.engine.views import answered_view
from bot.handlers.slack import ids
from bot.handlers.slack.render import render_message
from bot.handlers.teams.render import render_blocks as teams_blocks

SESSION = "3f0c0000-0000-4000-8000-000000000001"
STEP = LibraryStep(
    id="5e7e0000-0000-4000-8000-000000000001", team_id="t", slug="s", title="Flush", type=StepType.ACTION
)
VIEW = answered_view(
    "Step 2 · Flush", "Done", "Alice", datetime(2026, 11, 25, 14, 3, tzinfo=UTC), (rating_row(SESSION, STEP),)
)


def test_slack_renders_thumbs_and_review_buttons() -> None:
    (message,) = render_message(VIEW)
    elements = [e for b in message.blocks if b["type"] == "actions" for e in b["elements"]]
    assert [e["text"]["text"] for e in elements] == ["👍", "👎", "Add a review"]
    assert [ids.parse_action_id(e["action_id"]) for e in elements] == [ActionId.STEP_RATE] * 2 + [ActionId.STEP_REVIEW]
    assert ids.ButtonValue.decode(elements[1]["value"]) == ids.ButtonValue(SESSION, 0, f"{STEP.id}:down")


def test_teams_renders_the_same_buttons() -> None:
    body = json.dumps(teams_blocks(VIEW.blocks), ensure_ascii=False)
    assert "👍" in body and "👎" in body and "Add a review" in body and f"{STEP.id}:up" in body
