"""One ECS cluster per environment (`sc-<env>`), Fargate capacity providers, tagged at creation.

Observed for all environments in one DescribeClusters(include TAGS) call (100 names per call).
Drift is healed in place (TagResource, PutClusterCapacityProviders); CreateCluster is called only
for a cluster that does not exist: on moto it wipes an existing cluster's tags (AWS returns the
existing cluster unchanged), so it is never the way to fix anything.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from controllers.ecs import aws
from controllers.ecs.compare import canonical_cluster
from reconciler import naming
from reconciler.compare import diff_fields
from reconciler.controller import BaseController, Context
from reconciler.design import EnvironmentDesign
from reconciler.ownership import tags_for
from reconciler.resource import FieldChange, Key, Observation, Resource, changed_fields

KIND = "ecs.cluster"
CAPACITY_PROVIDERS = ["FARGATE", "FARGATE_SPOT"]
# On-demand Fargate by default; a service may still ask for FARGATE_SPOT.
DEFAULT_STRATEGY = [{"capacityProvider": "FARGATE", "weight": 1, "base": 0}]


class ClusterController(BaseController):
    kind = KIND
    scope = "environment"
    immutable = frozenset({"clusterName"})
    outputs = frozenset({"name", "arn"})

    def identity(self, key: Key) -> dict[str, Any]:
        return {"clusterName": naming.cluster_name(key.environment)}

    def desired(self, env: EnvironmentDesign) -> list[Resource]:
        if not env.app_names:
            return []
        key = Key(KIND, env.name)
        desired = {
            "clusterName": naming.cluster_name(env.name),
            "capacityProviders": list(CAPACITY_PROVIDERS),
            "defaultCapacityProviderStrategy": [dict(s) for s in DEFAULT_STRATEGY],
        }
        return [Resource(key, desired, tags_for(key), env.adopt)]

    def observe(self, resources: Sequence[Resource], ctx: Context) -> Mapping[Key, Observation]:
        names = [r.desired["clusterName"] for r in resources]
        found = {c["clusterName"]: c for c in aws.describe_clusters(ctx.client("ecs"), names) if c.get("status") != "INACTIVE"}
        result: dict[Key, Observation] = {}
        for resource in resources:
            cluster = found.get(resource.desired["clusterName"])
            if cluster is None:
                result[resource.key] = Observation.absent()
                continue
            tags = aws.tags_of(cluster)
            result[resource.key] = Observation(
                exists=True,
                fields=canonical_cluster({
                    "clusterName": cluster["clusterName"],
                    "capacityProviders": cluster.get("capacityProviders") or [],
                    "defaultCapacityProviderStrategy": cluster.get("defaultCapacityProviderStrategy") or [],
                    "tags": tags,
                }),
                outputs={"name": cluster["clusterName"], "arn": cluster["clusterArn"]},
                tags=tags,
                ready=cluster.get("status") == "ACTIVE",  # PROVISIONING while capacity providers attach
                message=f"status {cluster.get('status')}",
                state=cluster,
            )
        return result

    def diff(self, resource: Resource, observation: Observation) -> list[FieldChange]:
        desired = canonical_cluster({**resource.desired, "tags": resource.tags})
        return diff_fields(desired, observation.fields)

    def create(self, resource: Resource, ctx: Context) -> Mapping[str, Any]:
        want = resource.desired
        cluster = aws.create_cluster(ctx.client("ecs"), want["clusterName"], want["capacityProviders"],
                                     want["defaultCapacityProviderStrategy"], resource.tags)
        return {"name": cluster["clusterName"], "arn": cluster["clusterArn"]}

    def update(self, resource: Resource, observation: Observation, changes: Sequence[FieldChange],
               ctx: Context) -> Mapping[str, Any]:
        client = ctx.client("ecs")
        want = resource.desired
        changed = changed_fields(changes)
        if "tags" in changed:
            stale = {k: v for k, v in resource.tags.items() if observation.tags.get(k) != v}
            aws.tag_resource(client, observation.outputs["arn"], stale)
        if changed & {"capacityProviders", "defaultCapacityProviderStrategy"}:
            aws.put_capacity_providers(client, want["clusterName"], want["capacityProviders"],
                                       want["defaultCapacityProviderStrategy"])
        return dict(observation.outputs)

    def delete(self, key: Key, observation: Observation, ctx: Context) -> None:
        name = observation.outputs.get("name") or naming.cluster_name(key.environment)
        aws.delete_cluster(ctx.client("ecs"), name)
