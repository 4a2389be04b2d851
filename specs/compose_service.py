"""One docker-compose service -> the facts an ECS container definition needs.

Every key is either honoured or reported once; nothing is dropped silently.
"""

from __future__ import annotations

import os
import re
import shlex
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

from specs.compose_values import (
    ENV_NAME,
    ComposeContext,
    key_values,
    read_environment,
    scalar_text,
)
from specs.healthcheck import read_health_check
from specs.ignored_keys import DEPLOY_KEY_REASONS, SERVICE_KEY_REASONS, ignored_reason
from specs.ports import ContainerPort, PortError, read_port
from specs.source_files import PIPELINE_ONLY, is_inside, outside_message
from specs.translation import BuildSpec
from specs.yaml_source import Path

_ECS_CONTAINER_NAME = re.compile(r"^[A-Za-z0-9_-]{1,255}$")
_HONOURED = {
    "build", "image", "ports", "command", "entrypoint", "environment", "env_file", "healthcheck",
    "working_dir", "user", "secrets", "deploy", "container_name", "depends_on", "scale",
    "profiles", "extends",  # profiles and extends were applied while the files were read
}
# compose's depends_on condition -> ECS container dependsOn condition
DEPENDENCY_CONDITIONS = {
    "service_started": "START",
    "service_healthy": "HEALTHY",
    "service_completed_successfully": "SUCCESS",
}


@dataclass(frozen=True)
class SecretUse:
    source: str  # the top-level secret's key
    target: str  # the environment variable name in the container
    at: Path


@dataclass(frozen=True)
class Dependency:
    condition: str  # compose's: service_started, service_healthy, service_completed_successfully
    at: Path


@dataclass
class ComposeService:
    key: str
    name: str  # ECS container name: container_name, else the service key
    at: Path
    build: BuildSpec | None = None
    image: str | None = None
    ports: list[ContainerPort] = field(default_factory=list)
    port_at: dict[ContainerPort, Path] = field(default_factory=dict)
    command: list[str] | None = None
    entry_point: list[str] | None = None
    environment: dict[str, str] = field(default_factory=dict)
    environment_at: dict[str, Path] = field(default_factory=dict)
    secrets: list[SecretUse] = field(default_factory=list)
    health_check: dict | None = None
    working_dir: str | None = None
    user: str | None = None
    replicas: int | None = None
    depends_on: dict[str, Dependency] = field(default_factory=dict)


def read_service(yaml_key: Any, raw: Any, ctx: ComposeContext) -> ComposeService | None:
    at: Path = ("services", yaml_key)  # the key as loaded (`1:` is an int) finds its position
    key = str(yaml_key)
    if not isinstance(raw, dict):
        ctx.error(at, "must be a mapping with 'build' or 'image'")
        return None
    label = f"service '{key}'"
    for name in raw:
        if name not in _HONOURED and not str(name).startswith("x-"):
            ctx.warn(at + (name,), f"{label}: '{name}' is ignored: "
                                   f"{ignored_reason(SERVICE_KEY_REASONS, name)}")
    service = ComposeService(key, _container_name(raw, at, ctx, key), at)
    if "build" not in raw and "image" not in raw:
        ctx.error(at, f"{label} needs 'build' or 'image'")
    if raw.get("build") is not None:
        service.build = _build(raw["build"], at + ("build",), ctx, label)
    if raw.get("image") is not None:
        service.image = scalar_text(raw["image"], at + ("image",), ctx)
    _ports(raw.get("ports"), service, ctx, label)
    service.command = _argv(raw.get("command"), at + ("command",), ctx)
    service.entry_point = _argv(raw.get("entrypoint"), at + ("entrypoint",), ctx)
    _environment(raw, service, ctx, label)
    service.secrets = _secret_uses(raw.get("secrets"), at + ("secrets",), ctx, label)
    if raw.get("healthcheck") is not None:
        _health_check(raw["healthcheck"], service, ctx, label)
    for plain in ("working_dir", "user"):  # same name on ComposeService
        if raw.get(plain) is not None:
            setattr(service, plain, scalar_text(raw[plain], at + (plain,), ctx))
    if raw.get("deploy") is not None:
        service.replicas = _deploy(raw["deploy"], at + ("deploy",), ctx, label)
    if raw.get("scale") is not None:
        service.replicas = _scale(raw["scale"], service.replicas, at, ctx)
    service.depends_on = _depends_on(raw.get("depends_on"), at + ("depends_on",), ctx, label)
    return service


def _container_name(raw: dict, at: Path, ctx: ComposeContext, key: str) -> str:
    name = raw.get("container_name", key)
    where = at + ("container_name",) if "container_name" in raw else at
    if not isinstance(name, str) or not _ECS_CONTAINER_NAME.match(name):
        ctx.error(where, f"container name {name!r} is not valid on ECS: use letters, digits, "
                         "'-' and '_' (set 'container_name' to rename it)")
        return str(key)
    return name


def _argv(value: Any, at: Path, ctx: ComposeContext) -> list[str] | None:
    """`command`/`entrypoint`: a string is split like a shell would, a list is kept."""
    if value is None:
        return None
    if isinstance(value, str):
        try:
            return shlex.split(value)
        except ValueError as problem:
            ctx.error(at, f"cannot split {value!r} into arguments: {problem}")
            return None
    if isinstance(value, list) and all(isinstance(v, (str, int, float)) for v in value):
        return [str(v) for v in value]
    ctx.error(at, "must be a string or a list of strings")
    return None


def _build(raw: Any, at: Path, ctx: ComposeContext, label: str) -> BuildSpec | None:
    if isinstance(raw, str):
        raw = {"context": raw}
    if not isinstance(raw, dict):
        ctx.error(at, "must be a path or a mapping with 'context'")
        return None
    for key in raw:
        if key == "dockerfile_inline":
            ctx.error(at + (key,), "is not supported: write the Dockerfile to a file")
        elif key not in ("context", "dockerfile", "args", "target") and \
                not str(key).startswith("x-"):
            ctx.warn(at + (key,), f"{label}: 'build.{key}' is ignored")
    context = str(raw.get("context") or ".")
    dockerfile = str(raw.get("dockerfile") or "Dockerfile")
    if "://" in context or context.startswith("git@"):
        ctx.error(at + ("context",), f"remote build context {context!r} is not supported")
        return None
    source = os.path.realpath(ctx.source_dir)
    folder = os.path.realpath(os.path.join(source, context))
    if os.path.commonpath([source, folder]) != source:
        ctx.error(at, f"build context {context!r} is outside the source folder, "
                      "which is all the pipeline receives")
        return None
    if not os.path.isdir(folder):
        ctx.error(at, f"build context {context!r} does not exist")
        return None
    if not is_inside(source, os.path.join(folder, dockerfile)):
        ctx.error(at + ("dockerfile",), outside_message("dockerfile", dockerfile, folder, PIPELINE_ONLY))
    elif not os.path.isfile(os.path.join(folder, dockerfile)):
        ctx.error(at, f"dockerfile {dockerfile!r} does not exist in build context {context!r}")
    args = key_values(raw.get("args"), at + ("args",), ctx, f"{label}: build arg")
    target = scalar_text(raw["target"], at + ("target",), ctx) if raw.get("target") else None
    return BuildSpec(PurePath(os.path.relpath(folder, source)).as_posix(), dockerfile, args,
                     target)


def _ports(raw: Any, service: ComposeService, ctx: ComposeContext, label: str) -> None:
    if raw is None:
        return
    at = service.at + ("ports",)
    if not isinstance(raw, list):
        ctx.error(at, "must be a list")
        return
    for index, entry in enumerate(raw):
        try:
            ports, notes = read_port(entry)
        except PortError as problem:
            ctx.error(at + (index,), str(problem))
            continue
        for note in notes:
            ctx.warn(at + (index,), f"{label}: {note}")
        for port in ports:
            if port not in service.ports:  # a port listed twice is one mapping
                service.ports.append(port)
                service.port_at[port] = at + (index,)


def _environment(raw: dict, service: ComposeService, ctx: ComposeContext, label: str) -> None:
    service.environment, service.environment_at = read_environment(raw, service.at, ctx, label)


def _secret_uses(raw: Any, at: Path, ctx: ComposeContext, label: str) -> list[SecretUse]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        ctx.error(at, "must be a list of secret names")
        return []
    uses: list[SecretUse] = []
    for index, entry in enumerate(raw):
        where = at + (index,)
        if isinstance(entry, str):
            uses.append(SecretUse(entry, entry, where))
            continue
        if not isinstance(entry, dict) or not isinstance(entry.get("source"), str):
            ctx.error(where, "must be a secret name or a mapping with 'source'")
            continue
        for key in entry:
            if key not in ("source", "target"):
                ctx.warn(where + (key,), f"{label}: 'secrets[{index}].{key}' is ignored: "
                                         "secrets arrive as environment variables")
        target = str(entry.get("target") or entry["source"])
        if target.startswith("/run/secrets/"):  # compose's own default mount point
            target = target.removeprefix("/run/secrets/")
        if not ENV_NAME.match(target) or "/" in target:
            ctx.error(where + ("target",), f"target {target!r} must be an environment variable "
                                           "name: secrets arrive as environment variables")
            continue
        uses.append(SecretUse(entry["source"], target, where))
    return uses


def _health_check(raw: Any, service: ComposeService, ctx: ComposeContext, label: str) -> None:
    at = service.at + ("healthcheck",)
    result = read_health_check(raw)
    for sub, message in result.errors:
        ctx.error(at + sub, message)
    for sub, message in result.warnings:
        ctx.warn(at + sub, f"{label}: {message}")
    service.health_check = result.health_check


def _deploy(raw: Any, at: Path, ctx: ComposeContext, label: str) -> int | None:
    if not isinstance(raw, dict):
        ctx.error(at, "must be a mapping")
        return None
    for key in raw:
        if key == "replicas" or (key == "mode" and raw[key] == "replicated"):
            continue
        ctx.warn(at + (key,), f"{label}: 'deploy.{key}' is ignored: "
                              f"{ignored_reason(DEPLOY_KEY_REASONS, key)}")
    replicas = raw.get("replicas")
    if replicas is None:
        return None
    if isinstance(replicas, bool) or not isinstance(replicas, int) or replicas < 0:
        ctx.error(at + ("replicas",), f"must be an integer ≥ 0 (got {replicas!r})")
        return None
    return replicas


def _scale(raw: Any, replicas: int | None, at: Path, ctx: ComposeContext) -> int | None:
    if isinstance(raw, bool) or not isinstance(raw, int) or raw < 0:
        ctx.error(at + ("scale",), f"must be an integer ≥ 0 (got {raw!r})")
        return replicas
    if replicas is not None and replicas != raw:
        ctx.error(at + ("scale",), f"scale {raw} and deploy.replicas {replicas} differ; "
                                   "set one of them (as Docker Compose requires)")
    return raw


def _depends_on(raw: Any, at: Path, ctx: ComposeContext, label: str) -> dict[str, Dependency]:
    """Compose's dependencies (long form by now); which services exist was checked on reading."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        ctx.error(at, "must be a list of service names or a mapping of service names to "
                      "{condition: ...}")
        return {}
    found: dict[str, Dependency] = {}
    for name, options in raw.items():
        where = at + (name,)
        options = options if isinstance(options, dict) else {}
        condition = options.get("condition", "service_started")
        if condition not in DEPENDENCY_CONDITIONS:
            ctx.error(where + ("condition",), f"condition {condition!r} must be one of "
                      + ", ".join(DEPENDENCY_CONDITIONS))
            continue
        for key in options:
            if key == "restart" and options[key] is True:
                ctx.warn(where + (key,), f"{label}: 'depends_on.{name}.restart' is ignored: ECS "
                                         "does not restart a container when its dependency does")
            elif key not in ("condition", "required", "restart"):
                ctx.warn(where + (key,), f"{label}: 'depends_on.{name}.{key}' is ignored")
        found[str(name)] = Dependency(condition, where)
    return found
