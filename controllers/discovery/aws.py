"""Thin Cloud Map (servicediscovery) and Route 53 calls.

moto 5.2.5 ignores the `Filters` of ListNamespaces and ListServices (it returns everything), so
callers filter the results again on our side; on AWS the filters do the work server-side.
"""
from __future__ import annotations

import hashlib
import json
from typing import Any

from botocore.exceptions import ClientError

from reconciler.aws import error_code, paginate
from reconciler.ownership import as_dict, as_list
from reconciler.resource import Key

PRIVATE_DNS = "DNS_PRIVATE"


def request_id(key: Key, desired: dict[str, Any]) -> str:
    """CreatorRequestId derived from the key and the desired state: a retry after a crash sends
    the same one (AWS answers with the same operation, not a second namespace/service)."""
    text = str(key) + json.dumps(desired, sort_keys=True, default=str)
    return "sc-" + hashlib.sha256(text.encode()).hexdigest()[:40]


def list_private_namespaces(sd: Any, name: str | None = None) -> list[dict]:
    filters = [{"Name": "TYPE", "Values": [PRIVATE_DNS], "Condition": "EQ"}]
    if name:
        filters.append({"Name": "NAME", "Values": [name], "Condition": "EQ"})
    found = paginate(sd, "list_namespaces", "Namespaces", Filters=filters)
    # Filtered again here: moto ignores Filters.
    return [ns for ns in found if ns.get("Type") == PRIVATE_DNS and (name is None or ns.get("Name") == name)]


def list_services(sd: Any, namespace_id: str) -> list[dict]:
    """Summaries of the services in one namespace (summaries do not say their namespace: moto
    ignores the filter and lists every service, so callers confirm with `get_service`)."""
    filters = [{"Name": "NAMESPACE_ID", "Values": [namespace_id], "Condition": "EQ"}]
    return list(paginate(sd, "list_services", "Services", Filters=filters))


def get_service(sd: Any, service_id: str) -> dict | None:
    try:
        return sd.get_service(Id=service_id)["Service"]
    except ClientError as error:
        if error_code(error) == "ServiceNotFound":
            return None
        raise


def tags_of(sd: Any, arn: str) -> dict[str, str]:
    return as_dict(sd.list_tags_for_resource(ResourceARN=arn).get("Tags"))


def tag(sd: Any, arn: str, tags: dict[str, str]) -> None:
    sd.tag_resource(ResourceARN=arn, Tags=as_list(tags))


def hosted_zone_vpcs(route53: Any, zone_id: str | None) -> list[str]:
    """The VPCs a namespace's private hosted zone is associated with ([] when unknown).
    moto gap: the zone is never associated with the VPC (VPCs: []), so the VPC of a namespace is
    unobservable there; on AWS this is how a namespace's VPC is read (Cloud Map does not say)."""
    if not zone_id:
        return []
    try:
        zone = route53.get_hosted_zone(Id=zone_id)
    except ClientError as error:
        if error_code(error) == "NoSuchHostedZone":
            return []
        raise
    return sorted(v["VPCId"] for v in zone.get("VPCs", []) if v.get("VPCId"))


def create_private_namespace(sd: Any, name: str, vpc: str, token: str, tags: dict[str, str]) -> str | None:
    """Submits the creation (asynchronous on AWS); returns the operation id, or None when the
    same request is already in progress (DuplicateRequest)."""
    try:
        return sd.create_private_dns_namespace(Name=name, Vpc=vpc, CreatorRequestId=token, Tags=as_list(tags))["OperationId"]
    except ClientError as error:
        if error_code(error) == "DuplicateRequest":
            return None
        raise


def get_operation(sd: Any, operation_id: str) -> dict | None:
    try:
        return sd.get_operation(OperationId=operation_id)["Operation"]
    except ClientError as error:
        if error_code(error) == "OperationNotFound":
            return None
        raise


def delete_namespace(sd: Any, namespace_id: str) -> None:
    try:
        sd.delete_namespace(Id=namespace_id)
    except ClientError as error:
        # DuplicateRequest: a deletion is already in progress.
        if error_code(error) not in ("NamespaceNotFound", "DuplicateRequest"):
            raise


def dns_config(desired: dict[str, Any]) -> dict[str, Any]:
    return {"RoutingPolicy": desired["RoutingPolicy"], "DnsRecords": desired["DnsRecords"]}


def create_service(sd: Any, desired: dict[str, Any], token: str, tags: dict[str, str]) -> dict:
    return sd.create_service(
        Name=desired["Name"],
        NamespaceId=desired["NamespaceId"],
        CreatorRequestId=token,
        DnsConfig=dns_config(desired),
        HealthCheckCustomConfig=desired["HealthCheckCustomConfig"],
        Tags=as_list(tags),
    )["Service"]


def update_dns_records(sd: Any, service_id: str, records: list[dict]) -> None:
    # UpdateService can change TTLs only; omitting DnsConfig would delete the records.
    sd.update_service(Id=service_id, Service={"DnsConfig": {"DnsRecords": records}})


def delete_service(sd: Any, service_id: str) -> None:
    # ResourceInUse (instances still registered, e.g. ECS tasks draining) propagates: the engine
    # backs off and retries. moto gap: DeleteService never checks for registered instances.
    try:
        sd.delete_service(Id=service_id)
    except ClientError as error:
        if error_code(error) != "ServiceNotFound":
            raise
