"""Text people typed (or a ticket holds), as the bot may show it in a shared channel.

Domain §9: redaction applies to shared channels too. What an engineer types after ``/rf pilot`` is otherwise seen
by them alone, and answers, facts and ticket summaries are echoed on cards the whole channel reads, so the engine
masks them on display (the stored text is unchanged: the model, notes and exports apply their own redaction).
Redaction fails closed: text that cannot be masked is not shown.
"""

from __future__ import annotations

from bot.notes.redact import redact_or_blank


def shown(text: str) -> str:
    """``text`` with secrets, addresses and the like masked (a placeholder if masking failed)."""
    return redact_or_blank(text).text if text else text
