"""The static system prompt: FlowPilot's persona and guardrails plus one instruction block per purpose.

The texts live in ``prompts/*.md`` (package data). Every block is built only from those files (and, for flow
drafting, two bundled sample flows), so it is byte-identical across calls, sessions and teams: the last block
carries the prompt-cache breakpoint. Nothing session-specific belongs here; that is ``bot.pilot.context``.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

from bot.engine.copilot import DocKind, Purpose
from bot.flows.loader import bundled_samples_dir

Json = dict[str, Any]
CACHE: Json = {"type": "ephemeral"}
FLOW_EXAMPLES = ("printer-offline.yaml", "new-user-onboarding.yaml")


@cache
def text(name: str) -> str:
    """The text of ``prompts/<name>.md``."""
    return resources.files("bot.pilot").joinpath("prompts", f"{name}.md").read_text(encoding="utf-8").strip()


@cache
def _flow_examples() -> str:
    parts = []
    for name in FLOW_EXAMPLES:
        sample = (bundled_samples_dir() / name).read_text(encoding="utf-8").strip()
        parts.append(f"Example ({name}):\n{sample}")
    return "\n\n".join(parts)


def _names(purpose: Purpose, kind: DocKind | None) -> tuple[str, ...]:
    if purpose is Purpose.DOCUMENT:
        return ("persona", f"document_{(kind or DocKind.RESOLUTION).value}")
    return ("persona", purpose.value)


def system(purpose: Purpose, kind: DocKind | None = None) -> list[Json]:
    """The system text blocks for ``purpose`` (``kind`` picks the document), the last one marked for caching."""
    texts = [text(name) for name in _names(purpose, kind)]
    if purpose is Purpose.FLOW:
        texts[-1] = f"{texts[-1]}\n\n{_flow_examples()}"
    blocks: list[Json] = [{"type": "text", "text": t} for t in texts]
    blocks[-1]["cache_control"] = dict(CACHE)
    return blocks


def flywheel() -> list[Json]:
    """The system blocks for drafting a flow from the knowledge flywheel's evidence: the persona, the flow format with
    its examples, then ``prompts/flywheel.md``; the last block marked for caching (identical for every team)."""
    texts = [text("persona"), f"{text('flow')}\n\n{_flow_examples()}", text("flywheel")]
    blocks: list[Json] = [{"type": "text", "text": t} for t in texts]
    blocks[-1]["cache_control"] = dict(CACHE)
    return blocks
