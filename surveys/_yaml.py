"""YAML for the deployable files (surveys, bot wording): safe, and strict about repeats."""

from __future__ import annotations

from typing import Any

import yaml


class StrictLoader(yaml.SafeLoader):
    """A safe YAML loader that refuses a key given twice in one mapping.

    Plain YAML keeps the last of two ``text:`` keys without a word, so an edit would vanish.
    """

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if isinstance(key, str | int | float | bool) and key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"the key {key!r} appears twice in one place", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)
