"""OpenForm -> a form card in the conversation: inputs, Submit/Cancel, where the answer goes, and the size limit."""

from __future__ import annotations

from bot.engine.events import Actor, ConversationRef, FormId
from bot.engine.replies import Code, Input, OpenForm, Text
from bot.handlers.teams import ids, texts
from bot.handlers.teams.render import ENVELOPE_BYTES, MESSAGE_BYTES, wire_size
from bot.handlers.teams.render_form import form_data, render_form
from tests.unit.handlers.teams.payloads import CHANNEL, actions_of, check_card

DANA = Actor("teams", "29:dana", "Dana Lee")
HERE = ConversationRef("teams", CHANNEL, "1759944781430", {"tenant": "t"})


def form(**changes: object) -> OpenForm:
    base: dict[str, object] = {
        "conversation": HERE,
        "actor": DANA,
        "form": FormId.RESOLVE,
        "title": "Resolve *session*",
        "session_id": "sess-1",
        "state_version": 5,
        "inputs": (
            Input("summary", "What fixed it?", multiline=True, placeholder="e.g. rebooted the router"),
            Input("minutes", "Minutes", initial="15", optional=True),
        ),
        "intro": (Text("Closing ticket *#12345*"),),
        "submit_label": "Resolve",
    }
    return OpenForm(**{**base, **changes})  # type: ignore[arg-type]


def test_form_card_structure() -> None:
    message = render_form(form())
    card = message.card
    check_card(card)
    assert message.summary == "Resolve *session*"
    title, intro, summary, minutes, actions = card["body"]
    assert title["text"] == "Resolve **session**" and title["style"] == "heading"
    assert intro["text"] == "Closing ticket **#12345**"
    assert summary == {
        "type": "Input.Text",
        "id": "rf.in.summary",
        "label": "What fixed it?",
        "isMultiline": True,
        "isRequired": True,
        "placeholder": "e.g. rebooted the router",
        "errorMessage": texts.REQUIRED,
    }
    assert minutes == {
        "type": "Input.Text",
        "id": "rf.in.minutes",
        "label": "Minutes",
        "isMultiline": False,
        "isRequired": False,
        "value": "15",
    }
    submit, cancel = actions["actions"]
    assert (submit["title"], submit["verb"], submit["associatedInputs"], submit["style"]) == (
        "Resolve",
        "rf.form.resolve",
        "auto",
        "positive",
    )
    assert (cancel["title"], cancel["verb"], cancel["associatedInputs"]) == (texts.CANCEL, "rf.dismiss", "none")


def test_submit_round_trips_with_the_inputs_teams_merges_in() -> None:
    submit, cancel = actions_of(render_form(form()).card)
    posted = {**submit["data"], "rf.in.summary": "Rebooted the router", "rf.in.minutes": "20"}
    parsed = ids.parse_action(submit["verb"], posted)
    assert parsed.target is FormId.RESOLVE
    assert parsed.payload == ids.FormData("sess-1", 5, CHANNEL, "1759944781430")
    assert parsed.inputs == {"summary": "Rebooted the router", "minutes": "20"}
    assert ids.parse_action(cancel["verb"], cancel["data"]).target is None


def test_the_sender_can_name_a_newer_thread() -> None:
    submit, _ = actions_of(render_form(form(), form_data(form(), thread="999")).card)
    assert submit["data"]["rf"]["t"] == "999"


def test_sealed_fields_are_masked() -> None:
    psa = form(
        form=FormId.PSA_CONNECT,
        session_id="",
        inputs=(Input("site_url", "Site"), Input("public_key", "Public key"), Input("private_key", "Private key")),
    )
    styles = {i["id"]: i.get("style") for i in render_form(psa).card["body"] if i["type"] == "Input.Text"}
    assert styles == {"rf.in.site_url": None, "rf.in.public_key": "password", "rf.in.private_key": "password"}


def test_a_form_always_fits_one_message() -> None:
    huge = form(
        intro=(*(Text(f"paragraph {i} " + "x" * 2000) for i in range(30)), Code("y\n" * 5000)),
        inputs=(Input("document", "Document", multiline=True, initial="line of the note\n" * 4000),),
    )
    message = render_form(huge)
    check_card(message.card)
    assert wire_size(message.activity()) <= MESSAGE_BYTES - ENVELOPE_BYTES
    body = message.card["body"]
    assert body[-1]["type"] == "ActionSet" and body[-2]["type"] == "Input.Text"
    assert body[-2]["value"].endswith(texts.TRUNCATED)
    assert any(e.get("text") == texts.TRUNCATED for e in body)  # the intro was cut, and says so


def test_long_intro_code_is_truncated_not_split() -> None:
    body = render_form(form(intro=(Code("line\n" * 3000, "bash"),))).card["body"]
    (code,) = [e for e in body if e["type"] == "CodeBlock"]
    assert code["codeSnippet"].endswith(texts.TRUNCATED)


def test_over_long_initial_values_are_halved_until_the_form_fits() -> None:
    inputs = tuple(Input(f"f{i}", f"Field {i}", multiline=True, initial="é" * 5000) for i in range(3))
    message = render_form(form(inputs=inputs, intro=()))
    assert wire_size(message.activity()) <= MESSAGE_BYTES - ENVELOPE_BYTES
    values = [e["value"] for e in message.card["body"] if e["type"] == "Input.Text"]
    assert all(v.endswith(texts.TRUNCATED) and len(v) >= 200 for v in values)
