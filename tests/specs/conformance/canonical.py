"""Compose's model (`docker compose config --format json`) and ours, in one comparable shape.

Only what we translate is compared. Each view is {service: {field: value}}; a field missing
from a service is None. Where the two models spell a fact differently, both are brought to
the form the ECS task definition uses (ports as `port/protocol`, durations in whole seconds).
"""

from __future__ import annotations

import math
import re
from typing import Any

FIELDS = (
    "image", "build.context", "build.dockerfile", "build.args", "build.target", "command",
    "entrypoint", "environment", "ports", "healthcheck", "working_dir", "user", "secrets",
    "replicas", "depends_on", "container_name",
)
_DURATION = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)")
_UNIT = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1, "m": 60, "h": 3600}
_HEALTH_KEYS = (("interval", "interval"), ("timeout", "timeout"), ("start_period", "startPeriod"))


def compose_view(config: dict) -> dict[str, dict[str, Any]]:
    config = _unescape(config)  # `config` writes a literal $ as $$ so its output reloads
    services = config.get("services") or {}
    view: dict[str, dict[str, Any]] = {}
    for key, service in services.items():
        build = service.get("build") or {}
        deploy = service.get("deploy") or {}
        depends = service.get("depends_on") or {}
        view[key] = {
            "image": service.get("image"),
            "build.context": build.get("context"),
            "build.dockerfile": build.get("dockerfile") if build else None,
            "build.args": _without_none(build.get("args")) if build else None,
            "build.target": build.get("target"),
            "command": service.get("command"),
            "entrypoint": service.get("entrypoint"),
            "environment": _without_none(service.get("environment")),
            "ports": sorted({f"{p['target']}/{p.get('protocol', 'tcp')}"
                             for p in service.get("ports") or []}),
            "healthcheck": _compose_health(service.get("healthcheck")),
            "working_dir": service.get("working_dir"),
            "user": service.get("user"),
            # Secrets reach the container as environment variables, not files: compose's
            # default mount point /run/secrets/NAME is our variable NAME.
            "secrets": [[s["source"], (s.get("target") or s["source"]).removeprefix("/run/secrets/")]
                        for s in service.get("secrets") or []],
            "replicas": deploy.get("replicas", service.get("scale")),
            # A dependency that is not in the project (`required: false`) is no container.
            "depends_on": {name: dep.get("condition", "service_started")
                           for name, dep in depends.items() if name in services},
            # (a container_name equal to the service's key names nothing new)
            "container_name": service.get("container_name")
            if service.get("container_name") != key else None,
        }
    return view


def our_view(services: list) -> dict[str, dict[str, Any]]:
    """Our ComposeService objects in the same shape (attributes a model lacks read as None)."""
    view: dict[str, dict[str, Any]] = {}
    keys = {service.key for service in services}
    for service in services:
        build = getattr(service, "build", None)
        health = getattr(service, "health_check", None)
        depends = getattr(service, "depends_on", None) or {}
        view[service.key] = {
            "image": service.image,
            "build.context": build.context if build else None,
            "build.dockerfile": build.dockerfile if build else None,
            "build.args": dict(build.args) if build else None,
            "build.target": getattr(build, "target", None) if build else None,
            "command": service.command,
            "entrypoint": service.entry_point,
            "environment": dict(service.environment),
            "ports": sorted({f"{p.port}/{p.protocol}" for p in service.ports}),
            "healthcheck": dict(health) if health else None,
            "working_dir": service.working_dir,
            "user": service.user,
            "secrets": [[use.source, use.target] for use in service.secrets],
            "replicas": service.replicas,
            "depends_on": {name: getattr(dep, "condition", dep) for name, dep in depends.items()
                           if name in keys},
            "container_name": service.name if service.name != service.key else None,
        }
    return view


def differences(compose: dict, ours: dict, skip: dict | None = None) -> list[str]:
    """One line per differing field: `services.web.ports: compose [...] / ours [...]`."""
    skip = skip or {}
    found: list[str] = []
    if sorted(compose) != sorted(ours):
        found.append(f"services: compose {sorted(compose)} / ours {sorted(ours)}")
    for key in sorted(set(compose) & set(ours)):
        for field in FIELDS:
            path = f"services.{key}.{field}"
            theirs, mine = compose[key][field], ours[key][field]
            if field == "healthcheck" and theirs and mine:
                for sub in sorted(set(theirs) | set(mine)):
                    if f"{path}.{sub}" not in skip and theirs.get(sub) != mine.get(sub):
                        found.append(f"{path}.{sub}: compose {theirs.get(sub)!r} / ours "
                                     f"{mine.get(sub)!r}")
                continue
            if path not in skip and theirs != mine:
                found.append(f"{path}: compose {theirs!r} / ours {mine!r}")
    return found


def compared_fields(compose: dict) -> int:
    """How many field comparisons a fixture makes (services x FIELDS, health sub-fields)."""
    return sum(len(FIELDS) + len(service["healthcheck"] or {}) for service in compose.values())


def _compose_health(check: dict | None) -> dict | None:
    if not check or check.get("disable") or (check.get("test") or [None])[0] == "NONE":
        return None
    result: dict[str, Any] = {"command": check.get("test")}
    for key, ecs_key in _HEALTH_KEYS:
        if check.get(key) is not None:
            result[ecs_key] = _seconds(check[key])
    if check.get("retries") is not None:
        result["retries"] = check["retries"]
    return result


def _seconds(duration: str) -> int:
    total = sum(float(number) * _UNIT[unit] for number, unit in _DURATION.findall(duration))
    return math.ceil(round(total, 9))


def _without_none(mapping: dict | None) -> dict:
    return {key: value for key, value in (mapping or {}).items() if value is not None}


def _unescape(value: Any) -> Any:
    if isinstance(value, dict):
        return {_unescape(key): _unescape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_unescape(item) for item in value]
    return value.replace("$$", "$") if isinstance(value, str) else value
