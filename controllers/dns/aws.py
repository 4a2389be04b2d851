"""Thin Route 53 calls. Route 53 is global; record changes are atomic per ChangeBatch."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from reconciler.aws import paginate


def public_zones(route53: Any) -> list[dict]:
    return [z for z in paginate(route53, "list_hosted_zones", "HostedZones") if not z.get("Config", {}).get("PrivateZone")]


def record_sets(route53: Any, zone_id: str) -> list[dict]:
    """Every record set of the zone (one call per 300)."""
    return list(paginate(route53, "list_resource_record_sets", "ResourceRecordSets", HostedZoneId=zone_id))


def change(route53: Any, zone_id: str, changes: Sequence[dict], comment: str) -> str:
    """One atomic ChangeBatch; returns the change id (INSYNC within a minute on AWS; at once on moto)."""
    answer = route53.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch={"Comment": comment[:256],
                                                                                    "Changes": list(changes)})
    return answer["ChangeInfo"]["Id"]
