"""Find the source's Dockerfile or compose file and read the compose file as Compose v2 does."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import Any

from specs.compose_service import ComposeContext, ComposeService, read_service
from specs.errors import Problems, SpecError
from specs.ignored_keys import TOP_LEVEL_KEY_REASONS, ignored_reason
from specs.interpolate import interpolate_tree
from specs.limits import LimitExceeded, read_text
from specs.loader import LoadedSpec
from specs.source_files import (
    PIPELINE_ONLY,
    BoundedInterpolator,
    env_file_opt_ins,
    is_inside,
    outside_message,
    present_files,
    source_dotenv,
)
from specs.yaml_source import Path, YamlDocument, load_yaml_documents

COMPOSE_FILE_NAMES = ("docker-compose.yml", "docker-compose.yaml", "compose.yaml", "compose.yml")
_COMPOSE_VERSION = re.compile(r"^[23](\.\d+)*$")
_SECRET_NAME = re.compile(r"^[A-Za-z0-9_+=.@-]{1,128}$")


@dataclass(frozen=True)
class SourceFiles:
    """Exactly one of the two is set: compose wins over a Dockerfile beside it."""

    compose_path: str | None = None
    dockerfile_path: str | None = None


@dataclass(frozen=True)
class DeclaredSecret:
    name: str
    file: str  # as written, relative to the source folder
    path: str  # absolute
    at: Path


@dataclass
class ComposeProject:
    document: YamlDocument
    services: list[ComposeService] = field(default_factory=list)
    secrets: dict[str, DeclaredSecret] = field(default_factory=dict)


def display_path(spec: LoadedSpec, absolute: str) -> str:
    """A file in the source folder, spelled relative to how the user named the spec file."""
    spec_dir = os.path.dirname(os.path.abspath(spec.path))
    relative = os.path.relpath(absolute, spec_dir)
    return os.path.normpath(os.path.join(os.path.dirname(spec.path), relative))


def find_source_files(spec: LoadedSpec, problems: Problems) -> SourceFiles | None:
    shown_dir = display_path(spec, spec.source_dir)
    found, unusable = present_files(spec.source_dir, COMPOSE_FILE_NAMES, shown_dir)
    if unusable:  # a symlink loop & co: that one clear error, not also "no compose file"
        problems.errors.extend(unusable)
        return None
    if len(found) > 1:
        problems.add(spec.error(("spec", "source"), "found several compose files ("
                                + ", ".join(found) + "); keep only one"))
        return None
    if found:
        return SourceFiles(compose_path=os.path.join(spec.source_dir, found[0]))
    dockerfiles, unusable = present_files(spec.source_dir, ("Dockerfile",), shown_dir)
    problems.errors.extend(unusable)
    if dockerfiles:
        dockerfile = os.path.join(spec.source_dir, "Dockerfile")
        if is_inside(spec.source_dir, dockerfile):
            return SourceFiles(dockerfile_path=dockerfile)
        problems.add(SpecError(os.path.join(shown_dir, "Dockerfile"), message=outside_message(
            "Dockerfile", "Dockerfile", spec.source_dir, PIPELINE_ONLY)))
        return None
    if not unusable:
        problems.add(spec.error(("spec", "source"), f"no Dockerfile or compose file "
                                f"({', '.join(COMPOSE_FILE_NAMES)}) in {spec.source_dir}"))
    return None


def read_compose(spec: LoadedSpec, path: str, problems: Problems) -> ComposeProject | None:
    shown = display_path(spec, path)
    try:
        documents = load_yaml_documents(read_text(path, "compose file", shown), shown)
        variables = source_dotenv(spec.source_dir, display_path(spec, spec.source_dir))
    except SpecError as problem:
        problems.add(problem)
        return None
    if len(documents) != 1 or not isinstance(documents[0].data, dict):
        message = "must hold one YAML mapping with a 'services' mapping"
        problems.add(SpecError(shown, message=message))
        return None
    raw_document = documents[0]
    interpolator = BoundedInterpolator(variables, shown)
    try:
        data, unset = interpolate_tree(
            raw_document.data, interpolator, lambda at, msg: problems.add(raw_document.error(at, msg))
        )
    except LimitExceeded as problem:
        problems.add(problem)
        return None
    document = YamlDocument(shown, 0, data, raw_document.line, raw_document.positions)
    for name, at in unset.items():
        problems.warn(document.warning(at, f"variable '{name}' is not set in the source "
                                           "folder's .env; using an empty string"))
    ctx = ComposeContext(document, spec.source_dir, variables, problems, env_file_opt_ins(spec))
    _check_top_level(data, ctx)
    project = ComposeProject(document)
    services = data.get("services")
    if not isinstance(services, dict) or not services:
        ctx.error(("services",) if "services" in data else (),
                  "a compose file needs a 'services' mapping with at least one service")
        return project
    for key, raw in services.items():
        service = read_service(key, raw, ctx)
        if service is not None:
            project.services.append(service)
    project.secrets = _declared_secrets(data.get("secrets"), ctx)
    return project


def _check_top_level(data: dict, ctx: ComposeContext) -> None:
    for key in data:
        if key in ("services", "secrets") or str(key).startswith("x-"):
            continue
        if key == "version":  # obsolete in Compose v2; any 2.x/3.x is fine and ignored
            if not _COMPOSE_VERSION.match(str(data[key])):
                ctx.warn((key,), f"'version: {data[key]}' is not a Compose 2.x/3.x version; "
                                 "it is ignored")
            continue
        ctx.warn((key,), f"top-level '{key}' is ignored: "
                         f"{ignored_reason(TOP_LEVEL_KEY_REASONS, key)}")


def _declared_secrets(raw: Any, ctx: ComposeContext) -> dict[str, DeclaredSecret]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        ctx.error(("secrets",), "must be a mapping of secret names to {file: ...}")
        return {}
    declared: dict[str, DeclaredSecret] = {}
    for name, entry in raw.items():
        at: Path = ("secrets", name)
        if not _SECRET_NAME.match(str(name)):
            ctx.error(at, f"secret name {name!r} must use only letters, digits and _+=.@-")
            continue
        if not isinstance(entry, dict):
            ctx.error(at, f"secret '{name}' must be a mapping with 'file'")
            continue
        # external/environment secrets would leave the container without its variable at run
        # time, so they are refused rather than skipped.
        for unsupported in ("external", "environment"):
            if unsupported in entry:
                ctx.error(at + (unsupported,), f"secret '{name}': '{unsupported}' secrets are "
                                               "not supported; use 'file:' with a .secret- file")
        for key in entry:
            if key not in ("file", "external", "environment"):
                ctx.warn(at + (key,), f"secret '{name}': '{key}' is ignored; the secret is "
                                      f"stored and referenced as '{name}'")
        file = entry.get("file")
        if "external" in entry or "environment" in entry:
            continue
        if not isinstance(file, str) or not file:
            ctx.error(at, f"secret '{name}' needs 'file:' (a path to a .secret- file)")
            continue
        path = os.path.normpath(os.path.join(ctx.source_dir, file))
        declared[str(name)] = DeclaredSecret(str(name), file, path, at + ("file",))
    return declared
