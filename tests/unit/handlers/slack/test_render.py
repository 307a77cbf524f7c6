"""Neutral views -> Block Kit: each block type, Slack's limits, escaping and round-trips of button values."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from bot.engine.events import ActionId, Actor, ConversationRef, FormId
from bot.engine.replies import (
    Button,
    Buttons,
    Code,
    Context,
    Divider,
    Fields,
    Header,
    Input,
    OpenForm,
    Select,
    SelectOption,
    Style,
    Text,
    View,
)
from bot.handlers.slack import ids
from bot.handlers.slack.mrkdwn import escape_within
from bot.handlers.slack.render import escape_mrkdwn, render_blocks, render_home, render_message, render_modal

SESSION = "sess-1"


def button(label: str = "Go", action: ActionId = ActionId.DONE, value: str = "ok", **kw: Any) -> Button:
    return Button(label, action, SESSION, 4, value, **kw)


def one(view: View) -> list[dict[str, Any]]:
    messages = render_message(view)
    assert len(messages) == 1
    return messages[0].blocks


def action_ids(blocks: list[dict[str, Any]]) -> list[str]:
    return [e["action_id"] for b in blocks if b["type"] == "actions" for e in b["elements"]]


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ("a & b", "a &amp; b"),
        ("<script>", "&lt;script&gt;"),
        ("*bold* _it_ `x` • bullet", "*bold* _it_ `x` • bullet"),
        ("&amp;", "&amp;amp;"),
        ("\"quotes\" 'ok'", "\"quotes\" 'ok'"),
    ],
)
def test_escape_mrkdwn_only_touches_three_characters(raw: str, escaped: str) -> None:
    assert escape_mrkdwn(raw) == escaped


@pytest.mark.parametrize(
    ("block", "expected"),
    [
        (Header("Title"), {"type": "header", "text": {"type": "plain_text", "text": "Title", "emoji": True}}),
        (
            Text("*Step 1* <@U1> & co"),
            {"type": "section", "text": {"type": "mrkdwn", "text": "*Step 1* &lt;@U1&gt; &amp; co"}},
        ),
        (Context("by dana"), {"type": "context", "elements": [{"type": "mrkdwn", "text": "by dana"}]}),
        (Divider(), {"type": "divider"}),
        (
            Code("ipconfig /all", label="Run this"),
            {"type": "section", "text": {"type": "mrkdwn", "text": "*Run this*\n```\nipconfig /all\n```"}},
        ),
        (
            Fields((("Ticket", "#123"), ("Who", "a<b"))),
            {
                "type": "section",
                "fields": [{"type": "mrkdwn", "text": "*Ticket*\n#123"}, {"type": "mrkdwn", "text": "*Who*\na&lt;b"}],
            },
        ),
    ],
)
def test_each_content_block(block: Any, expected: dict[str, Any]) -> None:
    assert one(View((block,), "fb")) == [expected]


def test_buttons_carry_numbered_ids_styles_and_decodable_values() -> None:
    view = View(
        (
            Buttons((button("Yes", ActionId.CHOOSE, "yes", style=Style.PRIMARY), button("No", ActionId.CHOOSE, "no"))),
            Buttons((button("Abandon", ActionId.ABANDON, "", style=Style.DANGER),)),
        ),
        "fb",
    )
    elements = [e for b in one(view) for e in b["elements"]]
    assert [e["action_id"] for e in elements] == ["rf.choose.0", "rf.choose.1", "rf.abandon.2"]
    assert [e.get("style") for e in elements] == ["primary", None, "danger"]
    assert [ids.parse_action_id(e["action_id"]) for e in elements] == [
        ActionId.CHOOSE,
        ActionId.CHOOSE,
        ActionId.ABANDON,
    ]
    assert ids.ButtonValue.decode(elements[0]["value"]) == ids.ButtonValue(SESSION, 4, "yes")


def test_button_label_truncated_and_rows_of_25() -> None:
    blocks = one(View((Buttons(tuple(button("x" * 100, value=str(i)) for i in range(30))),), "fb"))
    assert [len(b["elements"]) for b in blocks] == [25, 5]
    label = blocks[0]["elements"][0]["text"]["text"]
    assert len(label) == 75 and label.endswith("…")
    assert len(set(action_ids(blocks))) == 30


def test_select_options_round_trip() -> None:
    select = Select("Start a flow:", ActionId.START_FLOW, (SelectOption("VPN", "vpn"), SelectOption("o" * 90, "p")))
    (block,) = one(View((select,), "fb"))
    element = block["elements"][0]
    assert element["type"] == "static_select" and element["action_id"] == "rf.start_flow.0"
    assert element["placeholder"]["text"] == "Start a flow:"
    assert ids.ButtonValue.decode(element["options"][0]["value"]).value == "vpn"
    assert len(element["options"][1]["text"]["text"]) == 75


def test_select_option_value_too_long_is_an_error() -> None:
    select = Select("Pick", ActionId.CHOOSE, (SelectOption("Long", "v" * 140),), SESSION, 1)
    with pytest.raises(ValueError, match="150"):
        render_message(View((select,), "fb"))


def test_header_truncated_to_150() -> None:
    (block,) = one(View((Header("h" * 200),), "fb"))
    assert len(block["text"]["text"]) == 150 and block["text"]["text"].endswith("…")


def test_long_text_split_at_line_boundaries() -> None:
    lines = [f"line {i:04d} " + "x" * 40 for i in range(150)]
    blocks = one(View((Text("\n".join(lines)),), "fb"))
    assert len(blocks) > 1
    assert all(len(b["text"]["text"]) <= 3000 for b in blocks)
    assert "\n".join(b["text"]["text"] for b in blocks) == "\n".join(lines)


def test_long_code_split_keeps_fences_on_every_part() -> None:
    code = "\n".join(f"Get-Service -Name svc{i}" for i in range(300))
    blocks = one(View((Code(code, label="Run"),), "fb"))
    texts = [b["text"]["text"] for b in blocks]
    assert len(texts) > 1 and texts[0].startswith("*Run*\n```\n")
    assert all(t.endswith("\n```") and "```\n" in t and len(t) <= 3000 for t in texts)
    assert all(not t.startswith("*Run*") for t in texts[1:])


def test_more_than_50_blocks_split_with_actions_last() -> None:
    blocks = [Text(f"paragraph {i}") for i in range(60)]
    view = View((Header("Big"), *blocks, Buttons((button(),))), "Big view")
    messages = render_message(view)
    assert len(messages) == 2
    assert all(len(m.blocks) <= 50 for m in messages)
    assert messages[0].text == "Big view" and messages[1].text.endswith("Big view")
    assert not action_ids(messages[0].blocks)
    assert messages[-1].blocks[-1]["type"] == "actions"
    assert sum(len(m.blocks) for m in messages) == 62


def test_too_many_characters_split_into_continuations() -> None:
    view = View((*(Text("y" * 2900) for _ in range(6)), Buttons((button(),))), "fb")
    messages = render_message(view)
    assert len(messages) == 2 and messages[-1].blocks[-1]["type"] == "actions"


def test_fallback_text_escaped_never_empty_and_capped() -> None:
    assert render_message(View((Text("hi"),), "a & b"))[0].text == "a &amp; b"
    assert render_message(View((Header("Head"),)))[0].text == "Head"
    assert render_message(View(()))[0].text
    assert len(render_message(View((), "z" * 5000))[0].text) == 3000


def test_a_short_fallback_stays_a_notification_line_once_escaped() -> None:
    raw = "Step 4: Does <VPN> & " + "the proxy answer? " * 7 + "x" * 3
    raw += "&" * (150 - len(raw))  # 150 characters before escaping, far more after
    text = render_message(View((Header("Step 4"), Text("body")), raw))[0].text
    assert len(text) <= 150 and text.startswith("Step 4: Does &lt;VPN&gt; &amp; the proxy") and text.endswith("…")
    assert "&" not in re.sub(r"&(amp|lt|gt);", "", text), "no entity was cut in half"
    long = "Sorry, " + "that did not work. " * 20  # a longer text is what screen readers read: kept whole
    assert render_message(View((Text("x"),), long))[0].text == long.strip()


@pytest.mark.parametrize("limit", range(1, 20))
def test_escape_within_never_cuts_an_entity(limit: int) -> None:
    text = escape_within("a&b<c>d", limit)
    assert len(text) <= limit and "&" not in re.sub(r"&(amp|lt|gt);", "", text)
    assert (text == "a&amp;b&lt;c&gt;d") if limit >= 17 else text.endswith("…")


def test_continuation_messages_say_so_in_their_text() -> None:
    view = View((*(Text("y" * 2900) for _ in range(6)),), "Export & notes")
    texts = [m.text for m in render_message(view)]
    assert (
        texts[0] == "Export &amp; notes" and texts[1:] and all(t == "(continued) Export &amp; notes" for t in texts[1:])
    )


def test_inputs_are_left_out_of_messages() -> None:
    assert render_blocks((Input("x", "X"),)) == []


def form(**kw: Any) -> OpenForm:
    defaults: dict[str, Any] = {
        "conversation": ConversationRef("slack", "C1", "1700000000.000100"),
        "actor": Actor("slack", "U1", "dana"),
        "form": FormId.RESOLVE,
        "title": "Resolve this troubleshooting session",
        "session_id": SESSION,
        "state_version": 7,
        "inputs": (
            Input("summary", "Summary", multiline=True, initial="Fixed it", placeholder="What fixed it?"),
            Input("root_cause", "Root cause", optional=True),
        ),
        "intro": (Text("Check the note below."),),
        "submit_label": "Resolve and post the note now",
    }
    return OpenForm(**{**defaults, **kw})


def test_modal_structure() -> None:
    meta = ids.FormMetadata(SESSION, 7, "C1", "1700000000.000100")
    modal = render_modal(form(), meta)
    assert modal["type"] == "modal" and modal["callback_id"] == "rf.form.resolve"
    assert ids.FormMetadata.decode(modal["private_metadata"]) == meta
    assert len(modal["title"]["text"]) <= 24 and len(modal["submit"]["text"]) <= 24 and modal["close"]["text"]
    intro, summary, cause = modal["blocks"]
    assert intro["type"] == "section"
    assert summary == {
        "type": "input",
        "block_id": "summary",
        "label": {"type": "plain_text", "text": "Summary", "emoji": True},
        "element": {
            "type": "plain_text_input",
            "action_id": ids.INPUT_ACTION,
            "multiline": True,
            "initial_value": "Fixed it",
            "placeholder": {"type": "plain_text", "text": "What fixed it?", "emoji": True},
        },
        "optional": False,
    }
    assert cause["optional"] is True and "initial_value" not in cause["element"]


def test_modal_limits() -> None:
    intro = (Code("note line\n" * 2000), *(Text(f"t{i}") for i in range(150)))
    inputs = (Input("summary", "L" * 2500, initial="i" * 4000, placeholder="p" * 200),)
    modal = render_modal(form(intro=intro, inputs=inputs), ids.FormMetadata(SESSION, 7, "C1"))
    blocks = modal["blocks"]
    assert len(blocks) == 100 and blocks[-1]["type"] == "input"
    assert blocks[0]["text"]["text"].endswith("…(truncated)") and len(blocks[0]["text"]["text"]) <= 3000
    element = blocks[-1]["element"]
    assert len(element["initial_value"]) == 3000 and len(element["placeholder"]["text"]) == 150
    assert len(blocks[-1]["label"]["text"]) == 2000
    json.dumps(modal)


def test_home_joins_sections_with_dividers_and_caps_at_100() -> None:
    home = render_home([View((Header("Open"), Buttons((button(),)))), View((Text("done"), Buttons((button(),))))])
    assert home["type"] == "home"
    assert [b["type"] for b in home["blocks"]] == ["header", "actions", "divider", "section", "actions"]
    assert len(set(action_ids(home["blocks"]))) == 2
    big = render_home([View(tuple(Text(f"s{i}") for i in range(120)))])
    assert len(big["blocks"]) == 100
    assert big["blocks"][-1]["elements"][0]["text"] == "…and 21 more"
