"""Neutral views -> Adaptive Cards: each block type, Teams' limits and splitting, escaping, and action data that
round-trips through the translator's reader."""

from __future__ import annotations

import json
from typing import Any

import pytest
from microsoft_agents.activity import Activity

from bot.engine.events import ActionId
from bot.engine.replies import (
    Button,
    Buttons,
    Code,
    Context,
    Divider,
    Fields,
    Header,
    Input,
    Select,
    SelectOption,
    Style,
    Text,
    View,
)
from bot.handlers.teams import ids, texts
from bot.handlers.teams.markdown import JOINER
from bot.handlers.teams.render import (
    CARD_CONTENT_TYPE,
    ENVELOPE_BYTES,
    MESSAGE_BYTES,
    render_blocks,
    render_home,
    render_message,
    render_notice,
    summary_of,
    wire_size,
)
from bot.handlers.teams.render_elements import ACTIONS_PER_SET, CODE_BYTES, TEXT_BYTES
from tests.unit.handlers.teams.payloads import actions_of, check_card, personal_message

SESSION = "sess-1"


def button(label: str = "Go", action: ActionId = ActionId.DONE, value: str = "ok", **kw: Any) -> Button:
    return Button(label, action, SESSION, 4, value, **kw)


def one(view: View) -> dict[str, Any]:
    messages = render_message(view)
    assert len(messages) == 1
    check_card(messages[0].card)
    return messages[0].card


def sent_size(card: dict[str, Any], summary: str) -> int:
    """The size of the whole activity the sender will post, envelope included (a realistic inbound one's fields),
    counted as Teams counts it: UTF-16."""
    envelope = {k: v for k, v in personal_message("x").items() if k not in ("text", "entities")}
    activity = {**envelope, "summary": summary, "attachments": [{"contentType": CARD_CONTENT_TYPE, "content": card}]}
    return len(json.dumps(activity).encode("utf-16-le"))


@pytest.mark.parametrize(
    ("block", "expected"),
    [
        (
            Header("Step 3: *Check* the VPN"),
            [
                {
                    "type": "TextBlock",
                    "text": "Step 3: **Check** the VPN",
                    "wrap": True,
                    "weight": "bolder",
                    "size": "medium",
                    "style": "heading",
                }
            ],
        ),
        (
            Text("Do *this*:\n• one\n• two"),
            [{"type": "TextBlock", "text": "Do **this**:\n\n- one\n- two", "wrap": True}],
        ),
        (
            Context("Dana · 10:42"),
            [{"type": "TextBlock", "text": "Dana · 10:42", "wrap": True, "isSubtle": True, "size": "small"}],
        ),
        (
            Fields((("Ticket", "#12345"), ("Client", "Contoso"))),
            [
                {
                    "type": "FactSet",
                    "facts": [{"title": "Ticket", "value": "#12345"}, {"title": "Client", "value": "Contoso"}],
                }
            ],
        ),
        (Input("summary", "Summary"), []),  # inputs only exist in forms
    ],
)
def test_each_content_block(block: Any, expected: list[dict[str, Any]]) -> None:
    assert render_blocks((block,)) == expected


def test_code_block_is_a_teams_codeblock_with_label_and_a_monospace_fallback() -> None:
    body = render_blocks((Code("Get-Service *vpn* | Restart-Service\n[x](https://e)", "PowerShell", "Run this"),))
    label, code = body
    assert label == {"type": "TextBlock", "text": "Run this", "wrap": True, "weight": "bolder", "size": "small"}
    assert code["type"] == "CodeBlock"
    assert code["codeSnippet"] == "Get-Service *vpn* | Restart-Service\n[x](https://e)"  # literal: no markdown
    assert (code["language"], code["startLineNumber"]) == ("PowerShell", 1)
    fallback = code["fallback"]
    assert fallback["type"] == "Container" and fallback["style"] == "emphasis"
    (text,) = fallback["items"]
    assert text["fontType"] == "monospace"
    assert text["text"] == f"Get-Service *vpn* | Restart-Service\n\n[x]{JOINER}(https://e)"


@pytest.mark.parametrize(("language", "expected"), [("bash", "Bash"), ("", "PlainText"), ("markdown", "PlainText")])
def test_code_languages(language: str, expected: str) -> None:
    assert render_blocks((Code("x", language),))[0]["language"] == expected


def test_divider_separates_the_next_element_and_a_trailing_one_is_dropped() -> None:
    body = render_blocks((Text("a"), Divider(), Text("b"), Divider()))
    assert [e.get("separator") for e in body] == [None, True]
    assert body[1]["spacing"] == "medium"


def test_buttons_are_execute_actions_with_styles_and_decodable_data() -> None:
    card = one(
        View(
            (
                Buttons(
                    (
                        button("Yes", ActionId.CHOOSE, "yes", style=Style.PRIMARY),
                        button("No", ActionId.CHOOSE, "no"),
                        button("Abandon", ActionId.ABANDON, "", style=Style.DANGER),
                    )
                ),
            )
        )
    )
    actions = actions_of(card)
    assert [a["type"] for a in actions] == ["Action.Execute"] * 3
    assert [a.get("style") for a in actions] == ["positive", None, "destructive"]
    assert [a["verb"] for a in actions] == ["rf.choose", "rf.choose", "rf.abandon"]
    assert all(a["associatedInputs"] == "none" for a in actions)
    for action in actions:
        assert action["fallback"] == {"type": "Action.Submit", **{k: action[k] for k in ("title", "data")}} | (
            {"associatedInputs": "none"} | ({"style": action["style"]} if "style" in action else {})
        )
        parsed = ids.parse_action(action["verb"], action["data"])
        assert isinstance(parsed.payload, ids.ButtonData)
        assert (parsed.payload.session_id, parsed.payload.state_version) == (SESSION, 4)
        assert ids.parse_action(None, action["fallback"]["data"]) == parsed  # Action.Submit reads the same
    assert ids.parse_action("rf.choose", actions[0]["data"]).choice() == "yes"


def test_button_rows_hold_at_most_six_and_titles_are_cut() -> None:
    body = render_blocks((Buttons(tuple(button(f"B{i}" + "x" * (60 if i == 0 else 0)) for i in range(14))),))
    assert [len(e["actions"]) for e in body] == [ACTIONS_PER_SET, ACTIONS_PER_SET, 2]
    assert len(body[0]["actions"][0]["title"]) == 50 and body[0]["actions"][0]["title"].endswith("…")


def test_select_is_a_choice_set_with_a_submit_that_names_it() -> None:
    select = Select("Pick a flow", ActionId.START_FLOW, (SelectOption("VPN", "vpn"), SelectOption("Mail", "mail")))
    body = render_blocks((select, Select("Another", ActionId.CHOOSE, (SelectOption("A", "a"),), SESSION, 2)))
    first, submit, second, _ = body
    assert first == {
        "type": "Input.ChoiceSet",
        "id": "rf.pick.0",
        "style": "compact",
        "isMultiSelect": False,
        "placeholder": "Pick a flow",
        "choices": [{"title": "VPN", "value": "vpn"}, {"title": "Mail", "value": "mail"}],
    }
    assert second["id"] == "rf.pick.1"
    (action,) = submit["actions"]
    assert (action["title"], action["associatedInputs"]) == (texts.CHOOSE, "auto")
    picked = {**action["data"], "rf.pick.0": "mail", "rf.pick.1": "a"}  # Teams merges every input's value
    parsed = ids.parse_action(action["verb"], picked)
    assert (parsed.target, parsed.choice()) == (ActionId.START_FLOW, "mail")


def test_long_selects_get_type_ahead() -> None:
    options = tuple(SelectOption(f"Flow {i}", f"f{i}") for i in range(11))
    assert render_blocks((Select("Pick", ActionId.START_FLOW, options),))[0]["style"] == "filtered"


@pytest.mark.parametrize(
    "typed",
    ["[click](https://evil.example)", "<at>Everyone</at> look", "**loud** _quiet_ ![x](https://evil/p.png)"],
)
def test_user_text_is_neutralised_everywhere_markdown_renders(typed: str) -> None:
    body = render_blocks((Header(typed), Text(typed), Context(typed), Fields(((typed, typed),))))
    rendered = [e["text"] for e in body if e["type"] == "TextBlock"]
    rendered += [v for e in body if e["type"] == "FactSet" for f in e["facts"] for v in f.values()]
    assert len(rendered) == 5
    for text in rendered:
        assert "](" not in text and "<at" not in text.lower()


def test_long_text_split_at_line_boundaries() -> None:
    lines = [f"line {i} " + "x" * 90 for i in range(300)]
    body = render_blocks((Text("\n".join(lines)),))
    assert len(body) > 1
    assert all(len(json.dumps(e["text"])) <= TEXT_BYTES * 2 for e in body)  # "\n" became "\n\n"
    assert [p for e in body for p in e["text"].split("\n\n")] == lines


def test_long_code_split_with_continuing_line_numbers_and_one_label() -> None:
    code = "\n".join(f"Write-Host {i}" for i in range(1000))
    body = render_blocks((Code(code, "powershell", "Script"),))
    codes = [e for e in body if e["type"] == "CodeBlock"]
    assert len(codes) > 1 and body[0]["text"] == "Script"
    assert sum(1 for e in body if e["type"] == "TextBlock") == 1
    assert all(len(json.dumps(c["codeSnippet"])) <= CODE_BYTES + 2 for c in codes)
    assert "\n".join(c["codeSnippet"] for c in codes) == code
    starts = [c["startLineNumber"] for c in codes]
    assert starts[0] == 1 and starts == sorted(starts)
    assert starts[1] == codes[0]["codeSnippet"].count("\n") + 2


def test_header_cut_with_a_marker() -> None:
    text = one(View((Header("h" * 1000),)))["body"][0]["text"]
    assert len(text) < 1000 and text.endswith("…")


def test_a_view_too_large_for_one_message_is_split_with_actions_last() -> None:
    blocks = []
    for i in range(40):
        blocks += [Header(f"Part {i}"), Text("word " * 400), Code("echo " + "y" * 300)]
    view = View((Buttons((button("Early"),)), *blocks, Buttons((button("Done"),))), "Long step")
    messages = render_message(view)
    assert len(messages) > 3
    for message in messages:
        check_card(message.card)
        assert sent_size(message.card, message.summary) <= MESSAGE_BYTES
        assert wire_size(message.activity()) <= MESSAGE_BYTES - ENVELOPE_BYTES
    assert all(not actions_of(m.card) for m in messages[:-1])
    assert [a["title"] for a in actions_of(messages[-1].card)] == ["Early", "Done"]
    assert messages[0].summary == "Long step"
    assert all(m.summary == f"{texts.CONTINUED} Long step" for m in messages[1:])


def test_non_ascii_text_is_measured_as_sent() -> None:
    view = View((Text("\n".join("сервер не отвечает 🚨" * 20 for _ in range(200))),))
    messages = render_message(view)
    assert len(messages) > 1
    assert all(sent_size(m.card, m.summary) <= MESSAGE_BYTES for m in messages)


def test_fields_stay_within_a_message_even_in_emoji() -> None:
    (message,) = render_message(View((Fields(tuple((f"k{i}", "🚨" * 2000) for i in range(10))),)))
    assert sent_size(message.card, message.summary) <= MESSAGE_BYTES
    assert message.card["body"][0]["facts"][0]["value"].endswith("…")


def test_an_element_too_large_alone_becomes_a_notice() -> None:
    (message,) = render_message(View((Text("]" * 8000), Text("fine"))))  # every "]" gains an invisible joiner
    assert [e["text"] for e in message.card["body"]] == [texts.TOO_LARGE, "fine"]


def test_summary_is_plain_never_empty_and_short() -> None:
    assert summary_of(View((Text("Hello"),), "Step 2 of 5: reboot")) == "Step 2 of 5: reboot"
    assert summary_of(View((Divider(), Context("  "), Text("First words\nsecond")))) == "First words second"
    assert summary_of(View(())) == texts.FALLBACK
    assert summary_of(View((), "*VPN* paused — `resume` it")) == "VPN paused — resume it"
    assert len(summary_of(View((), "x" * 400))) == 150


def test_message_shape() -> None:
    (message,) = render_message(View((Text("hi"),), "hi"))
    activity = message.activity()
    assert activity["type"] == "message" and activity["summary"] == "hi" and "text" not in activity
    (attachment,) = activity["attachments"]
    assert attachment == {"contentType": "application/vnd.microsoft.card.adaptive", "content": message.card}
    assert message.card["msteams"] == {"width": "Full"} and message.card["fallbackText"] == "hi"


def test_the_sdk_accepts_the_message() -> None:
    (message,) = render_message(View((Header("Step"), Buttons((button(),)))))
    activity = Activity.model_validate(message.activity())
    assert activity.attachments is not None and activity.attachments[0].content == message.card
    assert activity.summary == "Step"


def test_empty_view_is_one_empty_card() -> None:
    (message,) = render_message(View(()))
    assert message.card["body"] == [] and message.summary == texts.FALLBACK


def test_home_joins_sections_marks_buttons_and_fits_one_message() -> None:
    paused = View((Header("Your sessions"), Text("VPN · paused"), Buttons((button("Resume", ActionId.RESUME),))))
    finished = View(tuple(Text(f"Session {i} " + "z" * 300) for i in range(200)))
    home = render_home([paused, finished])
    check_card(home.card)
    assert sent_size(home.card, home.summary) <= MESSAGE_BYTES
    body = home.card["body"]
    assert body[0]["text"] == "Your sessions"
    assert body[3].get("separator") is True  # the divider between sections
    (resume,) = actions_of(home.card)
    payload = ids.parse_action(resume["verb"], resume["data"]).payload
    assert isinstance(payload, ids.ButtonData) and payload.home
    assert body[-1]["text"].startswith("…and ") and body[-1]["text"].endswith(" more")


def test_notice_card() -> None:
    card = render_notice(texts.FORM_CLOSED)
    check_card(card)
    assert card["body"][0]["text"] == texts.FORM_CLOSED
