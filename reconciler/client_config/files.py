"""Reading and writing client configuration files safely.

An existing file that cannot be parsed is never overwritten: ClientConfigError names it. Writes
are atomic (a temporary file in the same folder, then os.replace), so a reader never sees half a
file, and keep the file's mode.
"""
from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path
from typing import Any

from reconciler.errors import ConfigurationError

_EXPORTS = re.compile(r"(?P<head>.*?\bconst\s+awsmobile\s*=\s*)(?P<body>\{.*\})(?P<tail>\s*;\s*export\s+default\s+awsmobile\s*;?.*)",
                      re.DOTALL)
# The shape the Amplify CLI writes (JSON inside a JS module), so apps and tools read it as usual.
_NEW_EXPORTS = ("/* eslint-disable */\n"
                "// Written by serverless-container-reconciler: its API and sign-in keys are updated, other keys are kept.\n\n"
                "const awsmobile = {body};\n\n\nexport default awsmobile;\n")


class ClientConfigError(ConfigurationError):
    """A client configuration we cannot write: an existing file we cannot read safely (left
    untouched), or APIs that do not fit one file."""


class ExportsModule:
    """aws-exports.js: `const awsmobile = {...}; export default awsmobile;` around a JSON object."""

    def __init__(self, target: Path, text: str | None) -> None:
        if text is None or not text.strip():
            self.head, self.config, self.tail = None, {}, None
            return
        match = _EXPORTS.fullmatch(text)
        if match is None:
            raise ClientConfigError(f"{target}: expected `const awsmobile = {{...}}; export default awsmobile;`; "
                                    "the file was left unchanged")
        self.head, self.config, self.tail = match["head"], parse_json(target, match["body"]), match["tail"]

    def render(self) -> str:
        body = json.dumps(self.config, indent=4)
        if self.head is None:
            return _NEW_EXPORTS.format(body=body)
        return self.head + body + self.tail


def read_text(target: Path) -> str | None:
    if not target.exists():
        return None
    if target.is_dir():
        raise ClientConfigError(f"{target}: is a directory; give the configuration file's path")
    try:
        return target.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ClientConfigError(f"{target}: cannot be read ({error}); the file was left unchanged") from error


def parse_json(target: Path, text: str | None) -> dict[str, Any]:
    if text is None or not text.strip():
        return {}
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        raise ClientConfigError(f"{target}: not valid JSON ({error.msg} at line {error.lineno}, column {error.colno}); "
                                "the file was left unchanged") from error
    if not isinstance(value, dict):
        raise ClientConfigError(f"{target}: expected a JSON object at the top; the file was left unchanged")
    return value


def object_at(target: Path, config: dict[str, Any], *path: str) -> dict[str, Any]:
    """The object at `path`, created when missing; an existing non-object is an error."""
    node = config
    for depth, name in enumerate(path):
        child = node.setdefault(name, {})
        if not isinstance(child, dict):
            where = ".".join(path[: depth + 1])
            raise ClientConfigError(f"{target}: {where} is not an object; the file was left unchanged")
        node = child
    return node


def list_of_objects_at(target: Path, config: dict[str, Any], name: str) -> list[dict[str, Any]]:
    items = config.setdefault(name, [])
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise ClientConfigError(f"{target}: {name} is not a list of objects; the file was left unchanged")
    return items


def atomic_write(target: Path, text: str) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    mode = target.stat().st_mode & 0o777 if target.exists() else 0o644  # mkstemp would make it 0600
    fd, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, mode)
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
