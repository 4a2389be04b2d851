"""alb.load_balancer: one internet-facing application load balancer per environment, shared by
its hosting apps (an ALB costs money every hour; Amazon ECS Express Mode shares one across up to
25 services for the same reason). Exists while any app of the environment is hosted
(`env.has_hosting`, which counts the apps registered in the state store), so converging one app
never removes another's, and it goes when the last hosting app goes.

It spans every subnet of the environment (three zones, or as many as the region has: an ALB
needs two, and a hosting app in a one-zone region is refused before anything is created), with
its own security group ("alb", which admits only CloudFront). Subnets and security groups are
changed in place (SetSubnets, SetSecurityGroups); name, scheme and type are immutable.

Observed with one DescribeLoadBalancers per pass and DescribeTags; ready when `active` (moto:
`provisioning` until the next describe). moto accepts an ALB in one subnet (AWS refuses), and
gives every ALB the canonical hosted zone id `Z2P70J7EXAMPLE`.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from controllers.alb import aws, inventory
from reconciler import naming
from reconciler.compare import diff_fields
from reconciler.controller import BaseController, Context
from reconciler.design import EnvironmentDesign
from reconciler.ownership import stale_tags, tags_for
from reconciler.resource import FieldChange, Key, Observation, Ref, Resource, changed_fields

KIND = "alb.load_balancer"


class LoadBalancerController(BaseController):
    kind = KIND
    scope = "environment"
    immutable = frozenset({"Name", "Scheme", "Type"})
    outputs = frozenset({"arn", "dns_name", "hosted_zone_id", "name"})
    references = frozenset({"network.subnets", "network.security_group"})
    ready_after_apply = False

    def identity(self, key: Key) -> dict[str, Any]:
        return {"Name": naming.load_balancer_name(key.environment)}

    def desired(self, env: EnvironmentDesign) -> list[Resource]:
        if not env.has_hosting:
            return []
        key = Key(KIND, env.name)
        desired = {
            "Name": naming.load_balancer_name(env.name),
            "Scheme": "internet-facing",
            "Type": "application",
            "IpAddressType": "ipv4",
            "Subnets": Ref("network.subnets", "ids"),
            "SecurityGroups": [Ref("network.security_group", "id", name="alb")],
        }
        return [Resource(key, desired, tags_for(key), env.adopt)]

    def observe(self, resources: Sequence[Resource], ctx: Context) -> Mapping[Key, Observation]:
        balancers = inventory.load_balancers(ctx)
        result: dict[Key, Observation] = {}
        for resource in resources:
            found = next((b for b in balancers if b["LoadBalancerName"] == resource.desired["Name"]), None)
            if found is None:
                result[resource.key] = Observation.absent()
                continue
            tags = inventory.tags_of(ctx, [found["LoadBalancerArn"]])[found["LoadBalancerArn"]]
            result[resource.key] = _observed(found, tags)
        return result

    def diff(self, resource: Resource, observation: Observation) -> list[FieldChange]:
        desired = {**resource.desired, "tags": resource.tags}
        for name in ("Subnets", "SecurityGroups"):
            if isinstance(desired[name], list) and all(isinstance(v, str) for v in desired[name]):
                desired[name] = sorted(desired[name])
        return diff_fields(desired, observation.fields)

    def create(self, resource: Resource, ctx: Context) -> Mapping[str, Any]:
        # Names are unique per account and region: a retry finds ours in observe, and a create
        # that raced one is refused by AWS (DuplicateLoadBalancerName) and retried into observe.
        return _outputs(aws.create_load_balancer(inventory.client(ctx), resource.desired, resource.tags))

    def update(self, resource: Resource, observation: Observation, changes: Sequence[FieldChange],
               ctx: Context) -> Mapping[str, Any]:
        elb = inventory.client(ctx)
        arn = observation.outputs["arn"]
        want = resource.desired
        changed = changed_fields(changes)
        if "Subnets" in changed:
            elb.set_subnets(LoadBalancerArn=arn, Subnets=list(want["Subnets"]))
        if "SecurityGroups" in changed:
            elb.set_security_groups(LoadBalancerArn=arn, SecurityGroups=list(want["SecurityGroups"]))
        if "IpAddressType" in changed:
            elb.set_ip_address_type(LoadBalancerArn=arn, IpAddressType=want["IpAddressType"])
        if "tags" in changed:
            aws.add_tags(elb, arn, stale_tags(resource.tags, observation.tags))
        return dict(observation.outputs)

    def delete(self, key: Key, observation: Observation, ctx: Context) -> None:
        # Its listeners and rules go with it; the security group is freed a little later
        # (DependencyViolation meanwhile: retried).
        aws.delete_load_balancer(inventory.client(ctx), observation.outputs["arn"])


def _outputs(balancer: Mapping[str, Any]) -> dict[str, Any]:
    return {"arn": balancer["LoadBalancerArn"], "dns_name": balancer.get("DNSName"),
            "hosted_zone_id": balancer.get("CanonicalHostedZoneId"), "name": balancer["LoadBalancerName"]}


def _observed(balancer: Mapping[str, Any], tags: dict[str, str]) -> Observation:
    state = (balancer.get("State") or {}).get("Code", "")
    return Observation(
        exists=True,
        fields={
            "Name": balancer["LoadBalancerName"],
            "Scheme": balancer.get("Scheme"),
            "Type": balancer.get("Type"),
            "IpAddressType": balancer.get("IpAddressType"),
            "Subnets": sorted(z["SubnetId"] for z in balancer.get("AvailabilityZones") or []),
            "SecurityGroups": sorted(balancer.get("SecurityGroups") or []),
            "tags": tags,
        },
        outputs=_outputs(balancer),
        tags=tags,
        ready=state == "active",
        message="" if state == "active" else f"load balancer is {state or 'unknown'}",
        state=balancer,
    )
