"""Put the embedded AWS into states real AWS reaches and moto does not (see extensions.py), for
tests of the failure paths. Acts on moto's in-process backends: the embedded AWS runs in this
process. Never used against real AWS."""
from __future__ import annotations

from typing import Any

from reconciler.emulator.server import EMBEDDED_ACCOUNT, EMBEDDED_REGION


def _backend(service: str) -> Any:
    from moto.backends import get_backend

    return get_backend(service)[EMBEDDED_ACCOUNT][EMBEDDED_REGION]


def set_vpc_link_status(link_id: str, status: str, message: str = "") -> None:
    """PENDING, AVAILABLE, FAILED, INACTIVE or DELETING, with AWS's status message."""
    link = _backend("apigatewayv2").vpc_links[link_id]
    link.emulated_status, link.emulated_status_message = status, message


def fail_namespace_creation(operation_id: str, message: str, code: str = "CANNOT_CREATE_HOSTED_ZONE") -> None:
    """Make a CreatePrivateDnsNamespace operation FAIL, as AWS does asynchronously (the
    namespace is not created)."""
    backend = _backend("servicediscovery")
    operation = backend.operations[operation_id]
    operation.status, operation.error_message, operation.error_code = "FAIL", message, code
    backend.namespaces.pop(operation.targets.get("NAMESPACE", ""), None)


def namespace_operations() -> list[Any]:
    return list(_backend("servicediscovery").operations.values())


def set_table_status(name: str, status: str | None) -> None:
    """CREATING, UPDATING, ... (None: back to what moto says, ACTIVE)."""
    _backend("dynamodb").tables[name].emulated_status = status
