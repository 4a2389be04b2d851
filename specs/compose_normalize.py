"""Compose's short forms in their long form, and its type conversions after interpolation.

Merging (`-f a -f b`, `extends`) works on the long form: `environment: [A=1]` becomes
`{A: "1"}`, `depends_on: [db]` becomes `{db: {condition: service_started}}`, and each entry's
position moves with it so errors keep their line.
"""

from __future__ import annotations

import os
from typing import Any

from specs.compose_merge import OverrideDict, Positions, graft, is_override, subtree, without
from specs.yaml_source import Path

# Relative to a service: values Compose converts after interpolation (`replicas: ${N:-1}`).
_INTEGERS = {("deploy", "replicas"), ("scale",), ("healthcheck", "retries"), ("ports", "*", "target")}
_BOOLEANS = {("healthcheck", "disable"), ("depends_on", "*", "required"),
             ("depends_on", "*", "restart"), ("env_file", "*", "required")}
_TRUE, _FALSE = {"y", "yes", "true", "on"}, {"n", "no", "false", "off"}


def cast_types(node: Any, path: Path = ()) -> None:
    """Compose's type conversions after interpolation, in place."""
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, value in list(items):
        child = path + ("*" if isinstance(node, list) or path[-1:] == ("depends_on",) else key,)
        if isinstance(value, str) and child in _INTEGERS and value.strip().lstrip("-").isdigit():
            node[key] = int(value)
        elif isinstance(value, str) and child in _BOOLEANS and value.lower() in _TRUE | _FALSE:
            node[key] = value.lower() in _TRUE
        elif isinstance(value, (dict, list)):
            cast_types(value, child)


def normalized(service: dict, at: Positions) -> tuple[dict, Positions]:
    """Short forms in the long form Compose merges: lists of K=V as mappings and so on."""
    service = dict(service)
    if isinstance(service.get("build"), str):
        service["build"] = {"context": service["build"]}
        if ("build",) in at:
            at = {**at, ("build", "context"): at[("build",)]}
    if isinstance(service.get("extends"), str):
        service["extends"] = {"service": service["extends"]}
    if isinstance(service.get("env_file"), str):
        service["env_file"] = [service["env_file"]]
        if ("env_file",) in at:
            at = {**at, ("env_file", 0): at[("env_file",)]}
    if _strings(service.get("environment")):
        service["environment"], inner = _as_mapping(service["environment"],
                                                    subtree(at, "environment"), _pair)
        at = {**without(at, "environment"), **graft("environment", inner)}
    if _strings(service.get("depends_on")):
        service["depends_on"], inner = _as_mapping(service["depends_on"],
                                                   subtree(at, "depends_on"), _started)
        at = {**without(at, "depends_on"), **graft("depends_on", inner)}
    build = service.get("build")
    if isinstance(build, dict) and _strings(build.get("args")):
        build_at = subtree(at, "build")
        args, inner = _as_mapping(build["args"], subtree(build_at, "args"), _pair)
        service["build"] = {**build, "args": args}
        build_at = {**without(build_at, "args"), **graft("args", inner)}
        at = {**without(at, "build"), **graft("build", build_at)}
    return service, at


def _strings(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def _pair(item: str) -> tuple[str, str | None]:
    name, has_value, value = item.partition("=")
    return name, value if has_value else None


def _started(item: str) -> tuple[str, dict]:
    return item, {"condition": "service_started", "required": True}


def _as_mapping(items: list, at: Positions, pair) -> tuple[dict, Positions]:
    """A list of entries as a mapping; each entry's position moves to its key."""
    mapping = dict(pair(item) for item in items)
    positions = {(pair(items[p[0]])[0],) + p[1:]: where for p, where in at.items()
                 if p and isinstance(p[0], int)}
    if () in at:
        positions[()] = at[()]
    return (OverrideDict(mapping) if is_override(items) else mapping), positions


def rebased(service: dict, folder: str, project_dir: str) -> dict:
    """Relative paths of a service from another file, made relative to the project folder."""
    def rebase(path: Any) -> Any:
        if not isinstance(path, str) or "://" in path or path.startswith("git@") or \
                os.path.isabs(path):
            return path
        return os.path.relpath(os.path.normpath(os.path.join(folder, path)), project_dir)

    service = dict(service)
    build = service.get("build")
    if isinstance(build, dict):
        service["build"] = {**build, "context": rebase(build.get("context") or ".")}
    env_files = service.get("env_file")
    if isinstance(env_files, list):
        service["env_file"] = [
            {**entry, "path": rebase(entry.get("path"))} if isinstance(entry, dict)
            else rebase(entry) for entry in env_files]
    return service
