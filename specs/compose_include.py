"""Compose's top-level `include`: other compose applications read on their own, then added.

Each included file is read with its own project folder (its directory, or
`project_directory`) and its own `.env` (or `env_file`), under the including project's
variables, which win. Its relative paths are then made relative to our source folder, and
its services and secrets are added; a name defined on both sides is an error, as in Compose.
"""

from __future__ import annotations

import os
from typing import Any

from specs.compose_dotenv import DotenvError, parse_dotenv
from specs.compose_merge import Positions, graft, subtree
from specs.compose_normalize import rebased
from specs.errors import SpecError
from specs.limits import read_text


def merge_includes(reader: Any, path: str, data: dict, positions: Positions,
                   document: Any) -> tuple[dict, Positions]:
    """`data` (one file, already interpolated) with its `include` entries read and added."""
    entries = data.get("include")
    if entries is None:
        return data, positions
    if not isinstance(entries, list):
        reader.problems.add(document.error(("include",), "must be a list of files"))
        return data, positions
    data = {**data, "services": dict(data.get("services") or {}),
            "secrets": dict(data.get("secrets") or {})}
    here = os.path.dirname(path)
    for index, entry in enumerate(entries):
        at = ("include", index)
        if isinstance(entry, str):
            entry = {"path": entry}
        paths = entry.get("path") if isinstance(entry, dict) else None
        paths = [paths] if isinstance(paths, str) else paths
        if not isinstance(paths, list) or not paths or not all(isinstance(p, str) for p in paths):
            reader.problems.add(document.error(at, "must be a path or a mapping with 'path'"))
            continue
        files = [os.path.normpath(os.path.join(here, p)) for p in paths]
        project_dir = os.path.normpath(os.path.join(here, entry["project_directory"])) \
            if entry.get("project_directory") else os.path.dirname(files[0])
        variables = _variables(reader, entry, here, project_dir, document, at)
        nested = type(reader)(project_dir, variables, reader.shown, reader.problems)
        included = nested.read(files, (), whole=False)
        if included is None:
            continue
        for kind in ("services", "secrets"):
            for name, value in (included.data.get(kind) or {}).items():
                if name in data[kind]:
                    reader.problems.add(document.error((kind, name), f"{kind[:-1]} '{name}' is "
                                        f"also defined in {reader.shown(files[0])}, which is "
                                        "included: rename one of them"))
                    continue
                if kind == "services" and isinstance(value, dict):
                    value = rebased(value, project_dir, reader.project_dir)
                elif isinstance(value, dict) and isinstance(value.get("file"), str):
                    value = {**value, "file": os.path.relpath(
                        os.path.join(project_dir, value["file"]), reader.project_dir)}
                data[kind][name] = value
                inner = subtree(subtree(included.document.positions, kind), name)
                positions = {**positions, **graft(kind, graft(name, inner))}
    return data, positions


def _variables(reader: Any, entry: dict, here: str, project_dir: str, document: Any,
               at: tuple) -> dict[str, str]:
    """The included project's .env (or env_file), under the including project's variables."""
    env_files = entry.get("env_file")
    env_files = [env_files] if isinstance(env_files, str) else env_files
    if env_files:
        paths = [os.path.join(here, name) for name in env_files]
    else:
        paths = [p for p in [os.path.join(project_dir, ".env")] if os.path.isfile(p)]
    found: dict[str, str] = {}
    for path in paths:
        try:
            found.update(parse_dotenv(read_text(path, "env file", reader.shown(path)), found))
        except DotenvError as problem:
            reader.problems.add(SpecError(reader.shown(path), problem.line, None, "",
                                          str(problem)))
        except SpecError as problem:  # missing, too large, binary, ... (specs/limits.py)
            reader.problems.add(document.error(at + ("env_file",), f"cannot read "
                                               f"{reader.shown(path)}: {problem.message}"))
    return {**found, **reader.variables}
