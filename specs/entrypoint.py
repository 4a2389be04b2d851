"""Which container:port receives traffic, and the one-network-namespace port rule.

The entrypoint is never picked silently: it is either the spec's choice or the only
container that publishes ports; anything else is an error saying how to choose.
"""

from __future__ import annotations

from specs.compose_service import ComposeService
from specs.errors import Problems
from specs.loader import LoadedSpec
from specs.ports import ContainerPort
from specs.translation import Entrypoint
from specs.yaml_source import YamlDocument


def _ports_text(service: ComposeService) -> str:
    return ", ".join(f"{p.port}/{p.protocol}" if p.protocol != "tcp" else str(p.port)
                     for p in service.ports) or "none"


def choose_entrypoint(
    spec: LoadedSpec, services: list[ComposeService], document: YamlDocument, problems: Problems
) -> Entrypoint | None:
    chosen = spec.model.spec.entrypoint
    if chosen is None:
        return _only_publisher(spec, services, problems)
    service = next((s for s in services if s.name == chosen.container), None)
    service = service or next((s for s in services if s.key == chosen.container), None)
    if service is None:
        names = ", ".join(f"'{s.name}'" for s in services)
        problems.add(spec.error(("spec", "entrypoint", "container"),
                                f"no container named '{chosen.container}'; the containers are "
                                f"{names}"))
        return None
    tcp_ports = [p.port for p in service.ports if p.protocol == "tcp"]
    if chosen.port is None:
        if tcp_ports:
            return Entrypoint(service.name, tcp_ports[0])
        problems.add(spec.error(("spec", "entrypoint", "container"),
                                f"container '{service.name}' publishes no tcp port; add 'ports' "
                                "to its service or set spec.entrypoint.port"))
        return None
    if chosen.port in tcp_ports:
        return Entrypoint(service.name, chosen.port)
    if service.ports:
        problems.add(spec.error(("spec", "entrypoint", "port"),
                                f"container '{service.name}' does not publish tcp port "
                                f"{chosen.port}; its ports: {_ports_text(service)}"))
        return None
    # A container with no ports at all: the spec's port is taken as the one it listens on.
    service.ports.append(ContainerPort(chosen.port, "tcp"))
    problems.warn(document.warning(service.at, f"service '{service.key}' publishes no ports; "
                                   f"mapping port {chosen.port} from spec.entrypoint.port"))
    return Entrypoint(service.name, chosen.port)


def _only_publisher(
    spec: LoadedSpec, services: list[ComposeService], problems: Problems
) -> Entrypoint | None:
    publishers = [s for s in services if any(p.protocol == "tcp" for p in s.ports)]
    if len(publishers) == 1:
        service = publishers[0]
        return Entrypoint(service.name, next(p.port for p in service.ports if p.protocol == "tcp"))
    if not publishers:
        problems.add(spec.error(("spec",), "no container publishes a tcp port, so nothing can "
                                "receive traffic: add 'ports' to a service, or set "
                                "spec.entrypoint.container and spec.entrypoint.port"))
        return None
    listed = "; ".join(f"'{s.name}' ({_ports_text(s)})" for s in publishers)
    problems.add(spec.error(("spec",), f"several containers publish ports: {listed}; choose the "
                            "one that receives traffic with spec.entrypoint.container (and "
                            "spec.entrypoint.port)"))
    return None


def check_port_clashes(
    services: list[ComposeService], document: YamlDocument, problems: Problems
) -> None:
    """All containers of a Fargate task share one network namespace: one owner per port."""
    owners: dict[ContainerPort, ComposeService] = {}
    for service in services:
        for port in service.ports:
            first = owners.setdefault(port, service)
            if first is service:
                continue
            problems.add(document.error(service.port_at.get(port, service.at),
                f"port {port.port}/{port.protocol} is used by both '{first.name}' and "
                f"'{service.name}': all containers of a Fargate task share one network "
                "namespace, so each port can have only one container"))
