"""Values shared by compose service keys: scalars, `K=V` lists and the container environment."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from specs.compose_dotenv import DotenvError, parse_dotenv
from specs.compose_project import ComposeDocument
from specs.errors import Problems, SpecError
from specs.limits import read_text
from specs.source_files import OPT_IN, env_file_allowed, outside_message
from specs.yaml_source import Path

# Docker and ECS take any variable name without '=' (`discovery.type`, `lower-case`).
ENV_NAME = re.compile(r"^[^=\x00]+$")


@dataclass
class ComposeContext:
    """What reading a service needs: the files (for positions), the folder and .env values."""

    document: ComposeDocument
    source_dir: str
    variables: dict[str, str]
    problems: Problems
    shown: Callable[[str], str] = os.path.relpath  # a file's name in messages
    env_file_opt_ins: tuple[str, ...] = ()  # spec.envFilesOutsideSource, absolute

    def error(self, at: Path, message: str) -> None:
        self.problems.add(self.document.error(at, message))

    def warn(self, at: Path, message: str) -> None:
        self.problems.warn(self.document.warning(at, message))


def scalar_text(value: Any, at: Path, ctx: ComposeContext) -> str | None:
    """A YAML scalar as Compose writes it into a string (Go's formatting: 1e3 is "1000")."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e21 else repr(value)
    if isinstance(value, (str, int)):
        return str(value)
    ctx.error(at, "must be a string")
    return None


def key_values(raw: Any, at: Path, ctx: ComposeContext, what: str) -> dict[str, str]:
    """`K=V` lists or mappings; a bare `K` (or null) takes its value from .env."""
    pairs: list[tuple[str, Any, Path]] = []
    if raw is None:
        return {}
    if isinstance(raw, dict):
        pairs = [(str(k), v, at + (k,)) for k, v in raw.items()]
    elif isinstance(raw, list):
        for index, item in enumerate(raw):
            if not isinstance(item, str):
                ctx.error(at + (index,), "must be a string 'NAME=value'")
                continue
            name, has_value, value = item.partition("=")
            pairs.append((name, value if has_value else None, at + (index,)))
    else:
        ctx.error(at, "must be a list of 'NAME=value' or a mapping")
        return {}
    result: dict[str, str] = {}
    for name, value, where in pairs:
        if value is None:
            if name in ctx.variables:
                result[name] = ctx.variables[name]
            else:
                ctx.warn(where, f"{what} '{name}' has no value and is not set in .env; dropped")
            continue
        text = scalar_text(value, where, ctx)
        if text is not None:
            result[name] = text
    return result


def read_environment(
    raw: dict, service_at: Path, ctx: ComposeContext, label: str
) -> tuple[dict[str, str], dict[str, Path]]:
    # Compose order: env_file entries in order (later files win), then `environment` wins.
    # Env files are read in Compose's dialect; `${VAR}` in them sees earlier files, then .env.
    merged: dict[str, str] = {}
    env_at: dict[str, Path] = {}
    for path, where in _env_files(raw.get("env_file"), service_at + ("env_file",), ctx):
        try:
            values = parse_dotenv(read_text(path, "env file", ctx.shown(path)), {**ctx.variables, **merged})
        except DotenvError as problem:
            ctx.problems.add(SpecError(ctx.shown(path), problem.line, None, "", str(problem)))
            continue
        except SpecError as problem:  # too large, binary, not UTF-8, ...
            ctx.problems.add(problem)
            continue
        for name, value in values.items():
            merged[name] = value
            env_at[name] = where
    at = service_at + ("environment",)
    explicit = key_values(raw.get("environment"), at, ctx, f"{label}: environment variable")
    for name, value in explicit.items():
        merged[name] = value
        env_at[name] = _entry_path(raw.get("environment"), at, name)
    for name in merged:
        if not ENV_NAME.match(name):
            ctx.error(env_at[name], f"environment variable name {name!r} is not valid")
    return merged, env_at


def _entry_path(raw: Any, at: Path, name: str) -> Path:
    if isinstance(raw, list):
        for index, item in enumerate(raw):
            if isinstance(item, str) and item.partition("=")[0] == name:
                return at + (index,)
    return at + (name,)


def _env_files(raw: Any, at: Path, ctx: ComposeContext) -> list[tuple[str, Path]]:
    if raw is None:
        return []
    entries = raw if isinstance(raw, list) else [raw]
    found: list[tuple[str, Path]] = []
    for index, entry in enumerate(entries):
        where = at + (index,) if isinstance(raw, list) else at
        required = True
        if isinstance(entry, dict):
            required = entry.get("required", True) is not False
            entry = entry.get("path")
        if not isinstance(entry, str):
            ctx.error(where, "must be a path, or a mapping with 'path' and 'required'")
            continue
        path = os.path.join(ctx.source_dir, entry)
        if not env_file_allowed(path, ctx.source_dir, ctx.env_file_opt_ins):
            ctx.error(where, outside_message("env_file", entry, ctx.source_dir, OPT_IN))
        elif os.path.isfile(path):
            found.append((path, where))
        elif required:
            ctx.error(where, f"env_file {entry!r} does not exist (set 'required: false' "
                             "to make it optional)")
    return found
