"""Pure canonicalisation of Cloud Map namespaces and services into the shape of `desired`."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from reconciler.ownership import stale_tags  # noqa: F401  (re-exported for this package)


def dns_records(records: list[Mapping[str, Any]] | None) -> list[dict[str, Any]]:
    """Record type + TTL, ordered by type: the order of DnsRecords carries no meaning."""
    return sorted(({"Type": r.get("Type"), "TTL": r.get("TTL")} for r in records or []), key=lambda r: str(r["Type"]))


def namespace_fields(namespace: Mapping[str, Any], vpcs: list[str], desired_vpc: Any, tags: dict[str, str]) -> dict[str, Any]:
    """`Vpc` is present only when the hosted zone's VPCs could be read (see aws.hosted_zone_vpcs);
    a zone associated with several VPCs matches when ours is among them (left-scoped)."""
    fields: dict[str, Any] = {"Name": namespace.get("Name"), "tags": tags}
    if vpcs:
        fields["Vpc"] = desired_vpc if desired_vpc in vpcs else vpcs[0]
    return fields


def service_fields(service: Mapping[str, Any], tags: dict[str, str]) -> dict[str, Any]:
    dns = service.get("DnsConfig") or {}
    return {
        "Name": service.get("Name"),
        "NamespaceId": service.get("NamespaceId") or dns.get("NamespaceId"),
        "RoutingPolicy": dns.get("RoutingPolicy"),
        "DnsRecords": dns_records(dns.get("DnsRecords")),
        "HealthCheckCustomConfig": service.get("HealthCheckCustomConfig"),
        "tags": tags,
    }


