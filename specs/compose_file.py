"""Find the source's compose files or Dockerfile and read the compose files as Compose v2 does."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import Any

from specs.compose_dotenv import DotenvError, parse_dotenv
from specs.compose_project import ComposeDocument, ProjectReader
from specs.compose_service import ComposeContext, ComposeService, read_service
from specs.errors import Problems, SpecError
from specs.ignored_keys import TOP_LEVEL_KEY_REASONS, ignored_reason
from specs.limits import read_text
from specs.loader import LoadedSpec
from specs.source_files import PIPELINE_ONLY, env_file_opt_ins, is_inside, outside_message, present_files
from specs.yaml_source import Path, YamlDocument

# Docker Compose's own names and order: the first main file found wins, then the first override.
COMPOSE_FILE_NAMES = ("compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml")
OVERRIDE_FILE_NAMES = ("compose.override.yml", "compose.override.yaml",
                       "docker-compose.override.yml", "docker-compose.override.yaml")
_COMPOSE_VERSION = re.compile(r"^[23](\.\d+)*$")
_SECRET_NAME = re.compile(r"^[A-Za-z0-9_+=.@-]{1,128}$")


@dataclass(frozen=True)
class SourceFiles:
    """Compose files (merged in order) or one Dockerfile; notes say how they were chosen."""

    compose_paths: tuple[str, ...] = ()
    dockerfile_path: str | None = None
    notes: tuple[str, ...] = ()
    profiles: tuple[str, ...] = ()  # active profiles: the spec's, else COMPOSE_PROFILES in .env


@dataclass(frozen=True)
class DeclaredSecret:
    name: str
    file: str  # as written, relative to the source folder
    path: str  # absolute
    at: Path


@dataclass
class ComposeProject:
    document: ComposeDocument | YamlDocument
    services: list[ComposeService] = field(default_factory=list)
    secrets: dict[str, DeclaredSecret] = field(default_factory=dict)
    sources: list[str] = field(default_factory=list)  # the files read, as shown
    notes: list[str] = field(default_factory=list)  # what render should say about them


def display_path(spec: LoadedSpec, absolute: str) -> str:
    """A file in the source folder, spelled relative to how the user named the spec file."""
    spec_dir = os.path.dirname(os.path.abspath(spec.path))
    relative = os.path.relpath(absolute, spec_dir)
    return os.path.normpath(os.path.join(os.path.dirname(spec.path), relative))


def is_compose_file_name(path: str) -> bool:
    return path.endswith((".yaml", ".yml"))


def find_source_files(spec: LoadedSpec, problems: Problems) -> SourceFiles | None:
    found = _find_source_files(spec, problems)
    if found is None or not found.compose_paths:
        return found
    profiles = tuple(spec.model.spec.compose.profiles)
    notes = found.notes
    from_dotenv = dotenv_variables(spec, Problems()).get("COMPOSE_PROFILES", "")
    if not profiles and from_dotenv.strip():
        profiles = tuple(p.strip() for p in from_dotenv.split(",") if p.strip())
        notes += (f"profiles {', '.join(profiles)} are active: COMPOSE_PROFILES in .env, as "
                  "Docker Compose reads it (spec.compose.profiles takes precedence)",)
    return SourceFiles(found.compose_paths, None, notes, profiles)


def _find_source_files(spec: LoadedSpec, problems: Problems) -> SourceFiles | None:
    named = spec.model.spec.compose.files
    if spec.source_file is not None:
        if named:
            problems.add(spec.error(("spec", "compose", "files"), "spec.source names a file; "
                                    "list compose files here only when spec.source is a folder"))
            return None
        if is_compose_file_name(spec.source_file):
            return SourceFiles((spec.source_file,))
        return SourceFiles(dockerfile_path=spec.source_file)
    if named:
        return _named_files(spec, named, problems)
    compose_file = dotenv_variables(spec, Problems()).get("COMPOSE_FILE", "").strip()
    if compose_file:  # Docker Compose reads COMPOSE_FILE from .env instead of its own names
        files = _named_files(spec, [n for n in compose_file.split(":") if n], problems,
                             where=("spec", "source"), why="COMPOSE_FILE in .env")
        return files
    shown_dir = display_path(spec, spec.source_dir)
    found, unusable = present_files(spec.source_dir, COMPOSE_FILE_NAMES + ("Dockerfile",), shown_dir)
    if unusable:  # a symlink loop & co: that one clear error, not also "no compose file"
        problems.errors.extend(unusable)
        return None
    if any(name != "Dockerfile" for name in found):
        return _discovered_files(spec, [name for name in found if name != "Dockerfile"], problems)
    if found:
        dockerfile = os.path.join(spec.source_dir, "Dockerfile")
        if is_inside(spec.source_dir, dockerfile):
            return SourceFiles(dockerfile_path=dockerfile)
        problems.add(SpecError(os.path.join(shown_dir, "Dockerfile"), message=outside_message(
            "Dockerfile", "Dockerfile", spec.source_dir, PIPELINE_ONLY)))
        return None
    problems.add(spec.error(("spec", "source"), f"no Dockerfile or compose file "
                            f"({', '.join(COMPOSE_FILE_NAMES)}) in {spec.source_dir}"))
    return None


def _named_files(spec: LoadedSpec, named: list[str], problems: Problems,
                 where: tuple = ("spec", "compose", "files"),
                 why: str = "spec.compose.files") -> SourceFiles | None:
    paths = []
    for index, name in enumerate(named):
        path = os.path.normpath(os.path.join(spec.source_dir, name))
        if not os.path.isfile(path):
            named_here = why == "spec.compose.files"
            problems.add(spec.error(where + (index,) if named_here else where,
                                    f"compose file '{name}'{'' if named_here else f' ({why})'} "
                                    f"does not exist in {spec.source_dir}"))
        paths.append(path)
    if problems.errors:
        return None
    notes: tuple[str, ...] = ()
    if len(paths) > 1 or why != "spec.compose.files":
        notes = (f"compose files merged in order ({why}), as `docker compose "
                 + " ".join(f"-f {name}" for name in named) + "` does",)
    return SourceFiles(tuple(paths), notes=notes)


def _discovered_files(spec: LoadedSpec, found: list[str], problems: Problems) -> SourceFiles:
    if len(found) > 1:
        problems.warn(spec.document.warning(("spec", "source"), f"found several compose files "
                      f"({', '.join(found)}); using {found[0]}, as Docker Compose does "
                      "(name the file in spec.source to choose)"))
    paths = [os.path.join(spec.source_dir, found[0])]
    overrides = [n for n in OVERRIDE_FILE_NAMES if os.path.isfile(os.path.join(spec.source_dir, n))]
    notes: tuple[str, ...] = ()
    if overrides:
        paths.append(os.path.join(spec.source_dir, overrides[0]))
        notes = (f"{overrides[0]} is merged over {found[0]}, as Docker Compose does by default "
                 "(set spec.compose.files to choose the files)",)
        if len(overrides) > 1:
            problems.warn(spec.document.warning(("spec", "source"), "found several override "
                          f"files ({', '.join(overrides)}); using {overrides[0]}, as Docker "
                          "Compose does"))
    return SourceFiles(tuple(paths), notes=notes)


def dotenv_variables(spec: LoadedSpec, problems: Problems) -> dict[str, str]:
    """The source folder's .env, read as Compose reads it; the process environment never leaks in."""
    path = os.path.join(spec.source_dir, ".env")
    if not os.path.lexists(path):
        return {}
    try:
        if not is_inside(spec.source_dir, path):  # a symlink to a host file
            raise SpecError(display_path(spec, path), message=outside_message(
                ".env", ".env", spec.source_dir, "; compose variables come from the source folder "
                "only: make .env a regular file there"))
        return parse_dotenv(read_text(path, "env file", display_path(spec, path)))
    except DotenvError as problem:
        problems.add(SpecError(display_path(spec, path), problem.line, None, "", str(problem)))
    except SpecError as problem:
        problems.add(problem)
    return {}


def read_compose(spec: LoadedSpec, files: SourceFiles, problems: Problems) -> ComposeProject | None:
    variables = dotenv_variables(spec, problems)
    reader = ProjectReader(spec.source_dir, variables, lambda p: display_path(spec, p), problems)
    raw = reader.read(files.compose_paths, files.profiles)
    if raw is None:
        return None
    data, document = raw.data, raw.document
    ctx = ComposeContext(document, spec.source_dir, variables, problems,
                         lambda p: display_path(spec, p), env_file_opt_ins(spec))
    _check_top_level(data, ctx)
    project = ComposeProject(document, sources=[display_path(spec, p) for p in files.compose_paths],
                             notes=list(files.notes))
    if raw.left_out:
        active = ", ".join(files.profiles) or "none"
        project.notes.append(f"services left out because none of their profiles is active "
                             f"(active: {active}; set spec.compose.profiles): "
                             + ", ".join(raw.left_out))
    services = data.get("services")
    if not isinstance(services, dict) or not services:
        ctx.error(("services",) if "services" in data else (),
                  "a compose file needs a 'services' mapping with at least one service")
        return project
    for key, raw_service in services.items():
        service = read_service(key, raw_service, ctx)
        if service is not None:
            project.services.append(service)
    project.secrets = _declared_secrets(data.get("secrets"), ctx)
    return project


def _check_top_level(data: dict, ctx: ComposeContext) -> None:
    for key in data:
        if key in ("services", "secrets", "include") or str(key).startswith("x-"):
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
