"""Neutral ``Mention`` blocks -> real Teams mentions: ``<at>Name</at>`` in the card text and a ``mention`` entity in
the card's ``msteams.entities`` for each Teams person; people from other platforms (and bots) named in plain text;
entities travelling with the message that holds their paragraph, in messages, the home card and form cards."""

from __future__ import annotations

from typing import Any

from bot.engine.events import ActionId, Actor, ConversationRef, FormId
from bot.engine.replies import Button, Buttons, Code, Header, Input, Mention, OpenForm, Text, View
from bot.handlers.teams import outbound
from bot.handlers.teams.markdown import JOINER
from bot.handlers.teams.render import MESSAGE_BYTES, RenderedMessage, render_home, render_message, wire_size
from bot.handlers.teams.render_elements import mention, mention_entity, mentionable
from bot.handlers.teams.render_form import render_form
from tests.unit.handlers.teams.payloads import check_card

PAT = Actor("teams", "29:1pat-lead", "Pat Lead", "pat@contoso.example")
DANA = Actor("teams", "29:1dana-tech", "Dana Tech")
SLACK_SAM = Actor("slack", "U123", "Sam Slack")
BOT = Actor("teams", "28:9a1d6c52-3e1b-4f6a-8d0e-2b7c5e4f1a90", "ResolutionFlow")


def entity(actor: Actor, name: str | None = None) -> dict[str, Any]:
    name = name or actor.display_name
    return {"type": "mention", "text": f"<at>{name}</at>", "mentioned": {"id": actor.platform_user_id, "name": name}}


def entities(message: RenderedMessage) -> list[dict[str, Any]]:
    return list(message.card["msteams"].get("entities", []))


def test_a_teams_person_is_mentioned_in_front_of_the_text() -> None:
    (message,) = render_message(View((Mention("Dana escalated this to you", (PAT,)),), "Escalation"))
    check_card(message.card)
    assert message.card["body"][0]["text"] == "<at>Pat Lead</at> Dana escalated this to you"
    assert entities(message) == [entity(PAT)]
    assert message.card["msteams"]["width"] == "Full"


def test_several_people_each_once_others_by_plain_name() -> None:
    elements, found = mention(Mention("over to you", (PAT, SLACK_SAM, DANA, PAT, BOT)))
    assert elements[0]["text"] == (
        "<at>Pat Lead</at> @Sam Slack <at>Dana Tech</at> <at>Pat Lead</at> @ResolutionFlow over to you"
    )
    assert found == [entity(PAT), entity(DANA)]
    assert [mentionable(a) for a in (PAT, SLACK_SAM, BOT, Actor("teams", "", "Nobody"))] == [True, False, False, False]


def test_without_a_teams_person_there_is_no_entity() -> None:
    (message,) = render_message(View((Mention("for the on-call engineer", (SLACK_SAM,)),)))
    assert message.card["body"][0]["text"] == "@Sam Slack for the on-call engineer"
    assert "entities" not in message.card["msteams"]
    (alone,) = render_message(View((Mention("", (PAT,)),)))
    assert alone.card["body"] == [{"type": "TextBlock", "text": "<at>Pat Lead</at>", "wrap": True}]
    (nobody,) = render_message(View((Mention("just text"),)))
    assert nobody.card["body"][0]["text"] == "just text" and "entities" not in nobody.card["msteams"]


def test_typed_markup_in_the_text_and_the_name_is_neutralised_but_our_tag_is_not() -> None:
    sneaky = Actor("teams", "29:1x", "Eve <at>Everyone</at> [x](https://evil.example)")
    elements, found = mention(Mention("see <at>Everyone</at> and [click](https://evil.example)", (sneaky,)))
    tag, expected = mention_entity(sneaky)
    assert tag == "<at>Eve atEveryone/at x(https://evil.example)</at>" and found == [expected]
    text = elements[0]["text"]
    assert text.startswith(tag + " ") and text.count("<at>") == 1
    assert f"<{JOINER}at>Everyone" in text and f"[click]{JOINER}(https" in text
    (plain,) = mention(Mention("hi", (Actor("slack", "U9", "[boss](https://evil.example)"),)))[0]
    assert plain["text"] == f"@[boss]{JOINER}(https://evil.example) hi"


def test_the_entities_travel_with_the_message_that_holds_the_mention() -> None:
    filler = tuple(Text(f"part {n} " + "word " * 1500) for n in range(6))
    view = View((*filler, Mention("please take over", (PAT,)), Buttons((Button("Take it", ActionId.RESUME),))), "Long")
    messages = render_message(view)
    assert len(messages) > 1
    holding = [m for m in messages if "<at>Pat Lead</at>" in str(m.card["body"])]
    assert len(holding) == 1 and entities(holding[0]) == [entity(PAT)]
    assert all(not entities(m) for m in messages if m is not holding[0])
    assert all(wire_size(m.activity()) <= MESSAGE_BYTES for m in messages)


def test_home_and_form_cards_carry_their_mentions() -> None:
    home = render_home([View((Header("Your sessions"), Mention("Pat handed this to you", (DANA,))))])
    assert entities(home) == [entity(DANA)]
    form = OpenForm(
        ConversationRef("teams", "19:c@thread.tacv2", "17"),
        DANA,
        FormId.RESOLVE,
        "Resolve",
        "s1",
        3,
        (Input("summary", "Summary"),),
        intro=(Mention("asked for this resolution", (PAT,)), Code("echo hi")),
    )
    rendered = render_form(form)
    assert entities(rendered) == [entity(PAT)]
    assert any("<at>Pat Lead</at> asked" in str(e.get("text")) for e in rendered.card["body"])


def test_a_notice_for_someone_already_mentioned_adds_no_second_entity() -> None:
    (message,) = render_message(View((Mention("your turn", (PAT,)),)))
    addressed = outbound.addressed_to(message, PAT)
    assert addressed.card["body"][0]["text"] == "<at>Pat Lead</at>"
    assert entities(addressed) == [entity(PAT)]
    assert entities(outbound.addressed_to(message, DANA)) == [entity(PAT), entity(DANA)]
