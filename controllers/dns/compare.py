"""Pure canonicalisation for DNS records (no I/O): desired records, Route 53 record sets, and
the owner TXT record that says who owns the records at a name (Route 53 records cannot be
tagged; external-dns keeps the same kind of TXT record for the same reason).

A record here: {"Name", "Type", "TTL", "Values": sorted} or {"Name", "Type", "Alias": {...}};
names and values lower-case without the trailing dot.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from reconciler.domains import absolute, plain
from reconciler.ownership import MANAGED_BY_VALUE, TAG_APP, TAG_ENVIRONMENT, TAG_KIND, TAG_MANAGED_BY, TAG_NAME
from reconciler.resource import UNKNOWN

TTL = 300
HERITAGE = "heritage"
RECORD_TYPES = "reconcile.dev/record-types"


def records(value: Any) -> Any:
    """Desired `Records` (dicts, and lists of `NAME TYPE VALUE` lines from a certificate's
    output) -> sorted canonical records, one per (name, type); UNKNOWN while any part is."""
    found: dict[tuple[str, str], dict] = {}
    for item in _flatten(value):
        if item is UNKNOWN:
            return UNKNOWN
        record = _from_line(item) if isinstance(item, str) else _from_dict(item)
        if record is UNKNOWN:
            return UNKNOWN
        found.setdefault((record["Name"], record["Type"]), record)  # one validation record per name
    return [found[k] for k in sorted(found)]


def _flatten(value: Any) -> Iterable[Any]:
    if value is UNKNOWN:
        yield UNKNOWN
    elif isinstance(value, list):
        for item in value:
            yield from _flatten(item)
    else:
        yield value


def _from_line(line: str) -> dict:
    name, kind, target = line.split()
    return {"Name": plain(name), "Type": kind, "TTL": TTL, "Values": [plain(target)]}


def _from_dict(item: Mapping[str, Any]) -> Any:
    alias = item.get("Alias")
    if alias is not None:
        if any(v is UNKNOWN or v is None for v in alias.values()):
            return UNKNOWN
        return {"Name": plain(item["Name"]), "Type": item["Type"],
                "Alias": {"HostedZoneId": alias["HostedZoneId"], "DNSName": plain(alias["DNSName"]),
                          "EvaluateTargetHealth": bool(alias.get("EvaluateTargetHealth", False))}}
    return {"Name": plain(item["Name"]), "Type": item["Type"], "TTL": int(item.get("TTL", TTL)),
            "Values": sorted(plain(v) for v in item["Values"])}


def observed(record_set: Mapping[str, Any]) -> dict:
    """A Route 53 record set in the canonical shape."""
    alias = record_set.get("AliasTarget")
    if alias is not None:
        return {"Name": plain(record_set["Name"]), "Type": record_set["Type"],
                "Alias": {"HostedZoneId": alias.get("HostedZoneId"), "DNSName": plain(alias.get("DNSName", "")),
                          "EvaluateTargetHealth": bool(alias.get("EvaluateTargetHealth", False))}}
    return {"Name": plain(record_set["Name"]), "Type": record_set["Type"], "TTL": int(record_set.get("TTL") or 0),
            "Values": sorted(plain(v["Value"]) for v in record_set.get("ResourceRecords") or [])}


def record_set(record: Mapping[str, Any]) -> dict:
    """Canonical -> a ResourceRecordSet for ChangeResourceRecordSets."""
    if "Alias" in record:
        alias = record["Alias"]
        return {"Name": absolute(record["Name"]), "Type": record["Type"],
                "AliasTarget": {"HostedZoneId": alias["HostedZoneId"], "DNSName": absolute(alias["DNSName"]),
                                "EvaluateTargetHealth": alias["EvaluateTargetHealth"]}}
    return {"Name": absolute(record["Name"]), "Type": record["Type"], "TTL": record["TTL"],
            "ResourceRecords": [{"Value": absolute(v) if record["Type"] in ("CNAME", "NS") else v}
                                for v in record["Values"]]}


def owner_value(tags: Mapping[str, str], types: Iterable[str]) -> str:
    """The owner TXT record's value: our tags, and the record types we own at the name."""
    pairs = {HERITAGE: tags.get(TAG_MANAGED_BY, MANAGED_BY_VALUE)}
    pairs.update({k: tags[k] for k in (TAG_ENVIRONMENT, TAG_APP, TAG_KIND, TAG_NAME) if k in tags})  # ≤ 255 chars
    pairs[RECORD_TYPES] = "/".join(sorted(set(types)))
    return '"' + ",".join(f"{k}={v}" for k, v in pairs.items()) + '"'


def owner_tags(record_set: Mapping[str, Any] | None) -> tuple[dict[str, str], list[str]] | None:
    """(tags, record types) an owner TXT record says, or None when it is not one of ours."""
    if record_set is None:
        return None
    for value in record_set.get("ResourceRecords") or []:
        text = value.get("Value", "").strip('"')
        pairs = dict(part.split("=", 1) for part in text.split(",") if "=" in part)
        if HERITAGE in pairs:
            types = [t for t in pairs.pop(RECORD_TYPES, "").split("/") if t]
            tags = {TAG_MANAGED_BY: pairs.pop(HERITAGE), **pairs}
            return tags, types
    return None
