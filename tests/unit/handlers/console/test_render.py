"""Views -> console lines (pure)."""

from __future__ import annotations

from bot.engine.events import ActionId
from bot.engine.replies import Button, Buttons, Code, Context, Fields, Header, Text, View
from bot.handlers.console.render import inline, render_view


def test_inline_markup_is_converted_and_user_text_escaped() -> None:
    assert inline("*bold* and _it_ and `code`") == "[bold]bold[/bold] and [italic]it[/italic] and [cyan]code[/cyan]"
    assert inline("[red]not markup[/red]") == "\\[red]not markup\\[/red]"


def test_buttons_are_numbered_from_the_given_number() -> None:
    view = View(
        (Header("Step 1"), Text("Q?"), Buttons((Button("Yes", ActionId.CHOOSE), Button("No", ActionId.CHOOSE))))
    )
    lines, nxt = render_view(view, 3)
    assert nxt == 5
    assert "\\[3]" in lines[-1].markup and "\\[4]" in lines[-1].markup


def test_code_blocks_are_kept_verbatim() -> None:
    lines, _ = render_view(View((Code("Get-Service *vpn*", "powershell", "Check"),)))
    assert lines[-1].code == "Get-Service *vpn*" and lines[-1].language == "powershell"


def test_fields_and_context() -> None:
    lines, _ = render_view(View((Fields((("Ticket", "#1"),)), Context("hint"))), 1, "(only you)")
    assert lines[0].markup.endswith("[bold]Ticket:[/bold] #1")
    assert "[dim]hint[/dim]" in lines[1].markup
