"""Compose `ports` entries read the Compose way: HOST:CONTAINER, container port wins.

On Fargate every container of a task shares one network interface and hostPort must equal
containerPort, so only the container port survives; anything else is reported. A range
(`9000-9002`) is one port per number, as Compose expands it, up to MAX_RANGE ports.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

_NUMBER = re.compile(r"^\d+$")
_RANGE = re.compile(r"^\d+-\d+$")
_LONG_SYNTAX_KEYS = {"target", "published", "host_ip", "protocol", "mode", "app_protocol", "name"}
MAX_RANGE = 100  # each port is a port mapping in the task definition


class PortError(ValueError):
    pass


@dataclass(frozen=True)
class ContainerPort:
    port: int
    protocol: str  # "tcp" | "udp"


def read_port(entry: Any) -> tuple[list[ContainerPort], list[str]]:
    """One `ports` entry -> its container ports and notes on what was ignored."""
    if isinstance(entry, dict):
        return _long_syntax(entry)
    if isinstance(entry, bool) or not isinstance(entry, (int, str)):
        raise PortError("must be a port like \"8080\", \"8080:80\" or a mapping with 'target'")
    text = str(entry).strip()
    protocol = "tcp"
    if "/" in text:
        text, protocol = text.rsplit("/", 1)
    host_ip, published, target = _split_short(text)
    return _build(target, published, host_ip, protocol)


def _split_short(text: str) -> tuple[str | None, str | None, str]:
    if text.startswith("["):  # [IPv6]:published:target
        address, separator, rest = text[1:].partition("]:")
        if not separator:
            raise PortError(f"cannot read port {text!r}")
        published, _, target = rest.rpartition(":")
        return address, published, target
    parts = text.split(":")
    if len(parts) == 1:
        return None, None, parts[0]
    if len(parts) == 2:
        return None, parts[0], parts[1]
    if len(parts) == 3:
        return parts[0], parts[1], parts[2]
    raise PortError(f"cannot read port {text!r}; write an IPv6 host address as [::1]")


def _long_syntax(entry: dict) -> tuple[list[ContainerPort], list[str]]:
    if "target" not in entry:
        raise PortError("the long syntax needs 'target' (the container port)")
    notes = [f"'{key}' is ignored" for key in entry if key not in _LONG_SYNTAX_KEYS]
    published = entry.get("published")
    ports, more = _build(
        str(entry["target"]),
        None if published is None else str(published),
        entry.get("host_ip"),
        str(entry.get("protocol") or "tcp"),
    )
    return ports, notes + more


def _build(
    target: str, published: str | None, host_ip: str | None, protocol: str
) -> tuple[list[ContainerPort], list[str]]:
    target = target.strip()
    ports = _numbers(target)
    protocol = protocol.strip().lower()
    if protocol not in ("tcp", "udp"):
        raise PortError(f"protocol {protocol!r} is not supported on Fargate: use tcp or udp")
    notes: list[str] = []
    if host_ip:
        notes.append(f"host address {host_ip} is ignored: Fargate tasks listen on their own "
                     "network interface")
    if published and published != target:
        where = f"port {ports[0]}" if len(ports) == 1 else f"ports {target}"
        notes.append(f"published port {published} is ignored: on Fargate the host port is the "
                     f"container port, so traffic reaches {where}")
    return [ContainerPort(port, protocol) for port in ports], notes


def _numbers(text: str) -> list[int]:
    if not _RANGE.match(text):
        return [_number(text)]
    first, last = (_number(part) for part in text.split("-"))
    if last < first:
        raise PortError(f"port range {text!r} ends before it starts")
    if last - first + 1 > MAX_RANGE:
        raise PortError(f"port range {text!r} holds {last - first + 1} ports; at most "
                        f"{MAX_RANGE} ports fit, one port mapping each, in a task definition")
    return list(range(first, last + 1))


def _number(text: str) -> int:
    if not _NUMBER.match(text) or not 1 <= int(text) <= 65535:
        raise PortError(f"container port {text!r} must be a number between 1 and 65535")
    return int(text)
