"""Outbound intents and the small view model every platform renders (Block Kit, Adaptive Cards, console).

The engine returns a list of ``Reply`` objects; it never formats for a platform. A ``View`` is an ordered tuple
of blocks. Buttons carry an ``ActionId`` plus the session id and ``state_version`` they were drawn for, so a stale
click can be recognised.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from bot.engine.events import ActionId, Actor, ConversationRef, FormId


class Style(StrEnum):
    """Emphasis of a button."""

    DEFAULT = "default"
    PRIMARY = "primary"
    DANGER = "danger"


@dataclass(frozen=True, slots=True)
class Header:
    """A heading line."""

    text: str


@dataclass(frozen=True, slots=True)
class Text:
    """A paragraph of light Markdown (``*bold*``, ``_italic_``, `` `code` ``, bullet lines)."""

    text: str


@dataclass(frozen=True, slots=True)
class Mention(Text):
    """A paragraph addressed to ``people``: a platform that can notify them puts its own @mention of each in front
    of ``text`` (Slack ``<@U…>``); any other renders it as the ``Text`` it is, so ``text`` reads well on its own.
    Only people with an identity on the conversation's platform are mentioned there."""

    people: tuple[Actor, ...] = ()


@dataclass(frozen=True, slots=True)
class Context:
    """A small grey line (who/when, hints)."""

    text: str


@dataclass(frozen=True, slots=True)
class Fields:
    """Label/value pairs shown as a compact grid."""

    items: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class Code:
    """A code block (commands the engineer runs by hand)."""

    code: str
    language: str = ""
    label: str = ""


@dataclass(frozen=True, slots=True)
class Divider:
    """A horizontal rule."""


@dataclass(frozen=True, slots=True)
class Button:
    """A button bound to a session state."""

    label: str
    action: ActionId
    session_id: str = ""
    state_version: int = 0
    value: str = ""
    style: Style = Style.DEFAULT


@dataclass(frozen=True, slots=True)
class Buttons:
    """A row of buttons."""

    buttons: tuple[Button, ...]


@dataclass(frozen=True, slots=True)
class SelectOption:
    """One entry of a select."""

    label: str
    value: str


@dataclass(frozen=True, slots=True)
class Select:
    """A drop-down choice; picking an option is a ``ButtonPressed`` with the option's value."""

    placeholder: str
    action: ActionId
    options: tuple[SelectOption, ...]
    session_id: str = ""
    state_version: int = 0


@dataclass(frozen=True, slots=True)
class Input:
    """A form input."""

    name: str
    label: str
    multiline: bool = False
    initial: str = ""
    placeholder: str = ""
    optional: bool = False


Block = Header | Text | Context | Fields | Code | Divider | Buttons | Select | Input


@dataclass(frozen=True, slots=True)
class View:
    """An ordered set of blocks plus a plain-text fallback (notifications, screen readers).

    ``partial`` marks the view of a message still being written: FlowPilot's "thinking" placeholder, then its text
    so far; the first view of the same message (same ref) without it is the finished one. A platform that can stream
    (Teams in a 1:1 chat) may show these as a stream instead of a post and edits; others render them as any view.
    """

    blocks: tuple[Block, ...]
    fallback: str = ""
    partial: bool = False  # in-progress text of a message being written; a platform may stream it


@dataclass(frozen=True, slots=True)
class Post:
    """Post a message in a conversation. ``ref`` names it so a later ``Update`` can replace it.

    ``root`` marks a session's card: when the conversation has no thread yet (a Slack channel, a Teams channel),
    the platform posts it at the top level and the rest of the session lives in its thread. The adapter reports
    the new thread back with a ``ThreadStarted`` event for ``session_id``.
    """

    conversation: ConversationRef
    view: View
    ref: str = ""
    root: bool = False
    session_id: str = ""


@dataclass(frozen=True, slots=True)
class Update:
    """Replace a message posted earlier under ``ref`` (or post it if the platform has lost it).

    ``lazy`` marks a status display (the session card): only its latest content matters, so a platform may deliver
    it after the batch's other replies and fold several quick updates of the same message into one.
    """

    conversation: ConversationRef
    view: View
    ref: str
    lazy: bool = False


@dataclass(frozen=True, slots=True)
class Ephemeral:
    """A message only ``actor`` sees."""

    conversation: ConversationRef
    actor: Actor
    view: View


@dataclass(frozen=True, slots=True)
class DirectMessage:
    """A private message to ``actor``."""

    actor: Actor
    view: View


@dataclass(frozen=True, slots=True)
class OpenForm:
    """Open a form (Slack modal, Teams card with inputs, console prompts)."""

    conversation: ConversationRef
    actor: Actor
    form: FormId
    title: str
    session_id: str
    state_version: int
    inputs: tuple[Input, ...]
    intro: tuple[Block, ...] = ()
    submit_label: str = "Submit"


@dataclass(frozen=True, slots=True)
class Attachment:
    """A document to hand the user (an export)."""

    conversation: ConversationRef
    filename: str
    content: str
    mime_type: str = "text/markdown"
    title: str = ""
    final: bool = False  # the closing note of a session (resolved or abandoned), not an on-demand export
    upload: bool = False  # deliver it as a file where the platform lets the bot upload one (Slack); else as today
    download_url: str = ""  # a short-lived signed link to the same document, for platforms that cannot upload
    data: bytes = b""  # a binary document (a PNG diagram): ``content`` is then its one-line description


@dataclass(frozen=True, slots=True)
class HomeView:
    """Replace ``actor``'s home surface (Slack App Home) with ``view``."""

    actor: Actor
    view: View


Reply = Post | Update | Ephemeral | DirectMessage | OpenForm | Attachment | HomeView


@dataclass(slots=True)
class Replies:
    """A small builder so command handlers can append replies fluently."""

    items: list[Reply] = field(default_factory=list)

    def add(self, reply: Reply) -> Replies:
        """Append one reply and return self."""
        self.items.append(reply)
        return self
