"""alb.target_group: per hosting app, a target group of type `ip` (Fargate tasks register by IP)
on the entrypoint port, with the health check on the path the app's compose healthcheck
checks (`curl -f http://localhost:PORT/health`), `hosting.healthCheckPath`, or `/`; any 2xx or
3xx answer is healthy.

Keyed by the port (key name `8080`, name `sc-<env>-<app>-<port>`): a new port is a new target
group beside the old one; the rule and the service move to it, then the old one is pruned (a
target group in use cannot be deleted, so a replace in place could never finish). The health
check drifting is restored with ModifyTargetGroup.

Observed with one DescribeTargetGroups per pass and DescribeTags. moto keeps some health-check
numbers as strings (compared as numbers here).
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from controllers.alb import aws, inventory
from controllers.alb.compare import health_check_path, health_check_request, observed_health_check
from reconciler import naming
from reconciler.compare import diff_fields
from reconciler.controller import BaseController, Context
from reconciler.design import AppDesign, EnvironmentDesign
from reconciler.ownership import as_list, stale_tags, tags_for
from reconciler.resource import FieldChange, Key, Observation, Ref, Resource, changed_fields

KIND = "alb.target_group"


def group_key(environment: str, app: AppDesign) -> Key:
    return Key(KIND, environment, app.name, str(app.translation.entrypoint.port))


class TargetGroupController(BaseController):
    kind = KIND
    scope = "app"
    immutable = frozenset({"Name", "Protocol", "ProtocolVersion", "Port", "VpcId", "TargetType"})
    outputs = frozenset({"arn", "name"})
    references = frozenset({"network.vpc"})
    standard_names = ()  # named by the port: found through the inventory

    def identity(self, key: Key) -> dict[str, Any]:
        port = int(key.name) if key.name.isdigit() else 0
        return {"Name": naming.target_group_name(key.environment, key.app or "", port)}

    def desired(self, env: EnvironmentDesign) -> list[Resource]:
        resources = []
        for app in env.apps:
            if app.hosting is None:
                continue
            key = group_key(env.name, app)
            port = app.translation.entrypoint.port
            desired = {
                "Name": naming.target_group_name(env.name, app.name, port),
                "Protocol": "HTTP", "ProtocolVersion": "HTTP1", "Port": port, "TargetType": "ip",
                "VpcId": Ref("network.vpc", "id"),
                "HealthCheck": {
                    "HealthCheckProtocol": "HTTP", "HealthCheckPort": "traffic-port",
                    "HealthCheckPath": health_check_path(app), "HealthCheckEnabled": True,
                    "HealthCheckIntervalSeconds": 15, "HealthCheckTimeoutSeconds": 5,
                    "HealthyThresholdCount": 2, "UnhealthyThresholdCount": 3, "Matcher": {"HttpCode": "200-399"},
                },
            }
            resources.append(Resource(key, desired, tags_for(key, app.labels), app.adopt))
        return resources

    def observe(self, resources: Sequence[Resource], ctx: Context) -> Mapping[Key, Observation]:
        groups = inventory.target_groups(ctx)
        result: dict[Key, Observation] = {}
        for resource in resources:
            found = next((g for g in groups if g["TargetGroupName"] == resource.desired["Name"]), None)
            if found is None:
                result[resource.key] = Observation.absent()
                continue
            tags = inventory.tags_of(ctx, [found["TargetGroupArn"]])[found["TargetGroupArn"]]
            result[resource.key] = _observed(found, tags)
        return result

    def create(self, resource: Resource, ctx: Context) -> Mapping[str, Any]:
        want = resource.desired
        request = {name: want[name] for name in ("Name", "Protocol", "ProtocolVersion", "Port", "VpcId", "TargetType")}
        request.update(health_check_request(want["HealthCheck"]))
        request["Tags"] = as_list(resource.tags)
        # Same name and settings: AWS returns the existing group (idempotent), so a retry is safe.
        group = aws.create_target_group(inventory.client(ctx), request)
        return {"arn": group["TargetGroupArn"], "name": group["TargetGroupName"]}

    def update(self, resource: Resource, observation: Observation, changes: Sequence[FieldChange],
               ctx: Context) -> Mapping[str, Any]:
        elb = inventory.client(ctx)
        arn = observation.outputs["arn"]
        changed = changed_fields(changes)
        if "HealthCheck" in changed:
            aws.modify_target_group(elb, arn, health_check_request(resource.desired["HealthCheck"]))
        if "tags" in changed:
            aws.add_tags(elb, arn, stale_tags(resource.tags, observation.tags))
        return dict(observation.outputs)

    def delete(self, key: Key, observation: Observation, ctx: Context) -> None:
        # ResourceInUse while a rule still forwards to it: retried (the rule goes first).
        aws.delete_target_group(inventory.client(ctx), observation.outputs["arn"])

    def diff(self, resource: Resource, observation: Observation) -> list[FieldChange]:
        return diff_fields({**resource.desired, "tags": resource.tags}, observation.fields)


def _observed(group: Mapping[str, Any], tags: dict[str, str]) -> Observation:
    fields = {
        "Name": group["TargetGroupName"], "Protocol": group.get("Protocol"),
        "ProtocolVersion": group.get("ProtocolVersion"), "Port": int(group.get("Port") or 0),
        "VpcId": group.get("VpcId"), "TargetType": group.get("TargetType"),
        "HealthCheck": observed_health_check(group), "tags": tags,
    }
    return Observation(True, fields=fields, outputs={"arn": group["TargetGroupArn"], "name": group["TargetGroupName"]},
                       tags=tags, state=group)
