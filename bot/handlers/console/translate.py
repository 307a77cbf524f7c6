"""Console input -> neutral events (pure). ``/cmd args`` is a command, a number or ``=label`` picks a choice,
``/attach PATH [text]`` shares a local file (with optional words) like a file shared in a chat thread, anything
else is a message typed in the session's conversation."""

from __future__ import annotations

import mimetypes
import ntpath
from dataclasses import dataclass
from datetime import datetime

from bot.engine.events import (
    ActionId,
    Actor,
    ButtonPressed,
    CommandIssued,
    ConversationRef,
    FileRef,
    MessageReceived,
)
from bot.engine.replies import Button, Buttons, Reply, Select, View

PLATFORM = "console"
ATTACH = "attach"


@dataclass(frozen=True, slots=True)
class Choice:
    """A numbered thing the user can pick: a button or a select option."""

    label: str
    action: ActionId
    session_id: str
    state_version: int
    value: str


@dataclass(frozen=True, slots=True)
class Who:
    """The fixed identity and place of a console run."""

    team_id: str
    actor: Actor
    conversation: ConversationRef


def conversation_for(team_name: str, user: str) -> ConversationRef:
    """One console conversation per team and user."""
    return ConversationRef(PLATFORM, f"{team_name}:{user}", "main")


def choices_of(view: View) -> list[Choice]:
    """Every button and select option of a view, in order."""
    found: list[Choice] = []
    for block in view.blocks:
        if isinstance(block, Buttons):
            found.extend(_from_button(b) for b in block.buttons)
        elif isinstance(block, Select):
            found.extend(
                Choice(o.label, block.action, block.session_id, block.state_version, o.value) for o in block.options
            )
    return found


def _from_button(button: Button) -> Choice:
    return Choice(button.label, button.action, button.session_id, button.state_version, button.value)


def choices_in(replies: list[Reply]) -> list[Choice]:
    """Choices across a batch of replies, numbered in the order shown."""
    found: list[Choice] = []
    for reply in replies:
        view = getattr(reply, "view", None)
        if isinstance(view, View):
            found.extend(choices_of(view))
    return found


class InputError(ValueError):
    """Console input that maps to no event."""


def translate(
    line: str, choices: list[Choice], who: Who, at: datetime, seq: int
) -> CommandIssued | ButtonPressed | MessageReceived | None:
    """Turn one console line into an event (None for an empty line)."""
    text = line.strip()
    if not text:
        return None
    event_id = f"console:{seq}"
    if text.startswith("/"):
        name, _, args = text[1:].partition(" ")
        if name.strip().lower() == ATTACH:
            path, words = split_path(args)
            return MessageReceived(
                team_id=who.team_id,
                actor=who.actor,
                conversation=who.conversation,
                at=at,
                event_id=event_id,
                text=words,
                files=(file_ref(path),),
            )
        return CommandIssued(
            team_id=who.team_id,
            actor=who.actor,
            conversation=who.conversation,
            at=at,
            event_id=event_id,
            name=name.strip(),
            args=args.strip(),
        )
    choice = pick(text, choices)
    if choice is not None:
        return ButtonPressed(
            team_id=who.team_id,
            actor=who.actor,
            conversation=who.conversation,
            at=at,
            event_id=event_id,
            action=choice.action,
            session_id=choice.session_id,
            state_version=choice.state_version,
            value=choice.value,
        )
    return MessageReceived(
        team_id=who.team_id, actor=who.actor, conversation=who.conversation, at=at, event_id=event_id, text=text
    )


def split_path(args: str) -> tuple[str, str]:
    """``PATH rest`` or ``"PATH WITH SPACES" rest`` -> (path, rest); ``InputError`` without a path."""
    args = args.strip()
    if args[:1] in ('"', "'"):
        path, quote, rest = args[1:].partition(args[0])
        if not quote:
            raise InputError('Close the quotes around the file\'s path: /attach "C:\\logs\\my app.log"')
    else:
        path, _, rest = args.partition(" ")
    if not path.strip():
        raise InputError("Name the file to share: /attach PATH [what it shows]")
    return path.strip(), rest.strip()


def file_ref(path: str) -> FileRef:
    """A local file as a shared-file reference: its name, its type guessed from the name, size unknown (the
    console's fetcher reads it within the cap)."""
    name = ntpath.basename(path.rstrip("/\\")) or path
    mime, _ = mimetypes.guess_type(name, strict=False)
    return FileRef(name=name, mime_type=mime or "", size=0, platform=PLATFORM, locator={"path": path})


def pick(text: str, choices: list[Choice]) -> Choice | None:
    """The choice a number or ``=label`` names; None for other text. Raises ``InputError`` when out of range."""
    if text.isdigit():
        index = int(text)
        if not 1 <= index <= len(choices):
            raise InputError(
                f"Pick a number from 1 to {len(choices)}, or type /help."
                if choices
                else "There is nothing to pick right now; type /help."
            )
        return choices[index - 1]
    if text.startswith("="):
        wanted = _plain(text[1:])
        exact = [c for c in choices if _plain(c.label) == wanted]
        prefixed = [c for c in choices if _plain(c.label).startswith(wanted)]
        found = exact or prefixed
        if len(found) != 1:
            labels = ", ".join(c.label for c in choices)
            raise InputError(f"“{text[1:].strip()}” matches {len(found)} choices; the choices are: {labels}.")
        return found[0]
    return None


def _plain(label: str) -> str:
    return label.lstrip("✓✎⬅ ").strip().lower()
