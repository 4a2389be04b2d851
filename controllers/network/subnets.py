"""network.subnets: one resource per environment managing its public subnets, one per zone the
environment spans (env.zone_count: 3, fewer only where the region has fewer zones), in zone order.
Outputs `ids` (all of them: the VPC link and the load balancer span every zone) and `ids_one_az`
(the first: where the tasks of an app without highAvailability run).

Each subnet's CIDR is carved from the VPC's deterministically by AZ index (the index-th /24, or
the index-th block of the VPC prefix + 4 bits when that is smaller), and carries its index in a
tag. The count follows the region, not the specs, so one app asking for high availability never
reshapes what the others share. Should it change (an environment made by an earlier release had
one subnet), growing adds subnets and shrinking deletes the extra ones, both as updates.

Observed with one DescribeSubnets for every VPC of the pass (filter vpc-id): that also returns
foreign subnets sitting on one of our CIDRs, which are look-alikes (refused unless adopted).
"""
from __future__ import annotations

import ipaddress
import itertools
from collections.abc import Mapping, Sequence
from typing import Any

from controllers.network import aws
from controllers.network.common import SUBNETS, VPC, is_ours, observe_in_vpcs, stale_tags, tags_of
from reconciler.ownership import TAG_AZ_INDEX
from reconciler.controller import BaseController, Context
from reconciler.design import EnvironmentDesign
from reconciler.errors import TerminalError
from reconciler.ownership import tags_for
from reconciler.compare import diff_fields
from reconciler.resource import FieldChange, Key, Observation, Ref, Resource


def carve(vpc_cidr: str, count: int) -> list[str]:
    """The first `count` subnet CIDRs of the VPC: /24s, or prefix + 4 bits if smaller."""
    network = ipaddress.ip_network(vpc_cidr)
    prefix = min(28, max(24, network.prefixlen + 4))
    return [str(block) for block in itertools.islice(network.subnets(new_prefix=prefix), count)]


def _index(tags: Mapping[str, str]) -> int | None:
    value = tags.get(TAG_AZ_INDEX, "")
    return int(value) if value.isdigit() else None


class SubnetsController(BaseController):
    kind = SUBNETS
    scope = "environment"
    immutable = frozenset({"VpcId"})
    outputs = frozenset({"ids", "ids_one_az", "azs"})
    references = frozenset({VPC})

    def identity(self, key: Key) -> dict[str, Any]:
        return {"VpcId": Ref(VPC, "id"), "Subnets": []}

    def desired(self, env: EnvironmentDesign) -> list[Resource]:
        key = Key(SUBNETS, env.name)
        subnets = [
            {"Index": index, "CidrBlock": cidr, "MapPublicIpOnLaunch": True}
            | ({"AvailabilityZoneId": env.zones[index]} if index < len(env.zones) else {})
            for index, cidr in enumerate(carve(env.cidr, env.zone_count))
        ]
        return [Resource(key, {"VpcId": Ref(VPC, "id"), "Subnets": subnets}, tags_for(key), env.adopt)]

    def diff(self, resource: Resource, observation: Observation) -> list[FieldChange]:
        """A subnet's zone is chosen when it is made and cannot change: compared for new slots
        only (the plan says which zone a new subnet goes in)."""
        existing = {s["Index"] for s in observation.fields.get("Subnets", [])}
        wanted = [{k: v for k, v in item.items() if not (k == "AvailabilityZoneId" and item["Index"] in existing)}
                  for item in resource.desired["Subnets"]]
        return diff_fields({**resource.desired, "Subnets": wanted, "tags": resource.tags}, observation.fields)

    def observe(self, resources: Sequence[Resource], ctx: Context) -> Mapping[Key, Observation]:
        return observe_in_vpcs(resources, lambda filters: aws.describe_subnets(ctx.client("ec2"), filters), self._observation)

    def _observation(self, resource: Resource, in_vpc: list[dict]) -> Observation:
        by_index: dict[int, dict] = {}
        for subnet in sorted(in_vpc, key=lambda s: s["SubnetId"]):
            index = _index(tags_of(subnet))
            if is_ours(tags_of(subnet), resource.key) and index is not None:
                by_index.setdefault(index, subnet)
        # Foreign subnets on a CIDR we want: look-alikes, adopted into that slot when allowed.
        foreign: dict[int, dict] = {}
        for item in resource.desired["Subnets"]:
            if item["Index"] in by_index:
                continue
            taken = [s for s in in_vpc if s["CidrBlock"] == item["CidrBlock"]]
            if taken:
                foreign[item["Index"]] = taken[0]
        members = {**by_index, **foreign}
        if not members:
            return Observation.absent()
        wanted = [item["Index"] for item in resource.desired["Subnets"]]
        present = [i for i in wanted if i in members]
        owner = next(iter(foreign.values())) if foreign else members[min(members)]
        common = set.intersection(*(set(tags_of(s).items()) for s in members.values()))
        fields = {
            "VpcId": resource.desired["VpcId"],
            "Subnets": [
                {"Index": i, "CidrBlock": s["CidrBlock"], "MapPublicIpOnLaunch": bool(s.get("MapPublicIpOnLaunch")),
                 "AvailabilityZone": s["AvailabilityZone"], "SubnetId": s["SubnetId"]}
                for i, s in sorted(members.items())
            ],
            "tags": dict(common),
        }
        ready = len(present) == len(wanted) and all(members[i].get("State") == "available" for i in present)
        return Observation(
            exists=True,
            fields=fields,
            outputs=_outputs([members[i] for i in present]),
            tags=tags_of(owner),
            ready=ready,
            message="" if ready else f"{len(present)} of {len(wanted)} subnets available",
            state=members,
        )

    def create(self, resource: Resource, ctx: Context) -> Mapping[str, Any]:
        return self._converge(resource, {}, ctx)

    def update(self, resource: Resource, observation: Observation, changes: Sequence[FieldChange],
               ctx: Context) -> Mapping[str, Any]:
        return self._converge(resource, dict(observation.state or {}), ctx)

    def _converge(self, resource: Resource, current: dict[int, dict], ctx: Context) -> Mapping[str, Any]:
        """Make the slots what the spec says: a subnet is a set member, so create and update
        are one walk over the slots."""
        ec2 = ctx.client("ec2")
        vpc_id = resource.desired["VpcId"]
        wanted = resource.desired["Subnets"]
        zones = ctx.zone_ids(len(wanted))
        if len(zones) < len(wanted):
            raise TerminalError(f"{resource.key}: {len(wanted)} subnets need {len(wanted)} usable availability zones, "
                                f"region {ctx.region} offers {len(zones)}", reason="NotEnoughZones")
        result: dict[int, dict] = {}
        for item in wanted:
            index = item["Index"]
            tags = {**resource.tags, TAG_AZ_INDEX: str(index)}
            subnet = current.pop(index, None)
            if subnet is not None and subnet["CidrBlock"] != item["CidrBlock"]:
                # A subnet cannot be resized: the slot's CIDR changed with the VPC's.
                aws.delete_subnet(ec2, subnet["SubnetId"])
                subnet = None
            if subnet is None:
                subnet = aws.create_subnet(ec2, vpc_id, item["CidrBlock"], item.get("AvailabilityZoneId") or zones[index], tags)
            else:
                aws.create_tags(ec2, [subnet["SubnetId"]], stale_tags(tags, tags_of(subnet)))
            if bool(subnet.get("MapPublicIpOnLaunch")) != item["MapPublicIpOnLaunch"]:
                aws.set_map_public_ip(ec2, subnet["SubnetId"], item["MapPublicIpOnLaunch"])
            result[index] = subnet
        for extra in current.values():  # slots beyond the zone count: shrinking
            aws.delete_subnet(ec2, extra["SubnetId"])
        return _outputs([result[i["Index"]] for i in wanted])

    def delete(self, key: Key, observation: Observation, ctx: Context) -> None:
        ec2 = ctx.client("ec2")
        for subnet in (observation.state or {}).values():
            aws.delete_subnet(ec2, subnet["SubnetId"])


def _outputs(subnets: Sequence[Mapping]) -> dict[str, Any]:
    ids = [s["SubnetId"] for s in subnets]
    return {"ids": ids, "ids_one_az": ids[:1], "azs": [s["AvailabilityZone"] for s in subnets]}
