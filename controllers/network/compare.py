"""Pure canonicalisation for the network kinds (no I/O).

Security-group rules are a set: AWS groups them into IpPermissions however it likes, so both
sides are flattened to one atom per (protocol, ports, source) and sorted. An atom is a dict:
{"IpProtocol", "FromPort", "ToPort" (absent for all-traffic), and one source: "CidrIp",
"CidrIpv6", "PrefixListId", or "SourceGroupId" (+ "SourceGroupName", the name of that group
when it lives in the same VPC: names are unique per VPC, so they stand for the id while the id
is still known only after apply)}.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from reconciler.resource import UNKNOWN

ALL_TRAFFIC = {"IpProtocol": "-1", "CidrIp": "0.0.0.0/0"}
DEFAULT_ROUTE = "0.0.0.0/0"

_PROTOCOL_NAMES = {"6": "tcp", "17": "udp", "1": "icmp", "58": "icmpv6", "all": "-1"}
_SOURCES = (("IpRanges", "CidrIp"), ("Ipv6Ranges", "CidrIpv6"), ("PrefixListIds", "PrefixListId"))
# Route targets in the order AWS's Route shape lists them; the first present is "where it points".
_ROUTE_TARGETS = ("GatewayId", "NatGatewayId", "NetworkInterfaceId", "InstanceId", "VpcPeeringConnectionId",
                  "TransitGatewayId", "EgressOnlyInternetGatewayId", "LocalGatewayId", "CarrierGatewayId")


def rule_atoms(permissions: Iterable[Mapping[str, Any]], group_names: Mapping[str, str]) -> list[dict]:
    """Observed IpPermissions -> sorted atoms. `group_names`: id -> name of the VPC's groups."""
    atoms = []
    for permission in permissions:
        base = _base(permission)
        for list_key, field in _SOURCES:
            atoms += [{**base, field: item[field]} for item in permission.get(list_key) or [] if field in item]
        for pair in permission.get("UserIdGroupPairs") or []:
            atoms.append({**base, "SourceGroupId": pair["GroupId"], "SourceGroupName": group_names.get(pair["GroupId"])})
    return canonical_rules(atoms)


def canonical_rules(atoms: Iterable[Mapping[str, Any]]) -> list[dict]:
    """Normalised (protocol names, no ports for all-traffic) and sorted: a set, in order."""
    out = []
    for atom in atoms:
        item = dict(atom)
        item.update(_base(atom))
        if item["IpProtocol"] == "-1":
            item.pop("FromPort", None)
            item.pop("ToPort", None)
        out.append(item)
    return sorted(out, key=lambda a: repr(sorted(a.items())))


def settle_sources(atoms: Iterable[Mapping[str, Any]], group_ids: Mapping[str, str]) -> list[dict]:
    """Desired atoms whose source group id is still UNKNOWN (a group of this same kind, so the
    engine resolves it only at apply) get the id of the VPC's group with that name, if any."""
    out = []
    for atom in atoms:
        item = dict(atom)
        if item.get("SourceGroupId") is UNKNOWN and item.get("SourceGroupName") in group_ids:
            item["SourceGroupId"] = group_ids[item["SourceGroupName"]]
        out.append(item)
    return canonical_rules(out)


def settle_prefix_lists(atoms: Iterable[Mapping[str, Any]], ids: Mapping[str, str]) -> list[dict]:
    """Desired atoms naming an AWS-managed prefix list (`PrefixListName`: its id differs per
    region) get its id, when known; the others are returned as they are."""
    out = []
    for atom in atoms:
        item = dict(atom)
        if item.get("PrefixListName") in ids:
            item["PrefixListId"] = ids[item.pop("PrefixListName")]
        out.append(item)
    return out


def identity(atom: Mapping[str, Any]) -> tuple:
    """What makes two atoms the same rule (the source's name is only a label)."""
    return tuple(sorted((k, v) for k, v in atom.items() if k != "SourceGroupName"))


def rules_to_add_and_remove(desired: list[dict], observed: list[dict]) -> tuple[list[dict], list[dict]]:
    want = {identity(a): a for a in desired}
    have = {identity(a): a for a in observed}
    add = [a for k, a in want.items() if k not in have]
    remove = [a for k, a in have.items() if k not in want]
    return add, remove


def to_permissions(atoms: Iterable[Mapping[str, Any]]) -> list[dict]:
    """Atoms -> IpPermissions for Authorize/Revoke (one permission per atom)."""
    permissions = []
    for atom in atoms:
        permission: dict[str, Any] = {"IpProtocol": atom["IpProtocol"]}
        if "FromPort" in atom:
            permission["FromPort"] = atom["FromPort"]
            permission["ToPort"] = atom["ToPort"]
        if "SourceGroupId" in atom:
            permission["UserIdGroupPairs"] = [{"GroupId": atom["SourceGroupId"]}]
        for list_key, field in _SOURCES:
            if field in atom:
                permission[list_key] = [{field: atom[field]}]
        permissions.append(permission)
    return permissions


def _base(permission: Mapping[str, Any]) -> dict:
    protocol = str(permission.get("IpProtocol", "-1")).lower()
    base: dict[str, Any] = {"IpProtocol": _PROTOCOL_NAMES.get(protocol, protocol)}
    if base["IpProtocol"] != "-1" and permission.get("FromPort") is not None:
        base["FromPort"] = int(permission["FromPort"])
        base["ToPort"] = int(permission.get("ToPort", permission["FromPort"]))
    return base


def default_route(routes: Iterable[Mapping[str, Any]]) -> dict | None:
    """The table's 0.0.0.0/0 route as {"DestinationCidrBlock", "GatewayId"} (whatever it points
    at, under one name), or None."""
    for route in routes:
        if route.get("DestinationCidrBlock") == DEFAULT_ROUTE:
            target = next((route[t] for t in _ROUTE_TARGETS if route.get(t)), None)
            return {"DestinationCidrBlock": DEFAULT_ROUTE, "GatewayId": target}
    return None


def subnet_set(ids: Any) -> Any:
    """Subnet ids are a set: sorted (UNKNOWN stays UNKNOWN)."""
    return sorted(ids) if isinstance(ids, list) else ids
