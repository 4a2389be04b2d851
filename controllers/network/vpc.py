"""network.vpc: one VPC per environment, CIDR env.cidr, DNS support and hostnames on (Cloud Map's
private DNS namespace resolves only in VPCs with both).

Observed with one DescribeVpcs for every environment (our tags + kind), plus two
DescribeVpcAttribute per VPC (DescribeVpcs does not return the DNS attributes). Only when ours
is missing, a second DescribeVpcs looks for a look-alike carrying our `Name` without our tags,
so the engine refuses it unless the spec adopts it.

The CIDR is immutable: a change plans a replace, and the delete half of it fails with
DependencyViolation for as long as subnets, gateways or security groups live in the VPC (on
AWS and moto alike). That is the refusal we want: the engine reports the failure and retries,
the VPC and everything in it stay as they are. Changing an environment's CIDR means deleting
the environment first.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from controllers.network import aws
from controllers.network.common import VPC, ours_or_lookalikes, owned_filters, stale_tags, tags_of
from reconciler.controller import BaseController, Context
from reconciler.design import EnvironmentDesign
from reconciler.ownership import creation_tags, tags_for
from reconciler.resource import FieldChange, Key, Observation, Resource, changed_fields

# What CreateVpc gives a new VPC (AWS documents both): only what differs is modified.
_CREATED_WITH = {"EnableDnsSupport": True, "EnableDnsHostnames": False}


class VpcController(BaseController):
    kind = VPC
    scope = "environment"
    immutable = frozenset({"CidrBlock"})
    outputs = frozenset({"id", "cidr"})
    idempotent_create = False  # CreateVpc takes no token: found again by its creation tags

    def desired(self, env: EnvironmentDesign) -> list[Resource]:
        key = Key(VPC, env.name)
        desired = {"CidrBlock": env.cidr, "EnableDnsSupport": True, "EnableDnsHostnames": True}
        return [Resource(key, desired, tags_for(key), env.adopt)]

    def observe(self, resources: Sequence[Resource], ctx: Context) -> Mapping[Key, Observation]:
        ec2 = ctx.client("ec2")
        environments = tuple(sorted({r.key.environment for r in resources}))
        owned = ctx.cache.get((VPC, environments), lambda: aws.describe_vpcs(ec2, owned_filters(VPC, environments)))
        found = ours_or_lookalikes(resources, owned, lambda filters: aws.describe_vpcs(ec2, filters), "VpcId", ctx.recorded)
        result: dict[Key, Observation] = {}
        for resource in resources:
            vpc, copies = found[resource.key]
            result[resource.key] = Observation.absent() if vpc is None else self._observation(ec2, vpc)
            result[resource.key].duplicates = [c["VpcId"] for c in copies]
        return result

    def _observation(self, ec2: Any, vpc: Mapping) -> Observation:
        tags = tags_of(vpc)
        fields = {"CidrBlock": vpc["CidrBlock"], **aws.vpc_dns(ec2, vpc["VpcId"]), "tags": tags}
        ready = vpc.get("State") == "available"
        return Observation(
            exists=True,
            fields=fields,
            outputs={"id": vpc["VpcId"], "cidr": vpc["CidrBlock"]},
            tags=tags,
            ready=ready,
            message="" if ready else f"VPC {vpc['VpcId']} is {vpc.get('State')}",
            state=vpc,
        )

    def create(self, resource: Resource, ctx: Context) -> Mapping[str, Any]:
        ec2 = ctx.client("ec2")
        # Sent once (no token: a resend could make a second VPC), tagged with the creation token.
        vpc = aws.create_vpc(ctx.client("ec2", retries=False), resource.desired["CidrBlock"], creation_tags(resource))
        _set_dns(ec2, vpc["VpcId"], resource.desired, _CREATED_WITH)
        return {"id": vpc["VpcId"], "cidr": vpc["CidrBlock"]}

    def update(self, resource: Resource, observation: Observation, changes: Sequence[FieldChange],
               ctx: Context) -> Mapping[str, Any]:
        ec2 = ctx.client("ec2")
        vpc_id = observation.outputs["id"]
        if "tags" in changed_fields(changes):
            aws.create_tags(ec2, [vpc_id], stale_tags(resource.tags, observation.tags))
        _set_dns(ec2, vpc_id, resource.desired, observation.fields)
        return dict(observation.outputs)

    def delete(self, key: Key, observation: Observation, ctx: Context) -> None:
        aws.delete_vpc(ctx.client("ec2"), observation.outputs["id"])

    def delete_duplicate(self, key: Key, duplicate: Any, ctx: Context) -> None:
        aws.delete_vpc(ctx.client("ec2"), duplicate)


def _set_dns(ec2: Any, vpc_id: str, want: Mapping[str, Any], current: Mapping[str, Any]) -> None:
    # Hostnames need support on (AWS): turn support on first, and off last.
    order = ["EnableDnsSupport", "EnableDnsHostnames"]
    for name in order if want["EnableDnsSupport"] else reversed(order):
        if current.get(name) != want[name]:
            aws.set_vpc_attribute(ec2, vpc_id, name, want[name])
