"""network.internet_gateway: one internet gateway per environment, attached to its VPC (tasks
run in public subnets with public IPs: no NAT gateway, a documented cost choice).

Observed with one DescribeInternetGateways for every environment (our tags + kind); only when
ours is missing, a second one looks for a look-alike carrying our `Name`. Drift: a detached (or
elsewhere attached) gateway is re-attached in place.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from controllers.network import aws
from controllers.network.common import (
    INTERNET_GATEWAY,
    VPC,
    owned_filters,
    ours_or_lookalikes,
    stale_tags,
    tags_of,
)
from reconciler.controller import BaseController, Context
from reconciler.design import EnvironmentDesign
from reconciler.ownership import creation_tags, tags_for
from reconciler.resource import FieldChange, Key, Observation, Ref, Resource, changed_fields

# AWS reports an internet gateway's attachment as "available" (VPN gateways say "attached").
_ATTACHED = ("available", "attached", "attaching")


def attached_vpcs(gateway: Mapping) -> list[str]:
    return [a["VpcId"] for a in gateway.get("Attachments") or [] if a.get("State") in _ATTACHED]


class InternetGatewayController(BaseController):
    kind = INTERNET_GATEWAY
    scope = "environment"
    references = frozenset({VPC})
    idempotent_create = False  # CreateInternetGateway takes no token: found again by its tags

    def identity(self, key: Key) -> dict[str, Any]:
        return {"VpcId": Ref(VPC, "id")}

    def desired(self, env: EnvironmentDesign) -> list[Resource]:
        key = Key(INTERNET_GATEWAY, env.name)
        return [Resource(key, {"VpcId": Ref(VPC, "id")}, tags_for(key), env.adopt)]

    def observe(self, resources: Sequence[Resource], ctx: Context) -> Mapping[Key, Observation]:
        ec2 = ctx.client("ec2")
        environments = {r.key.environment for r in resources}
        owned = aws.describe_internet_gateways(ec2, owned_filters(INTERNET_GATEWAY, environments))
        found = ours_or_lookalikes(resources, owned, lambda filters: aws.describe_internet_gateways(ec2, filters),
                                   "InternetGatewayId", ctx.recorded)
        result: dict[Key, Observation] = {}
        for resource in resources:
            gateway, copies = found[resource.key]
            if gateway is None:
                result[resource.key] = Observation.absent()
                continue
            tags = tags_of(gateway)
            vpcs = attached_vpcs(gateway)
            result[resource.key] = Observation(
                exists=True,
                fields={"VpcId": vpcs[0] if vpcs else None, "tags": tags},
                outputs={"id": gateway["InternetGatewayId"]},
                tags=tags,
                state=gateway,
                duplicates=[c["InternetGatewayId"] for c in copies],
            )
        return result

    def create(self, resource: Resource, ctx: Context) -> Mapping[str, Any]:
        ec2 = ctx.client("ec2")
        gateway_id = aws.create_internet_gateway(ctx.client("ec2", retries=False), creation_tags(resource))
        aws.attach_internet_gateway(ec2, gateway_id, resource.desired["VpcId"])
        return {"id": gateway_id}

    def update(self, resource: Resource, observation: Observation, changes: Sequence[FieldChange],
               ctx: Context) -> Mapping[str, Any]:
        ec2 = ctx.client("ec2")
        gateway_id = observation.outputs["id"]
        changed = changed_fields(changes)
        if "tags" in changed:
            aws.create_tags(ec2, [gateway_id], stale_tags(resource.tags, observation.tags))
        if "VpcId" in changed:  # detached, or attached elsewhere
            vpc_id = resource.desired["VpcId"]
            attached = attached_vpcs(observation.state)
            for other in attached:
                if other != vpc_id:
                    aws.detach_internet_gateway(ec2, gateway_id, other)
            if vpc_id not in attached:
                aws.attach_internet_gateway(ec2, gateway_id, vpc_id)
        return {"id": gateway_id}

    def delete_duplicate(self, key: Key, duplicate: Any, ctx: Context) -> None:
        ec2 = ctx.client("ec2")
        for gateway in aws.describe_internet_gateways(ec2, [{"Name": "internet-gateway-id", "Values": [duplicate]}]):
            for vpc_id in attached_vpcs(gateway):
                aws.detach_internet_gateway(ec2, duplicate, vpc_id)
        aws.delete_internet_gateway(ec2, duplicate)

    def delete(self, key: Key, observation: Observation, ctx: Context) -> None:
        ec2 = ctx.client("ec2")
        gateway_id = observation.outputs["id"]
        for vpc_id in attached_vpcs(observation.state):
            aws.detach_internet_gateway(ec2, gateway_id, vpc_id)
        aws.delete_internet_gateway(ec2, gateway_id)
