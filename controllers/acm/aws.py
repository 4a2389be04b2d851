"""Thin ACM calls (and the Route 53 reads the pending-validation diagnosis needs). `find_*`
return None when absent. Certificates are regional: every call takes the client of the region
the certificate lives in (CloudFront's: us-east-1)."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from botocore.exceptions import ClientError

from reconciler.aws import error_code, is_not_found, paginate
from reconciler.ownership import as_dict, as_list

# Every status a certificate of ours can be in that is worth observing (INACTIVE, EXPIRED and
# REVOKED ones are never reused: a new one is requested).
STATUSES = ["PENDING_VALIDATION", "ISSUED", "FAILED", "VALIDATION_TIMED_OUT"]


def list_certificates(acm: Any) -> list[dict]:
    """Summaries (DomainName, Status, CertificateArn) of the region's certificates."""
    return list(paginate(acm, "list_certificates", "CertificateSummaryList", CertificateStatuses=STATUSES))


def tags_of(acm: Any, arn: str) -> dict[str, str]:
    try:
        return as_dict(acm.list_tags_for_certificate(CertificateArn=arn).get("Tags"))
    except ClientError as error:
        if is_not_found(error):
            return {}
        raise


def find_certificate(acm: Any, arn: str) -> dict | None:
    try:
        return acm.describe_certificate(CertificateArn=arn)["Certificate"]
    except ClientError as error:
        if is_not_found(error):
            return None
        raise


def request_certificate(acm: Any, domain: str, alternatives: list[str], token: str, tags: Mapping[str, str],
                        key_algorithm: str) -> str:
    """DNS-validated. The idempotency token (≤ 32 word characters) makes a retried request
    return the first certificate for an hour on AWS (moto ignores it: observe then finds two,
    and the extra one is deleted as superseded)."""
    request: dict[str, Any] = {
        "DomainName": domain, "ValidationMethod": "DNS", "KeyAlgorithm": key_algorithm,
        "IdempotencyToken": "".join(c for c in token if c.isalnum())[:32] or "sc", "Tags": as_list(tags),
    }
    if alternatives:
        request["SubjectAlternativeNames"] = alternatives
    return acm.request_certificate(**request)["CertificateArn"]


def add_tags(acm: Any, arn: str, tags: Mapping[str, str]) -> None:
    if tags:
        acm.add_tags_to_certificate(CertificateArn=arn, Tags=as_list(tags))


def delete_certificate(acm: Any, arn: str) -> bool:
    """True when gone (or already gone); False while AWS says it is still in use."""
    try:
        acm.delete_certificate(CertificateArn=arn)
    except ClientError as error:
        if is_not_found(error):
            return True
        if error_code(error) == "ResourceInUseException":
            return False
        raise
    return True


# --- Route 53 reads for the diagnosis --------------------------------------------------------

def public_zones(route53: Any) -> list[dict]:
    return [z for z in paginate(route53, "list_hosted_zones", "HostedZones") if not z.get("Config", {}).get("PrivateZone")]


def record_sets_at(route53: Any, zone_id: str, name: str) -> list[dict]:
    """The record sets named `name` (every type) in the zone."""
    answer = route53.list_resource_record_sets(HostedZoneId=zone_id, StartRecordName=name, MaxItems="20")
    return [r for r in answer.get("ResourceRecordSets", []) if r["Name"].rstrip(".").lower() == name.rstrip(".").lower()]


def name_servers(route53: Any, zone_id: str) -> list[str]:
    zone = route53.get_hosted_zone(Id=zone_id)
    return list((zone.get("DelegationSet") or {}).get("NameServers") or [])


def registered_name_servers(domains: Any, domain: str) -> list[str] | None:
    """The name servers Route 53 Domains has for a domain registered through it in this account,
    or None when it is not (registered elsewhere, or no permission to ask)."""
    try:
        detail = domains.get_domain_detail(DomainName=domain)
    except ClientError:
        return None
    return [n["Name"] for n in detail.get("Nameservers") or []]
