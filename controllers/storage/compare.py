"""Pure helpers: the key schema a grant asks for, and a described table in the desired shape."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

KEY_FIELDS = ("KeySchema", "AttributeDefinitions")


def key_schema(partition: tuple[str, str], sort: tuple[str, str] | None) -> list[dict[str, str]]:
    keys = [{"AttributeName": partition[0], "KeyType": "HASH"}]
    if sort is not None:
        keys.append({"AttributeName": sort[0], "KeyType": "RANGE"})
    return keys


def attribute_definitions(partition: tuple[str, str], sort: tuple[str, str] | None) -> list[dict[str, str]]:
    return [{"AttributeName": name, "AttributeType": kind} for name, kind in filter(None, (partition, sort))]


def observed_fields(table: Mapping[str, Any], tags: Mapping[str, str], pitr: bool | None) -> dict[str, Any]:
    """Canonical: HASH before RANGE; only the key attributes' definitions (AWS also lists the
    attributes of secondary indexes, which are not ours to compare); PROVISIONED when AWS omits
    BillingModeSummary (tables created before on-demand existed)."""
    keys = sorted(table.get("KeySchema", []), key=lambda k: k["KeyType"] != "HASH")
    types = {a["AttributeName"]: a["AttributeType"] for a in table.get("AttributeDefinitions", [])}
    return {
        "TableName": table["TableName"],
        "BillingMode": table.get("BillingModeSummary", {}).get("BillingMode", "PROVISIONED"),
        "KeySchema": [{"AttributeName": k["AttributeName"], "KeyType": k["KeyType"]} for k in keys],
        "AttributeDefinitions": [{"AttributeName": k["AttributeName"], "AttributeType": types.get(k["AttributeName"])}
                                 for k in keys],
        "DeletionProtectionEnabled": bool(table.get("DeletionProtectionEnabled", False)),
        "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": pitr},
        "tags": dict(tags),
    }


def key_change(desired: Mapping[str, Any], observed: Mapping[str, Any]) -> str:
    """'' when the table's keys are as desired, else what differs (`id (S) -> slug (S), ts (N)`)."""
    if any(name not in desired for name in KEY_FIELDS):  # found by name only (a kept table)
        return ""
    if all(desired[name] == observed.get(name) for name in KEY_FIELDS):
        return ""
    return f"{_keys(observed)} -> {_keys(desired)}"


def _keys(fields: Mapping[str, Any]) -> str:
    types = {a["AttributeName"]: a["AttributeType"] for a in fields.get("AttributeDefinitions", [])}
    return ", ".join(f"{k['AttributeName']} ({types.get(k['AttributeName'])})" for k in fields.get("KeySchema", []))
