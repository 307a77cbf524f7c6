"""Reading Block Kit the way a person does: the buttons and selects of a message, found by their label."""

from __future__ import annotations

from typing import Any, TypedDict


class ButtonRef(TypedDict):
    """An interactive element found in a message's blocks."""

    action_id: str
    block_id: str
    type: str
    value: str
    text: str
    options: list[dict[str, Any]]


def _label(obj: Any) -> str:
    return str(obj.get("text", "")) if isinstance(obj, dict) else str(obj or "")


def buttons_in(blocks: list[dict[str, Any]] | None) -> list[ButtonRef]:
    """Flatten the buttons and selects of ``actions`` blocks (and section accessories), in order."""
    found: list[ButtonRef] = []
    for block in blocks or []:
        elements = block.get("elements", []) if block.get("type") == "actions" else [block.get("accessory") or {}]
        for el in elements:
            if el.get("type") == "button" or str(el.get("type", "")).endswith("select"):
                label = _label(el.get("text") or el.get("placeholder"))
                ref = ButtonRef(
                    action_id=el.get("action_id", ""),
                    block_id=block.get("block_id", ""),
                    type=el["type"],
                    value=el.get("value", ""),
                    text=label,
                    options=list(el.get("options", [])),
                )
                found.append(ref)
    return found


def find_button(blocks: list[dict[str, Any]] | None, label_prefix: str) -> ButtonRef:
    """The first element whose label starts with ``label_prefix``; fails the test listing the labels otherwise."""
    refs = buttons_in(blocks)
    for ref in refs:
        if ref["text"].startswith(label_prefix):
            return ref
    raise AssertionError(f"no button starting with {label_prefix!r}; have {[r['text'] for r in refs]}")
