"""Thin Elastic Load Balancing v2 calls (and the ACM reads the HTTPS listener needs to pick its
default certificate). One boto3 call each, paginators for lists, no decisions."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from botocore.exceptions import ClientError

from reconciler.aws import error_code, is_not_found, paginate
from reconciler.ownership import as_dict, as_list

TAGS_PER_CALL = 20  # DescribeTags cap


def load_balancers(elb: Any) -> list[dict]:
    return list(paginate(elb, "describe_load_balancers", "LoadBalancers"))


def listeners(elb: Any, load_balancer_arn: str) -> list[dict]:
    try:
        return list(paginate(elb, "describe_listeners", "Listeners", LoadBalancerArn=load_balancer_arn))
    except ClientError as error:
        if is_not_found(error):
            return []
        raise


def rules(elb: Any, listener_arn: str) -> list[dict]:
    try:
        return list(paginate(elb, "describe_rules", "Rules", ListenerArn=listener_arn))
    except ClientError as error:
        if is_not_found(error):
            return []
        raise


def target_groups(elb: Any) -> list[dict]:
    return list(paginate(elb, "describe_target_groups", "TargetGroups"))


def listener_certificates(elb: Any, listener_arn: str) -> list[dict]:
    try:
        return list(paginate(elb, "describe_listener_certificates", "Certificates", ListenerArn=listener_arn))
    except ClientError as error:
        if is_not_found(error):
            return []
        raise


def tags(elb: Any, arns: list[str]) -> dict[str, dict[str, str]]:
    """ARN -> tags, 20 ARNs per call. DescribeTags fails whole when one ARN is gone (deleted
    since it was listed): that chunk is then asked one by one, and the gone one left out."""
    found: dict[str, dict[str, str]] = {}
    for start in range(0, len(arns), TAGS_PER_CALL):
        chunk = arns[start:start + TAGS_PER_CALL]
        try:
            answer = elb.describe_tags(ResourceArns=chunk)
        except ClientError as error:
            if not is_not_found(error):
                raise
            if len(chunk) > 1:
                for arn in chunk:
                    found.update(tags(elb, [arn]))
            continue
        found.update({d["ResourceArn"]: as_dict(d.get("Tags")) for d in answer.get("TagDescriptions", [])})
    return found


def add_tags(elb: Any, arn: str, new: Mapping[str, str]) -> None:
    if new:
        elb.add_tags(ResourceArns=[arn], Tags=as_list(new))


def create_load_balancer(elb: Any, want: Mapping[str, Any], tags_: Mapping[str, str]) -> dict:
    return elb.create_load_balancer(
        Name=want["Name"], Subnets=list(want["Subnets"]), SecurityGroups=list(want["SecurityGroups"]),
        Scheme=want["Scheme"], Type=want["Type"], IpAddressType=want["IpAddressType"], Tags=as_list(tags_),
    )["LoadBalancers"][0]


def delete_load_balancer(elb: Any, arn: str) -> None:
    try:
        elb.delete_load_balancer(LoadBalancerArn=arn)
    except ClientError as error:
        if not is_not_found(error):
            raise


def create_listener(elb: Any, request: Mapping[str, Any]) -> dict:
    return elb.create_listener(**request)["Listeners"][0]


def modify_listener(elb: Any, arn: str, **changes: Any) -> None:
    elb.modify_listener(ListenerArn=arn, **changes)


def delete_listener(elb: Any, arn: str) -> None:
    try:
        elb.delete_listener(ListenerArn=arn)
    except ClientError as error:
        if not is_not_found(error):
            raise


def create_target_group(elb: Any, request: Mapping[str, Any]) -> dict:
    return elb.create_target_group(**request)["TargetGroups"][0]


def modify_target_group(elb: Any, arn: str, health_check: Mapping[str, Any]) -> None:
    elb.modify_target_group(TargetGroupArn=arn, **health_check)


def delete_target_group(elb: Any, arn: str) -> None:
    try:
        elb.delete_target_group(TargetGroupArn=arn)
    except ClientError as error:
        if not is_not_found(error):
            raise


def create_rule(elb: Any, request: Mapping[str, Any]) -> dict:
    return elb.create_rule(**request)["Rules"][0]


def modify_rule(elb: Any, arn: str, conditions: list[dict], actions: list[dict]) -> None:
    elb.modify_rule(RuleArn=arn, Conditions=conditions, Actions=actions)


def delete_rule(elb: Any, arn: str) -> None:
    try:
        elb.delete_rule(RuleArn=arn)
    except ClientError as error:
        if not is_not_found(error):
            raise


def is_priority_taken(error: ClientError) -> bool:
    return error_code(error) == "PriorityInUse"


def add_listener_certificate(elb: Any, listener_arn: str, certificate_arn: str) -> None:
    elb.add_listener_certificates(ListenerArn=listener_arn, Certificates=[{"CertificateArn": certificate_arn}])


def remove_listener_certificate(elb: Any, listener_arn: str, certificate_arn: str) -> None:
    try:
        elb.remove_listener_certificates(ListenerArn=listener_arn, Certificates=[{"CertificateArn": certificate_arn}])
    except ClientError as error:
        if not is_not_found(error):
            raise


def set_default_certificate(elb: Any, listener_arn: str, certificate_arn: str) -> None:
    """ModifyListener's Certificates sets the default certificate only (the SNI list stays on
    AWS; moto 5.2.5 drops it: the certificate kinds of the other apps add theirs back)."""
    elb.modify_listener(ListenerArn=listener_arn, Certificates=[{"CertificateArn": certificate_arn}])


# --- ACM: the certificates of ours a listener may take as its default ------------------------

def certificates(acm: Any) -> list[dict]:
    """Summaries (CertificateArn, Status) of the region's certificates that are or may be issued."""
    return list(paginate(acm, "list_certificates", "CertificateSummaryList",
                         CertificateStatuses=["ISSUED", "PENDING_VALIDATION", "FAILED", "VALIDATION_TIMED_OUT"]))


def certificate_tags(acm: Any, arn: str) -> dict[str, str]:
    try:
        return as_dict(acm.list_tags_for_certificate(CertificateArn=arn).get("Tags"))
    except ClientError as error:
        if is_not_found(error):
            return {}
        raise
