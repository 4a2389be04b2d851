"""YAML 1.2 loading that remembers where every key and item was written.

Docker Compose v2 reads YAML 1.2 (go-yaml v3): `25:25` is a string, not base-60, and
`yes`/`no`/`on`/`off` are strings. PyYAML speaks YAML 1.1, so we swap its implicit resolvers
for the 1.2 core schema. Spec files use the same loader so both files read alike
(`adopt: yes` is then a string the model refuses, instead of a silent true).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from specs.errors import SpecError, format_field

Path = tuple[str | int, ...]
Position = tuple[int, int]


class Yaml12Loader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 core-schema scalars; keeps `<<` merge keys and node marks."""

    yaml_implicit_resolvers: dict = {}


_CORE_SCALARS = [
    ("tag:yaml.org,2002:bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    ("tag:yaml.org,2002:null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
    ("tag:yaml.org,2002:int", r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$", "-+0123456789"),
    (
        "tag:yaml.org,2002:float",
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
        "-+0123456789.",
    ),
    ("tag:yaml.org,2002:merge", r"^(?:<<)$", "<"),
]
for _tag, _pattern, _first in _CORE_SCALARS:
    Yaml12Loader.add_implicit_resolver(_tag, re.compile(_pattern), list(_first))


def _construct_core_int(loader: yaml.SafeLoader, node: ScalarNode) -> int:
    # PyYAML would read `012` as octal and `0o17` badly; YAML 1.2 core says decimal / 0o / 0x.
    text = loader.construct_scalar(node)
    if text.startswith("0o"):
        return int(text[2:], 8)
    if text.startswith("0x"):
        return int(text[2:], 16)
    return int(text, 10)


Yaml12Loader.add_constructor("tag:yaml.org,2002:int", _construct_core_int)


@dataclass(frozen=True)
class YamlDocument:
    """One document's data plus the 1-based (line, column) of every key and list item."""

    path: str
    index: int
    data: Any
    line: int
    positions: Mapping[Path, Position] = field(default_factory=dict, repr=False)

    def locate(self, parts: Path) -> Position | None:
        """Position of `parts`, or of its nearest ancestor that was written down."""
        parts = tuple(parts)
        while True:
            if parts in self.positions:
                return self.positions[parts]
            if not parts:
                return None
            parts = parts[:-1]

    def error(self, parts: Path, message: str) -> SpecError:
        line, column = self.locate(parts) or (None, None)
        return SpecError(self.path, line, column, format_field(parts), message)

    def warning(self, parts: Path, message: str) -> str:
        position = self.locate(parts)
        where = f"{self.path}:{position[0]}:{position[1]}" if position else self.path
        return f"{where}: {message}"


def load_yaml_documents(
    text: str, path: str, loader_class: type[Yaml12Loader] | None = None
) -> list[YamlDocument]:
    """Every non-empty document in `text`; raises SpecError on YAML syntax problems.

    `loader_class` lets compose files add Compose's own tags (`!reset`, `!override`).
    """
    loader = (loader_class or Yaml12Loader)(text)
    documents: list[YamlDocument] = []
    try:
        index = 0
        while loader.check_node():
            node = loader.get_node()
            _check_duplicate_keys(node, path, loader)
            data = loader.construct_document(node)
            if data is not None:
                positions: dict[Path, Position] = {}
                _record_positions(loader, node, (), positions, set())
                positions[()] = _position(node)
                line = node.start_mark.line + 1
                documents.append(YamlDocument(path, index, data, line, positions))
            index += 1
    except yaml.MarkedYAMLError as problem:
        raise _syntax_error(problem, path) from None
    except yaml.YAMLError as problem:
        raise SpecError(path, message=f"YAML error: {problem}") from None
    finally:
        loader.dispose()
    return documents


def _position(node: Node) -> Position:
    return node.start_mark.line + 1, node.start_mark.column + 1


def _syntax_error(problem: yaml.MarkedYAMLError, path: str) -> SpecError:
    mark = problem.problem_mark or problem.context_mark
    words = [w for w in (problem.context, problem.problem) if w]
    message = "YAML syntax error: " + (", ".join(words) if words else "could not parse")
    if mark is None:
        return SpecError(path, message=message)
    return SpecError(path, mark.line + 1, mark.column + 1, message=message)


def _scalar_key(loader: yaml.SafeLoader, node: Node) -> Any:
    if isinstance(node, ScalarNode):
        return loader.construct_object(node)
    return None


def _check_duplicate_keys(node: Node, path: str, loader: yaml.SafeLoader) -> None:
    # YAML 1.2 (and Compose) refuse duplicate keys; PyYAML would silently keep the last one.
    stack: list[Node] = [node]
    seen_nodes: set[int] = set()
    while stack:
        current = stack.pop()
        if id(current) in seen_nodes:
            continue
        seen_nodes.add(id(current))
        if isinstance(current, MappingNode):
            keys: set[Any] = set()
            for key_node, value_node in current.value:
                stack.append(value_node)
                is_merge = key_node.tag == "tag:yaml.org,2002:merge"
                if is_merge or not isinstance(key_node, ScalarNode):
                    continue
                key = (key_node.tag, key_node.value)
                if key in keys:
                    line, column = _position(key_node)
                    message = f"duplicate key '{key_node.value}'"
                    raise SpecError(path, line, column, message=message)
                keys.add(key)
        elif isinstance(current, SequenceNode):
            stack.extend(current.value)


def _record_positions(
    loader: yaml.SafeLoader, node: Node, parts: Path, out: dict[Path, Position], active: set[int]
) -> None:
    if id(node) in active:  # a recursive alias: stop instead of looping forever
        return
    active.add(id(node))
    if isinstance(node, MappingNode):
        # Merge keys were already flattened in place by construction: merged entries come
        # first and point at the anchor they came from; later (own) entries win, as in the data.
        for key_node, value_node in node.value:
            child = parts + (_scalar_key(loader, key_node),)
            out[child] = _position(key_node)
            _record_positions(loader, value_node, child, out, active)
    elif isinstance(node, SequenceNode):
        for index, item in enumerate(node.value):
            child = parts + (index,)
            out[child] = _position(item)
            _record_positions(loader, item, child, out, active)
    active.discard(id(node))
