"""Thin ECS calls: one boto3 call each (plus chunking where the API caps a batch), no decisions."""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from botocore.exceptions import ClientError

from reconciler import retry
from reconciler.aws import error_code, is_not_found, paginate
from reconciler.ownership import as_dict, as_list

CLUSTERS_PER_CALL = 100  # DescribeClusters cap
SERVICES_PER_CALL = 10  # DescribeServices cap


def ecs_tags(tags: Mapping[str, str]) -> list[dict[str, str]]:
    """ECS spells tags in lower case: [{'key': k, 'value': v}]."""
    return as_list(tags, "key", "value")


def tags_of(item: Mapping[str, Any]) -> dict[str, str]:
    return as_dict(item.get("tags"), "key", "value")


def _chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


# -- clusters ---------------------------------------------------------------------------------
def describe_clusters(ecs: Any, names: list[str]) -> list[dict]:
    found: list[dict] = []
    for chunk in _chunks(sorted(set(names)), CLUSTERS_PER_CALL):
        found.extend(ecs.describe_clusters(clusters=chunk, include=["TAGS"]).get("clusters", []))
    return found


def create_cluster(ecs: Any, name: str, capacity_providers: list[str], strategy: list[dict],
                   tags: Mapping[str, str]) -> dict:
    # Only for a cluster observe did not find: on moto, CreateCluster on an existing name wipes
    # its tags and settings (AWS returns it unchanged), so drift is never fixed by re-creating.
    return ecs.create_cluster(clusterName=name, capacityProviders=capacity_providers,
                              defaultCapacityProviderStrategy=strategy, tags=ecs_tags(tags))["cluster"]


def put_capacity_providers(ecs: Any, name: str, capacity_providers: list[str], strategy: list[dict]) -> None:
    ecs.put_cluster_capacity_providers(cluster=name, capacityProviders=capacity_providers,
                                       defaultCapacityProviderStrategy=strategy)


def delete_cluster(ecs: Any, name: str) -> None:
    try:
        ecs.delete_cluster(cluster=name)
    except ClientError as error:
        if error_code(error) != "ClusterNotFoundException":
            raise


def tag_resource(ecs: Any, arn: str, tags: Mapping[str, str]) -> None:
    if tags:
        ecs.tag_resource(resourceArn=arn, tags=ecs_tags(tags))


# -- task definitions -------------------------------------------------------------------------
def find_task_definition(ecs: Any, family: str) -> tuple[dict, dict[str, str]] | None:
    """The latest ACTIVE revision of `family` and its tags, or None when the family has none."""
    try:
        answer = ecs.describe_task_definition(taskDefinition=family, include=["TAGS"])
    except ClientError as error:
        if error_code(error) == "ClientException":  # "Unable to describe task definition."
            return None
        raise
    definition = answer["taskDefinition"]
    # AWS answers the latest ACTIVE revision; moto the latest of any status.
    if definition.get("status", "ACTIVE") != "ACTIVE":
        return None
    return definition, tags_of(answer)


def register_task_definition(ecs: Any, content: Mapping[str, Any], tags: Mapping[str, str]) -> dict:
    """`ecs`: a client that does not retry: every call registers a revision, so a resend after a
    lost answer would register two. Resent only when ECS refused it (a role created seconds ago
    not assumable yet: IAM is eventually consistent; throttling)."""
    return retry.Policy("register_task_definition", lambda e: retry.role_not_assumable_yet(e) or retry.not_found(e)
                        or retry.throttled(e), max_attempts=8, max_seconds=12.0).call(
        ecs.register_task_definition, **content, tags=ecs_tags(tags))["taskDefinition"]


def active_revisions(ecs: Any, family: str) -> list[str]:
    # familyPrefix is a prefix on AWS ("dev-api" also lists "dev-api-v2"): keep the exact family.
    arns = paginate(ecs, "list_task_definitions", "taskDefinitionArns", familyPrefix=family, status="ACTIVE")
    return [arn for arn in arns if arn.rsplit("/", 1)[-1].rsplit(":", 1)[0] == family]


def deregister_task_definition(ecs: Any, arn: str) -> None:
    try:
        ecs.deregister_task_definition(taskDefinition=arn)
    except ClientError as error:
        if error_code(error) != "ClientException":  # already gone
            raise


# -- services ---------------------------------------------------------------------------------
def describe_services(ecs: Any, cluster: str, names: list[str]) -> list[dict]:
    """The services found (any status); an absent cluster means none."""
    found: list[dict] = []
    for chunk in _chunks(sorted(set(names)), SERVICES_PER_CALL):
        try:
            answer = ecs.describe_services(cluster=cluster, services=chunk, include=["TAGS"])
        except ClientError as error:
            if error_code(error) == "ClusterNotFoundException":
                return []
            raise
        found.extend(answer.get("services", []))
    return found


def create_service(ecs: Any, request: Mapping[str, Any]) -> dict:
    # Same: ECS checks it can assume the roles; the clientToken makes the retry idempotent.
    return retry.iam_propagation.call(ecs.create_service, **request)["service"]


def update_service(ecs: Any, cluster: str, name: str, changes: Mapping[str, Any]) -> dict:
    return ecs.update_service(cluster=cluster, service=name, **changes)["service"]


def delete_service(ecs: Any, cluster: str, name: str) -> None:
    try:
        ecs.delete_service(cluster=cluster, service=name, force=True)
    except ClientError as error:
        if error_code(error) not in ("ServiceNotFoundException", "ServiceNotActiveException", "ClusterNotFoundException"):
            raise


def active_service_tags(ecs: Any, cluster: str) -> list[dict[str, str]]:
    """Tags of every ACTIVE service in the cluster (none when the cluster does not exist)."""
    try:
        arns = list(paginate(ecs, "list_services", "serviceArns", cluster=cluster))
    except ClientError as error:
        if error_code(error) == "ClusterNotFoundException":
            return []
        raise
    found = []
    for chunk in _chunks(arns, 10):
        services = ecs.describe_services(cluster=cluster, services=chunk, include=["TAGS"])["services"]
        found.extend(tags_of(s) for s in services if s.get("status") == "ACTIVE")
    return found


def stopped_tasks(ecs: Any, cluster: str, service: str, limit: int = 3) -> list[dict]:
    """The most recently stopped tasks of a service (ECS keeps them about an hour): why they
    stopped. Read only while a rollout fails, so a healthy pass makes no extra call."""
    try:
        arns = ecs.list_tasks(cluster=cluster, serviceName=service, desiredStatus="STOPPED",
                              maxResults=limit).get("taskArns", [])
        return ecs.describe_tasks(cluster=cluster, tasks=arns).get("tasks", []) if arns else []
    except ClientError as error:
        if error_code(error) in ("ClusterNotFoundException", "ServiceNotFoundException", "InvalidParameterException"):
            return []
        raise


def target_health(elbv2: Any, target_group_arn: str) -> list[dict]:
    """DescribeTargetHealth of one target group: each registered target's State (initial,
    healthy, unhealthy, draining, unused, unavailable) with AWS's Reason and Description. Read
    only while a load-balanced service's rollout is not done, so a healthy pass makes no call."""
    try:
        return elbv2.describe_target_health(TargetGroupArn=target_group_arn).get("TargetHealthDescriptions", [])
    except ClientError as error:
        if is_not_found(error):  # TargetGroupNotFound: the group went while we looked
            return []
        raise
