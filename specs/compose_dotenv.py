"""`.env` and `env_file` files read the way Docker Compose v2 reads them.

Compose's dialect differs from python-dotenv's: `${VAR}` is expanded in unquoted and
double-quoted values (single quotes stay literal), a `#` starts a comment only after a space,
`export ` is dropped, `KEY: value` works as `KEY=value`, quoted values may span lines, and a
bare `KEY` line takes its value from the variables already known (or is left out).

Variables are looked up in `known` (earlier files, the source folder's `.env`) first, then in
the file's own earlier lines, which is the order Compose uses.
"""

from __future__ import annotations

import re
from collections import ChainMap
from collections.abc import Mapping

from specs.interpolate import InterpolationError, Interpolator
from specs.limits import BoundedInterpolator, LimitExceeded

_KEY_CHARS = re.compile(r"[\w.]", re.UNICODE)
_SPACE = " \t\v\f\r\x85\xa0"
_ESCAPE = re.compile(r"\\(?:[abfnrtv$\"\\]|0[0-7]{0,3})")
_SIMPLE_ESCAPES = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t",
                   "v": "\v"}


class DotenvError(ValueError):
    """A line Compose would refuse; `line` is 1-based."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line


def parse_dotenv(text: str, known: Mapping[str, str] | None = None) -> dict[str, str]:
    """Variables defined by `text`, in file order. Raises DotenvError."""
    known = known or {}
    out: dict[str, str] = {}
    # What the reader knew before this file wins over the file's own earlier lines; one bounded
    # interpolator for the whole file (`B=${A}${A}`, `C=${B}${B}`... doubles at every line).
    interpolator = BoundedInterpolator(ChainMap(known, out), "")  # type: ignore[arg-type]
    position = 0
    line, counted = 1, 0  # lines counted as we go: counting from the start each time is quadratic
    while True:
        position = _statement_start(text, position)
        if position is None:
            return out
        line, counted = line + text.count("\n", counted, position), position
        key, position, inherited = _key(text, position, line)
        if inherited:
            if key in known:
                out[key] = known[key]
            continue
        value, position = _value(text, position, line, interpolator)
        out[key] = value


def _statement_start(text: str, position: int) -> int | None:
    while True:
        while position < len(text) and text[position].isspace():
            position += 1
        if position >= len(text):
            return None
        if text[position] != "#":
            return position
        newline = text.find("\n", position)
        if newline < 0:
            return None
        position = newline


def _key(text: str, position: int, line: int) -> tuple[str, int, bool]:
    if text.startswith("export", position) and position + 6 < len(text) \
            and text[position + 6] in _SPACE:
        position += 6
        while position < len(text) and text[position] in _SPACE:
            position += 1
    start = position
    while position < len(text):
        char = text[position]
        if char in "=:\n":
            key = text[start:position].rstrip()
            if not key:
                raise DotenvError(line, f"a line starts with {char!r} instead of a name")
            if " " in key or "\t" in key:
                raise DotenvError(line, f"variable name {key!r} cannot contain a space")
            inherited = char == "\n"
            position += 1
            while not inherited and position < len(text) and text[position] in _SPACE:
                position += 1
            return key, position, inherited
        if char not in _SPACE and not _KEY_CHARS.match(char):
            raise DotenvError(line, f"unexpected character {char!r} in variable name "
                                    f"{text[start:position + 1]!r}")
        position += 1
    key = text[start:].rstrip()  # a bare name on the last line, without a newline
    return key, len(text), True


def _value(text: str, position: int, line: int, interpolator: Interpolator) -> tuple[str, int]:
    quote = text[position] if position < len(text) and text[position] in "'\"" else None
    if quote is None:
        end = text.find("\n", position)
        end = len(text) if end < 0 else end
        raw = text[position:end].split(" #", 1)[0].rstrip()
        return _expand(raw, line, interpolator), end
    chars: list[str] = []
    escaped = False
    index = position + 1
    while index < len(text):
        char = text[index]
        if char == quote and not escaped:
            value = "".join(chars)
            if quote == '"':
                value = _expand(_unescape(value), line, interpolator)
            return value, index + 1
        if escaped:  # an escaped quote is the quote itself; other escapes are read below
            escaped = False
            chars.append(char if char == quote else "\\" + char)
        elif char == "\\":
            escaped = True
        else:
            chars.append(char)
        index += 1
    raise DotenvError(line, f"unterminated quoted value {text[position:].splitlines()[0]}")


def _unescape(value: str) -> str:
    def replace(match: re.Match) -> str:
        body = match.group()[1:]
        if body == "$":  # `\$` is a literal dollar: Compose's interpolation spells it `$$`
            return "$$"
        if body[0] == "0":
            return chr(int(body, 8))
        if body in ("\\", '"'):
            return body
        return _SIMPLE_ESCAPES.get(body, match.group())

    return _ESCAPE.sub(replace, value)


def _expand(value: str, line: int, interpolator: Interpolator) -> str:
    if "$" not in value:
        return value
    try:
        return interpolator.expand(value)
    except InterpolationError as problem:
        raise DotenvError(line, str(problem)) from None
    except LimitExceeded as problem:
        raise DotenvError(line, problem.message) from None
