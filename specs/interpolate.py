"""Compose-style `${VAR}` interpolation of string values.

Variables come only from the source folder's `.env` file, never from the reconciler's own
process environment: the same spec and source must translate the same way on every machine
and in CI, whatever happens to be exported in the shell that runs the reconciler.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_OPERATORS = (":-", ":?", ":+", "-", "?", "+")


class InterpolationError(ValueError):
    """A `${VAR:?message}` whose variable is missing, or a malformed `${...}`."""


class Interpolator:
    """Expands strings against `variables`; remembers which unset variables were used."""

    def __init__(self, variables: Mapping[str, str]) -> None:
        # Read, never written: kept as given, so a view over a file being read (a ChainMap of
        # the variables known before it and its own earlier lines) costs no copy per value.
        self.variables = variables
        self.unset_used: list[str] = []

    def expand(self, text: str) -> str:
        out: list[str] = []
        index = 0
        while index < len(text):
            char = text[index]
            if char != "$":
                out.append(char)
                index += 1
                continue
            following = text[index + 1 : index + 2]
            if following == "$":  # `$$` is a literal dollar sign
                out.append("$")
                index += 2
            elif following == "{":
                end = _closing_brace(text, index + 1)
                out.append(self._braced(text[index + 2 : end]))
                index = end + 1
            elif (name := _NAME.match(text, index + 1)) is not None:
                out.append(self._value(name.group()))
                index = name.end()
            else:  # `5$`, `$1`, `$(date)`: not a variable, and Compose leaves it as written
                out.append(char)
                index += 1
        return "".join(out)

    def _braced(self, inner: str) -> str:
        name_match = _NAME.match(inner)
        if name_match is None:
            raise InterpolationError(
                f"invalid interpolation '${{{inner}}}': expected a variable name"
            )
        name, rest = name_match.group(), inner[name_match.end() :]
        if not rest:
            return self._value(name)
        operator = next((op for op in _OPERATORS if rest.startswith(op)), None)
        if operator is None:
            raise InterpolationError(f"invalid interpolation '${{{inner}}}'")
        word = rest[len(operator) :]
        value = self.variables.get(name)
        # With ':' an empty value counts as unset, as in the shell and in Compose.
        missing = value is None or (operator.startswith(":") and value == "")
        if operator.endswith("-"):
            return self.expand(word) if missing else value
        if operator.endswith("+"):
            return "" if missing else self.expand(word)
        if missing:
            detail = self.expand(word) if word else "it is not set in .env"
            raise InterpolationError(f"required variable '{name}' is missing a value: {detail}")
        return value

    def _value(self, name: str) -> str:
        if name in self.variables:
            return self.variables[name]
        if name not in self.unset_used:
            self.unset_used.append(name)
        return ""


def _closing_brace(text: str, opening: int) -> int:
    depth = 0
    for index in range(opening, len(text)):
        if text[index] == "{":
            depth += 1
        elif text[index] == "}":
            depth -= 1
            if depth == 0:
                return index
    raise InterpolationError(f"unclosed '${{' in {text!r}")


def interpolate_tree(
    data: Any, interpolator: Interpolator, on_error, path: tuple = ()
) -> tuple[Any, dict[str, tuple]]:
    """Copy of `data` with every string value expanded (keys are left alone, as Compose does).

    Returns the copy and, for each unset variable used, the path where it was first used.
    `on_error(path, message)` is called for each bad value, which is then kept unexpanded.
    """
    first_use: dict[str, tuple] = {}

    def walk(node: Any, at: tuple) -> Any:
        if isinstance(node, dict):  # type(node) keeps a tagged mapping (`!override`) tagged
            return type(node)({key: walk(value, at + (key,)) for key, value in node.items()})
        if isinstance(node, list):
            return type(node)([walk(item, at + (index,)) for index, item in enumerate(node)])
        if not isinstance(node, str) or "$" not in node:
            return node
        before = len(interpolator.unset_used)
        try:
            expanded = interpolator.expand(node)
        except InterpolationError as problem:
            on_error(at, str(problem))
            return node
        for name in interpolator.unset_used[before:]:
            first_use.setdefault(name, at)
        return expanded

    return walk(data, path), first_use
