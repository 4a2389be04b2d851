"""Warn when a container is told to reach another compose service by its name.

Locally `db` resolves through Compose's network; in one Fargate task every container shares
one network namespace, so the other container is at `localhost`.
"""

from __future__ import annotations

import re

from specs.compose_service import ComposeService
from specs.errors import Problems
from specs.yaml_source import YamlDocument

_URL_HOST = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://(?:[^@/?#]*@)?(?P<host>[^:/?#\[\]]+)")
_HOST_PORT = re.compile(r"^(?P<host>[A-Za-z0-9_.-]+):\d+(?:/.*)?$")


def hosts_in(value: str) -> set[str]:
    """Host names a value points at: the whole value, URL hosts and host:port pairs."""
    hosts: set[str] = set()
    for part in value.split(","):  # lists such as kafka-1:9092,kafka-2:9092
        part = part.strip()
        hosts.add(part)
        for pattern in (_URL_HOST, _HOST_PORT):
            match = pattern.match(part)
            if match:
                hosts.add(match["host"])
    return hosts


def warn_about_service_hosts(
    services: list[ComposeService], document: YamlDocument, problems: Problems
) -> None:
    for service in services:
        others = {name: other.key for other in services if other is not service
                  for name in (other.key, other.name)}
        for variable, value in service.environment.items():
            named = hosts_in(value) & others.keys()
            for host in sorted(named):
                problems.warn(document.warning(service.environment_at.get(variable, service.at),
                    f"service '{service.key}': environment variable {variable} points at "
                    f"service '{others[host]}' as host '{host}'; on Fargate all containers "
                    "of a task share one network namespace, so that host is localhost"))
