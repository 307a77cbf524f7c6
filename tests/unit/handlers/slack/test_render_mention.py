"""A neutral ``Mention`` renders as a real Slack mention (``<@U…>``, which notifies the person) in front of its
escaped text; people of other platforms, or ids that are not Slack user ids, are left out."""

from __future__ import annotations

from bot.engine.events import Actor
from bot.engine.replies import Mention, Text, View
from bot.handlers.slack.render import render_blocks, render_message


def test_a_mention_notifies_the_slack_user_and_escapes_the_text() -> None:
    (block,) = render_blocks((Mention("Alice <admin> escalated this to you", (Actor("slack", "U2", "Lee"),)),))
    assert block["text"]["text"] == "<@U2> Alice &lt;admin&gt; escalated this to you"


def test_only_slack_user_ids_are_mentioned() -> None:
    people = (Actor("teams", "29:abc", "Lee"), Actor("slack", "U2>|<!channel", "Evil"), Actor("slack", "W7", "Ann"))
    (block,) = render_blocks((Mention("ping", people),))
    assert block["text"]["text"] == "<@W7> ping"
    (plain,) = render_blocks((Mention("nobody to ping", ()),))
    assert plain["text"]["text"] == "nobody to ping"


def test_the_notification_text_is_the_mention_text() -> None:
    (message,) = render_message(
        View((Mention("Alice escalated this to you", (Actor("slack", "U2", "Lee"),)), Text("x")))
    )
    assert message.text == "Alice escalated this to you"
