"""Compose `depends_on` -> ECS container `dependsOn` (Fargate honours start order).

service_started -> START, service_healthy -> HEALTHY (ECS needs a health check on the
dependency), service_completed_successfully -> SUCCESS (the dependency runs to completion,
so it cannot be essential: an essential container that exits stops the whole task).
"""

from __future__ import annotations

from specs.compose_service import DEPENDENCY_CONDITIONS, ComposeService
from specs.errors import Problems


def add_dependencies(services: list[ComposeService], containers: list[dict], document,
                     problems: Problems) -> list[str]:
    """Adds `dependsOn` (and `essential: false` where needed) to `containers`; returns notes."""
    by_key = {service.key: service for service in services}
    definitions = {definition["name"]: definition for definition in containers}
    run_to_completion: dict[str, str] = {}
    for service in services:
        entries = []
        for name, dependency in sorted(service.depends_on.items()):
            other = by_key.get(name)
            if other is None:  # `required: false` on a service that is not deployed
                continue
            condition = DEPENDENCY_CONDITIONS[dependency.condition]
            if condition == "HEALTHY" and other.health_check is None:
                problems.add(document.error(dependency.at + ("condition",),
                    f"service '{name}' has no healthcheck, and ECS can only wait for a healthy "
                    f"container with one: add a healthcheck to '{name}' or use "
                    "condition: service_started"))
                continue
            if condition == "SUCCESS":
                run_to_completion.setdefault(other.name, service.key)
            entries.append({"containerName": other.name, "condition": condition})
        if entries:
            definitions[service.name]["dependsOn"] = entries
    notes = []
    for name, waiter in run_to_completion.items():
        definitions[name]["essential"] = False
        notes.append(f"container '{name}' is not essential: it runs to completion before "
                     f"'{waiter}' starts (depends_on condition service_completed_successfully)")
    return notes
