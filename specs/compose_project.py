"""Read a compose project the way `docker compose -f a -f b --profile p config` does.

Each file is interpolated from the source folder's `.env` on its own, its `extends` are
resolved, then the files are merged in order; services whose profiles are not active are left
out, and `depends_on` must name services that remain (unless `required: false`) without a
cycle. The merged model keeps, for every key, the file, line and column it came from.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from specs.compose_merge import (
    ComposeYamlLoader,
    Positions,
    dedupe_secrets,
    graft,
    merge,
    subtree,
    without,
)
from specs.compose_include import merge_includes
from specs.compose_normalize import cast_types, normalized, rebased
from specs.errors import Problems, SpecError, format_field
from specs.interpolate import interpolate_tree
from specs import limits
from specs.limits import BoundedInterpolator, LimitExceeded, read_text
from specs.yaml_source import Path, load_yaml_documents

@dataclass(frozen=True)
class ComposeDocument:
    """The merged model's positions: each path -> (file as shown, line, column)."""

    path: str  # the first compose file, as shown
    positions: Mapping[Path, tuple[str, int, int]] = field(default_factory=dict, repr=False)

    def locate(self, parts: Path) -> tuple[str, int, int] | None:
        parts = tuple(parts)
        while True:
            if parts in self.positions:
                return self.positions[parts]
            if not parts:
                return None
            parts = parts[:-1]

    def error(self, parts: Path, message: str) -> SpecError:
        where = self.locate(parts)
        if where is None:
            return SpecError(self.path, None, None, format_field(parts), message)
        return SpecError(where[0], where[1], where[2], format_field(parts), message)

    def warning(self, parts: Path, message: str) -> str:
        where = self.locate(parts)
        return f"{where[0]}:{where[1]}:{where[2]}: {message}" if where else \
            f"{self.path}: {message}"


@dataclass
class RawProject:
    data: dict  # the merged model; services not yet read
    document: ComposeDocument
    left_out: list[str] = field(default_factory=list)  # services whose profiles are not active


@dataclass
class _File:
    path: str  # absolute
    data: dict
    positions: Positions


class ProjectReader:
    def __init__(self, project_dir: str, variables: Mapping[str, str],
                 shown: Callable[[str], str], problems: Problems) -> None:
        self.project_dir = project_dir
        self.variables = variables
        self.shown = shown
        self.problems = problems
        self._files: dict[str, _File | None] = {}
        self._resolved: dict[tuple[str, str], tuple[dict, Positions] | None] = {}

    def read(self, files: Sequence[str], profiles: Sequence[str],
             whole: bool = True) -> RawProject | None:
        """The merged model; `whole=False` for an included part (profiles and dependencies
        are then checked on the whole project)."""
        loaded = [self._file(path) for path in files]
        if any(file is None for file in loaded):
            return None
        data: dict = {}
        positions: Positions = {}
        for file in loaded:
            assert file is not None
            extended = self._with_extends(file)
            if extended is None:
                return None
            own, own_at = extended
            data, positions = merge(data, positions, own, own_at) if data else (own, own_at)
        document = ComposeDocument(self.shown(files[0]), positions)
        services = data.get("services")
        if isinstance(services, dict):
            for name in list(services):
                if isinstance(services[name], dict):
                    services[name], service_at = dedupe_secrets(
                        services[name], _service_positions(positions, name))
                    positions = _replace_service_positions(positions, name, service_at)
            document = ComposeDocument(document.path, positions)
        project = RawProject(data, document)
        if whole:
            self._apply_profiles(project, set(profiles))
            self._check_dependencies(project)
        return project

    def _file(self, path: str) -> _File | None:
        path = os.path.normpath(path)
        if path not in self._files:
            self._files[path] = self._load(path)
        return self._files[path]

    def _load(self, path: str) -> _File | None:
        shown = self.shown(path)
        try:
            documents = load_yaml_documents(read_text(path, "compose file", shown), shown, ComposeYamlLoader)
        except SpecError as problem:  # syntax, or a limit of specs/limits.py
            self.problems.add(problem)
            return None
        if len(documents) != 1 or not isinstance(documents[0].data, dict):
            self.problems.add(SpecError(shown, message="must hold one YAML mapping with a "
                                                       "'services' mapping"))
            return None
        raw = documents[0]
        positions: Positions = {p: (shown, at[0], at[1]) for p, at in raw.positions.items()}
        document = ComposeDocument(shown, positions)
        try:
            data, unset = interpolate_tree(raw.data, BoundedInterpolator(self.variables, shown),
                                           lambda at, msg: self.problems.add(document.error(at, msg)))
        except LimitExceeded as problem:
            self.problems.add(problem)
            return None
        for name, at in unset.items():
            self.problems.warn(document.warning(at, f"variable '{name}' is not set in the "
                                                    "source folder's .env; using an empty string"))
        data, positions = merge_includes(self, path, data, positions, document)
        services = data.get("services")
        if isinstance(services, dict) and len(services) > limits.COMPOSE_SERVICES:
            # Reading costs services x positions; ECS runs at most 10 containers in a task anyway.
            self.problems.add(document.error(("services",), f"{len(services):,} services; the limit "
                                             f"is {limits.COMPOSE_SERVICES} (a task runs at most 10 containers)"))
            return None
        if isinstance(services, dict):
            for name, service in services.items():
                if isinstance(service, dict):
                    cast_types(service)
                    services[name], service_at = normalized(
                        service, _service_positions(positions, name))
                    positions = _replace_service_positions(positions, name, service_at)
        return _File(path, data, positions)

    def _with_extends(self, file: _File) -> tuple[dict, Positions] | None:
        services = file.data.get("services")
        if not isinstance(services, dict):
            return file.data, file.positions
        data = dict(file.data)
        data["services"] = dict(services)
        positions = file.positions
        grown = len(positions)  # extends copies its base: bounded like aliases (specs/limits.py)
        for name, service in services.items():
            if isinstance(service, dict) and "extends" in service:
                resolved = self._extended(file, name, [])
                if resolved is not None:
                    grown += len(resolved[1])
                    if grown > limits.YAML_NODES:
                        self.problems.add(ComposeDocument(self.shown(file.path), file.positions).error(
                            ("services", name, "extends"), f"with what 'extends' copies, the file grows past "
                            f"{limits.YAML_NODES:,} nodes (the limit)"))
                        return None
                    data["services"][name] = resolved[0]
                    positions = _replace_service_positions(positions, name, resolved[1])
        return data, positions

    def _extended(self, file: _File, name: str, chain: list[str]) -> tuple[dict, Positions] | None:
        key = (file.path, name)
        if key in self._resolved:
            return self._resolved[key]
        service = file.data["services"][name]
        at = _service_positions(file.positions, name)
        document = ComposeDocument(self.shown(file.path), file.positions)
        here = ("services", name, "extends")
        extends = service.get("extends")
        if extends is None:
            return service, at
        if isinstance(extends, str):
            extends = {"service": extends}
        if not isinstance(extends, dict) or not isinstance(extends.get("service"), str):
            self.problems.add(document.error(here, "must be a service name or a mapping with "
                                                   "'service' (and 'file')"))
            return None
        other = file
        if extends.get("file"):
            other = self._file(os.path.join(os.path.dirname(file.path), str(extends["file"])))
            if other is None:
                return None
        base_name = extends["service"]
        step = f"{self.shown(other.path)}:{base_name}"
        if step in chain:
            self.problems.add(document.error(here, "extends loop: " + " -> ".join(chain + [step])))
            return None
        bases = other.data.get("services")
        if not isinstance(bases, dict) or not isinstance(bases.get(base_name), dict):
            self.problems.add(document.error(here, f"service '{base_name}' to extend is not "
                                                   f"defined in {self.shown(other.path)}"))
            return None
        base = self._extended(other, base_name, chain + [step])
        if base is None:
            return None
        base_data, base_at = base
        if other is not file:
            base_data = rebased(base_data, os.path.dirname(other.path), self.project_dir)
        own = {k: v for k, v in service.items() if k != "extends"}
        result = merge(base_data, base_at, own, without(at, "extends"))
        self._resolved[key] = result
        return result

    def _apply_profiles(self, project: RawProject, active: set[str]) -> None:
        services = project.data.get("services")
        if not isinstance(services, dict):
            return
        for name in list(services):
            wanted = services[name].get("profiles") if isinstance(services[name], dict) else None
            if isinstance(wanted, list) and wanted and not active & {str(p) for p in wanted}:
                del services[name]
                project.left_out.append(str(name))

    def _check_dependencies(self, project: RawProject) -> None:
        services = project.data.get("services")
        if not isinstance(services, dict):
            return
        graph: dict[str, list[str]] = {}
        for name, service in services.items():
            depends = service.get("depends_on") if isinstance(service, dict) else None
            if not isinstance(depends, dict):
                continue
            graph[name] = []
            for other, options in depends.items():
                required = not isinstance(options, dict) or options.get("required", True) is not False
                if other in services:
                    graph[name].append(other)
                elif required:
                    why = (" (its profiles are not active: add them to spec.compose.profiles, "
                           "or set 'required: false')") if other in project.left_out else ""
                    self.problems.add(project.document.error(
                        ("services", name, "depends_on", other),
                        f"service '{name}' depends on undefined service '{other}'{why}"))
        cycle = _find_cycle(graph)
        if cycle:
            self.problems.add(project.document.error(("services", cycle[0], "depends_on"),
                              "dependency cycle: " + " -> ".join(cycle)))


def _service_positions(positions: Positions, name: Any) -> Positions:
    return subtree(subtree(positions, "services"), name)


def _replace_service_positions(positions: Positions, name: Any, service: Positions) -> Positions:
    inner = subtree(positions, "services")
    inner = {**without(inner, name), **graft(name, service)}
    return {**without(positions, "services"), **graft("services", inner)}


def _find_cycle(graph: dict[str, list[str]]) -> list[str] | None:
    state: dict[str, int] = {}  # 1 visiting, 2 done

    def visit(node: str, trail: list[str]) -> list[str] | None:
        state[node] = 1
        for nxt in graph.get(node, []):
            if state.get(nxt) == 1:
                return trail[trail.index(nxt):] + [node, nxt] if nxt in trail else [node, nxt]
            if state.get(nxt) is None:
                found = visit(nxt, trail + [node])
                if found:
                    return found
        state[node] = 2
        return None

    for start in graph:
        if state.get(start) is None:
            found = visit(start, [])
            if found:
                return found
    return None
