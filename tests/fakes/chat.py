"""A test backend that reads like a chat transcript: say things, click buttons by label, submit forms."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.engine.engine import Engine
from bot.engine.events import (
    Actor,
    ButtonPressed,
    CommandIssued,
    ConversationRef,
    FormSubmitted,
    HomeOpened,
    MessageReceived,
)
from bot.engine.replies import (
    Attachment,
    Button,
    Buttons,
    Code,
    Context,
    Ephemeral,
    Fields,
    Header,
    HomeView,
    OpenForm,
    Post,
    Reply,
    Select,
    Text,
    Update,
    View,
)
from tests.fakes.memory_store import FakeClock


def view_text(view: View) -> str:
    """All the words of a view, one block per line."""
    out: list[str] = []
    for block in view.blocks:
        if isinstance(block, (Header, Text, Context)):
            out.append(block.text)
        elif isinstance(block, Fields):
            out.extend(f"{k}: {v}" for k, v in block.items)
        elif isinstance(block, Code):
            out.append(block.code)
        elif isinstance(block, Buttons):
            out.append(" | ".join(f"[{b.label}]" for b in block.buttons))
        elif isinstance(block, Select):
            out.append(" | ".join(f"<{o.label}>" for o in block.options))
    return "\n".join(out)


@dataclass
class Chat:
    """One person in one conversation, talking to the engine."""

    engine: Engine
    team_id: str
    clock: FakeClock
    user: str = "alice"
    channel: str = "C1"
    thread: str = "T1"
    last: list[Reply] = field(default_factory=list)
    buttons: list[Button] = field(default_factory=list)
    forms: list[OpenForm] = field(default_factory=list)
    seq: int = 0

    @property
    def actor(self) -> Actor:
        return Actor("test", self.user, self.user.capitalize(), f"{self.user}@example.invalid")

    @property
    def conversation(self) -> ConversationRef:
        return ConversationRef("test", self.channel, self.thread)

    def _base(self) -> dict[str, object]:
        self.seq += 1
        return {
            "team_id": self.team_id,
            "actor": self.actor,
            "conversation": self.conversation,
            "at": self.clock.now(),
            "event_id": f"{self.user}:{self.seq}",
        }

    async def _run(self, event: object) -> list[Reply]:
        self.last = await self.engine.handle(event)  # type: ignore[arg-type]
        found = [
            b
            for r in self.last
            if isinstance(r, (Post, Update, Ephemeral, HomeView))
            for blk in r.view.blocks
            if isinstance(blk, Buttons)
            for b in blk.buttons
        ]
        selects = [
            Button(o.label, blk.action, blk.session_id, blk.state_version, o.value)
            for r in self.last
            if isinstance(r, (Post, Ephemeral))
            for blk in r.view.blocks
            if isinstance(blk, Select)
            for o in blk.options
        ]
        if found or selects:
            self.buttons = found + selects
        forms = [r for r in self.last if isinstance(r, OpenForm)]
        if forms:
            self.forms = forms
        return self.last

    async def say(self, text: str) -> list[Reply]:
        """`/cmd args` is a command; other text is a message."""
        if text.startswith("/"):
            name, _, args = text[1:].partition(" ")
            return await self._run(CommandIssued(name=name, args=args, **self._base()))  # type: ignore[arg-type]
        return await self._run(MessageReceived(text=text, **self._base()))  # type: ignore[arg-type]

    async def home(self) -> list[Reply]:
        """Open the home surface (Slack App Home): not a conversation, so no channel."""
        base = self._base()
        base["conversation"] = ConversationRef("test", "")
        return await self._run(HomeOpened(**base))  # type: ignore[arg-type]

    def button(self, label: str) -> Button:
        """The last-shown button whose label starts with ``label`` (case-insensitive, ignoring icons)."""

        def plain(s: str) -> str:
            return s.lstrip("✓✎⬅ ").lower()

        matches = [b for b in self.buttons if plain(b.label).startswith(label.lower())]
        assert matches, f"no button {label!r}; buttons: {[b.label for b in self.buttons]}"
        return matches[-1]

    async def click(self, label: str, button: Button | None = None) -> list[Reply]:
        """Click a shown button (or a given, possibly stale, one)."""
        b = button or self.button(label)
        return await self._run(
            ButtonPressed(
                action=b.action,
                session_id=b.session_id,  # type: ignore[arg-type]
                state_version=b.state_version,
                value=b.value,
                **self._base(),
            )
        )

    async def submit(self, **values: str) -> list[Reply]:
        """Submit the last form shown, with these values over its pre-filled ones."""
        assert self.forms, "no form is open"
        form = self.forms[-1]
        merged = {i.name: i.initial for i in form.inputs} | values
        return await self._run(
            FormSubmitted(
                form=form.form,
                session_id=form.session_id,  # type: ignore[arg-type]
                state_version=form.state_version,
                values=merged,
                **self._base(),
            )
        )

    def text(self) -> str:
        """All text of the last replies."""
        parts = []
        for r in self.last:
            if isinstance(r, (Post, Update, Ephemeral, HomeView)):
                parts.append(view_text(r.view))
            elif isinstance(r, OpenForm):
                parts.append(r.title)
            elif isinstance(r, Attachment):
                parts.append(r.content)
        return "\n".join(parts)

    def attachments(self) -> list[Attachment]:
        return [r for r in self.last if isinstance(r, Attachment)]
