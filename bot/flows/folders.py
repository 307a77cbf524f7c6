"""Library folders: team-defined paths such as ``network/vpn`` that group flows for browsing.

A flow names its folder in its YAML (``folder: network/vpn``), so moving a flow is an edit that makes a new
version, like any other change; the folder tree is whatever the team's flows name. Pure standard library.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from bot.flows.model import Flow

MAX_DEPTH = 4
MAX_CHARS = 80
_PART = re.compile(r"^[a-z0-9][a-z0-9 _.-]*$")
BAD_FOLDER = (
    "folder {folder!r} isn't a path I can use: lower-case names of letters, digits, '-', '_' or '.', separated by "
    "'/', at most {depth} deep (e.g. 'network/vpn')"
)


def normalise_folder(raw: str) -> tuple[str, str]:
    """``(folder, problem)``: the folder lower-cased without stray spaces and slashes, and "" or why it is bad."""
    parts = [" ".join(p.split()) for p in raw.strip().lower().split("/")]
    parts = [p for p in parts if p]
    folder = "/".join(parts)
    if not folder:
        return "", ""
    if len(parts) > MAX_DEPTH or len(folder) > MAX_CHARS or not all(_PART.match(p) for p in parts):
        return "", BAD_FOLDER.format(folder=raw.strip(), depth=MAX_DEPTH)
    return folder, ""


def in_folder(flow: Flow, folder: str) -> bool:
    """The flow sits in ``folder`` or below it (``"network"`` holds ``"network/vpn"``); "" holds everything."""
    return not folder or flow.folder == folder or flow.folder.startswith(folder + "/")


def folder_counts(flows: Iterable[Flow]) -> dict[str, int]:
    """Every folder with the number of flows in it or below it, by path (parents included)."""
    counts: Counter[str] = Counter()
    for flow in flows:
        parts = flow.folder.split("/") if flow.folder else []
        for depth in range(1, len(parts) + 1):
            counts["/".join(parts[:depth])] += 1
    return dict(sorted(counts.items()))


def children(counts: dict[str, int], folder: str) -> dict[str, int]:
    """The folders directly under ``folder`` ("" = the top level), with their counts."""
    depth = folder.count("/") + 1 if folder else 0
    prefix = folder + "/" if folder else ""
    return {f: n for f, n in counts.items() if f.startswith(prefix) and f.count("/") == depth}
