"""YAML 1.2 loading that remembers where every key and item was written.

Docker Compose v2 reads YAML 1.2 (go-yaml v3): `25:25` is a string, not base-60, and
`yes`/`no`/`on`/`off` are strings. PyYAML speaks YAML 1.1, so we swap its implicit resolvers
for the 1.2 core schema. Spec files use the same loader so both files read alike
(`adopt: yes` is then a string the model refuses, instead of a silent true).
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.composer import Composer
from yaml.constructor import SafeConstructor
from yaml.events import AliasEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.resolver import Resolver

from specs import limits
from specs.errors import SpecError, format_field

Path = tuple[str | int, ...]
Position = tuple[int, int]

if yaml.__with_libyaml__:
    from yaml.cyaml import CParser

    class _SafeLoader(Composer, CParser, SafeConstructor, Resolver):  # type: ignore[misc]
        """libyaml scans and parses (3-4x faster than PyYAML's Python parser); composing stays
        in Python so the limits below can watch every node."""

        def __init__(self, stream: str) -> None:
            CParser.__init__(self, stream)
            Composer.__init__(self)
            SafeConstructor.__init__(self)
            Resolver.__init__(self)
else:  # pragma: no cover - PyYAML wheels ship libyaml
    _SafeLoader = yaml.SafeLoader  # type: ignore[misc]


class _Refused(Exception):
    """A limit was hit while composing; becomes a LimitExceeded at the node's position."""

    def __init__(self, mark: Any, message: str) -> None:
        super().__init__(message)
        self.mark = mark
        self.message = message


class Yaml12Loader(_SafeLoader):
    """SafeLoader with YAML 1.2 core-schema scalars; keeps `<<` merge keys and node marks.

    Composing is bounded (specs/limits.py): nesting depth, wall time, and the number of nodes
    the file expands to once every alias is replaced by what its anchor holds. That number is
    what every later reader of the data walks, so a "billion laughs" (aliases of aliases, used
    or not) is refused at its line before anything expands it. Recursive aliases are refused
    too, as Docker Compose (go-yaml v3) does.
    """

    yaml_implicit_resolvers: dict = {}

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._expanded: dict[int, int] = {}  # id(node) -> nodes it expands to (this document)
        self._expanded_before = 0  # earlier documents of the stream
        self._composed = 0
        self._depth = 0
        self._deadline = time.monotonic() + limits.YAML_SECONDS

    def compose_document(self) -> Node:
        self._expanded = {}
        node = super().compose_document()
        self._expanded_before += self._expanded[id(node)]
        return node

    def compose_node(self, parent: Node | None, index: Any) -> Node:
        event = self.peek_event()
        self._depth += 1
        try:
            if self._depth > limits.YAML_DEPTH:
                raise _Refused(event.start_mark, f"nesting is deeper than {limits.YAML_DEPTH} levels (the limit)")
            if time.monotonic() > self._deadline:
                raise _Refused(event.start_mark, f"reading took longer than {limits.YAML_SECONDS:g} s (the limit)")
            node = super().compose_node(parent, index)
        finally:
            self._depth -= 1
        size = self._expanded.get(id(node))
        if size is None:
            if isinstance(event, AliasEvent):
                raise _Refused(event.start_mark, f"alias '*{event.anchor}' is used inside its own anchor "
                                                 "(recursive aliases are not allowed)")
            self._composed += 1
            size = 1 + sum(self._expanded[id(child)] for child in _children(node))
            self._expanded[id(node)] = size
        if max(self._composed, self._expanded_before + size) > limits.YAML_NODES:
            raise _Refused(event.start_mark, f"the YAML expands to more than {limits.YAML_NODES:,} nodes "
                                             "(the limit); each use of an alias (*name) repeats all "
                                             "that its anchor holds")
        return node


def _children(node: Node) -> list[Node]:
    if isinstance(node, MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, SequenceNode):
        return list(node.value)
    return []


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
    except _Refused as refused:
        line, column = refused.mark.line + 1, refused.mark.column + 1
        raise limits.LimitExceeded(path, line, column, message=refused.message) from None
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
