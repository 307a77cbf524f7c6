"""A YAML loader that remembers the source line of every mapping and every key, and rejects duplicate keys."""

from __future__ import annotations

from typing import Any

import yaml
from yaml.nodes import MappingNode


class LineDict(dict[str, Any]):
    """A mapping that knows its own line and the line of each key (1-based)."""

    line: int = 0
    key_lines: dict[str, int]

    def line_of(self, key: str) -> int:
        """Line of ``key`` if present, else the mapping's own line."""
        return self.key_lines.get(key, self.line)


class DuplicateKey(yaml.YAMLError):
    """The same key appears twice in one mapping."""

    def __init__(self, key: str, line: int) -> None:
        super().__init__(f"key {key!r} appears twice in the same mapping")
        self.key = key
        self.line = line


class LineLoader(yaml.SafeLoader):
    """SafeLoader whose mappings are ``LineDict``s."""


def _construct_mapping(loader: LineLoader, node: MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    result = LineDict()
    result.line = node.start_mark.line + 1
    result.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        key = str(key)
        if key in result:
            raise DuplicateKey(key, key_node.start_mark.line + 1)
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[key] = key_node.start_mark.line + 1
    return result


LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load(text: str) -> Any:
    """Parse YAML text into plain values with ``LineDict`` mappings."""
    return yaml.load(text, Loader=LineLoader)
