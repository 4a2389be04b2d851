"""Read the port a lone Dockerfile exposes (its first EXPOSE)."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass

_DIRECTIVE = re.compile(r"^#\s*escape\s*=\s*([\\`])\s*$", re.IGNORECASE)
_VARIABLE = re.compile(r"\$(?:\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?::-(?P<default>[^}]*))?\}"
                       r"|(?P<bare>[A-Za-z_][A-Za-z0-9_]*))")
_PORT = re.compile(r"^(?P<port>\d+)(?:-\d+)?(?:/(?P<protocol>tcp|udp))?$", re.IGNORECASE)


@dataclass(frozen=True)
class ExposedPort:
    port: int
    protocol: str  # "tcp" or "udp"
    line: int


@dataclass(frozen=True)
class Instruction:
    keyword: str  # upper case
    arguments: str
    line: int  # where the instruction starts


def instructions(text: str) -> list[Instruction]:
    """Logical instructions: continuations joined, comments and blank lines dropped."""
    lines = text.splitlines()
    escape = "\\"
    for raw in lines:  # parser directives live only at the very top
        match = _DIRECTIVE.match(raw.strip())
        if not match:
            break
        escape = match.group(1)
    result: list[Instruction] = []
    pending: list[str] = []
    start = 0
    for number, raw in enumerate(lines, start=1):
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
            continue  # Docker skips these even in the middle of a continuation
        if not pending:
            start = number
        if stripped.endswith(escape):
            pending.append(stripped[:-1])
            continue
        pending.append(stripped)
        result.append(_instruction(" ".join(pending), start))
        pending = []
    if pending:
        result.append(_instruction(" ".join(pending), start))
    return result


def _instruction(logical: str, line: int) -> Instruction:
    keyword, _, arguments = logical.strip().partition(" ")
    return Instruction(keyword.upper(), arguments.strip(), line)


def first_exposed_port(text: str) -> tuple[ExposedPort | None, list[tuple[int, str]]]:
    """The first port EXPOSEd (`EXPOSE 8080 9090` -> 8080), plus (line, warning) notes.

    `$PORT` / `${PORT}` are resolved from earlier ARG and ENV defaults; an EXPOSE that cannot
    be resolved is skipped with a note.
    """
    variables: dict[str, str] = {}
    notes: list[tuple[int, str]] = []
    for instruction in instructions(text):
        if instruction.keyword == "ARG":
            name, has_default, default = instruction.arguments.partition("=")
            if has_default:
                variables.setdefault(name.strip(), _unquote(default))
        elif instruction.keyword == "ENV":
            variables.update(_env_pairs(instruction.arguments))
        elif instruction.keyword == "EXPOSE" and instruction.arguments:
            first = instruction.arguments.split()[0]
            resolved = _substitute(first, variables)
            match = _PORT.match(resolved) if resolved is not None else None
            if match is None:
                notes.append((instruction.line, f"EXPOSE {first} could not be read as a port "
                                                 "(no ARG/ENV default resolves it); skipped"))
                continue
            port = ExposedPort(int(match["port"]), (match["protocol"] or "tcp").lower(),
                               instruction.line)
            return port, notes
    return None, notes


def _unquote(value: str) -> str:
    try:
        parts = shlex.split(value)
    except ValueError:
        return value.strip()
    return parts[0] if parts else ""


def _env_pairs(arguments: str) -> dict[str, str]:
    try:
        words = shlex.split(arguments)
    except ValueError:
        return {}
    if words and "=" not in words[0]:  # legacy form: ENV NAME value with spaces
        return {words[0]: " ".join(words[1:])}
    return dict(word.split("=", 1) for word in words if "=" in word)


def _substitute(word: str, variables: dict[str, str]) -> str | None:
    missing = False

    def replace(match: re.Match) -> str:
        nonlocal missing
        name = match["braced"] or match["bare"]
        if name in variables and variables[name] != "":
            return variables[name]
        if match["default"] is not None:
            return match["default"]
        missing = True
        return ""

    result = _VARIABLE.sub(replace, word)
    return None if missing else result
