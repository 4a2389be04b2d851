"""network.route_table: a dedicated route table per environment (never the VPC's main one, which
AWS owns and every new subnet falls back to) with 0.0.0.0/0 -> the internet gateway,
explicitly associated with every subnet of the environment.

Observed with one DescribeRouteTables for every VPC of the pass (filter vpc-id): that returns
ours (by tags), the main table, other tables' associations with our subnets (re-pointed with
ReplaceRouteTableAssociation) and look-alikes: a non-main table with our `Name` but not our
tags. Drift: the default route deleted (CreateRoute) or pointed elsewhere (ReplaceRoute), an
association removed (restored) or one added to another subnet (removed). Other routes someone
added (peering, endpoints) are left alone: only the default route is ours.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from controllers.network import aws
from controllers.network.common import (
    INTERNET_GATEWAY,
    ROUTE_TABLE,
    SUBNETS,
    VPC,
    choose,
    is_named_like,
    is_ours,
    observe_in_vpcs,
    pick,
    stale_tags,
    tags_of,
)
from controllers.network.compare import DEFAULT_ROUTE, default_route, subnet_set
from reconciler.compare import diff_fields
from reconciler.controller import BaseController, Context
from reconciler.design import EnvironmentDesign
from reconciler.ownership import creation_tags, tags_for
from reconciler.resource import FieldChange, Key, Observation, Ref, Resource, changed_fields


def _is_main(table: Mapping) -> bool:
    return any(a.get("Main") for a in table.get("Associations") or [])


def _subnet_associations(table: Mapping) -> dict[str, str]:
    """subnet id -> association id, for the table's live subnet associations."""
    return {
        a["SubnetId"]: a["RouteTableAssociationId"]
        for a in table.get("Associations") or []
        if a.get("SubnetId") and (a.get("AssociationState") or {}).get("State", "associated") == "associated"
    }


class RouteTableController(BaseController):
    kind = ROUTE_TABLE
    scope = "environment"
    immutable = frozenset({"VpcId"})
    references = frozenset({VPC, INTERNET_GATEWAY, SUBNETS})
    idempotent_create = False  # the ClientToken comes from the create-pending record

    def identity(self, key: Key) -> dict[str, Any]:
        return {"VpcId": Ref(VPC, "id")}

    def desired(self, env: EnvironmentDesign) -> list[Resource]:
        key = Key(ROUTE_TABLE, env.name)
        desired = {
            "VpcId": Ref(VPC, "id"),
            "DefaultRoute": {"DestinationCidrBlock": DEFAULT_ROUTE, "GatewayId": Ref(INTERNET_GATEWAY, "id")},
            "SubnetIds": Ref(SUBNETS, "ids"),
        }
        return [Resource(key, desired, tags_for(key), env.adopt)]

    def observe(self, resources: Sequence[Resource], ctx: Context) -> Mapping[Key, Observation]:
        return observe_in_vpcs(resources, lambda filters: aws.describe_route_tables(ctx.client("ec2"), filters),
                               lambda resource, in_vpc: self._observe_one(resource, in_vpc, ctx.recorded(resource.key)))

    @staticmethod
    def _observe_one(resource: Resource, in_vpc: list[dict], recorded: Any) -> Observation:
        table, copies = choose([t for t in in_vpc if is_ours(tags_of(t), resource.key)], "RouteTableId", recorded)
        table = table or pick([t for t in in_vpc if not _is_main(t) and is_named_like(tags_of(t), resource.key)],
                              "RouteTableId")
        if table is None:
            return Observation.absent()
        others = {}
        for other in in_vpc:
            if other["RouteTableId"] != table["RouteTableId"]:
                others.update(_subnet_associations(other))
        associations = _subnet_associations(table)
        tags = tags_of(table)
        return Observation(
            exists=True,
            fields={
                "VpcId": table["VpcId"],
                "DefaultRoute": default_route(table.get("Routes") or []),
                "SubnetIds": sorted(associations),
                "tags": tags,
            },
            outputs={"id": table["RouteTableId"]},
            tags=tags,
            state={"associations": associations, "elsewhere": others},
            duplicates=[c["RouteTableId"] for c in copies],
        )

    def diff(self, resource: Resource, observation: Observation) -> list[FieldChange]:
        desired = {**resource.desired, "SubnetIds": subnet_set(resource.desired["SubnetIds"]), "tags": resource.tags}
        return diff_fields(desired, observation.fields)

    def create(self, resource: Resource, ctx: Context) -> Mapping[str, Any]:
        # The token is the creation token recorded before this call: botocore's retries and a
        # rerun after a crash reuse it (AWS answers with the table it made), and a table deleted
        # behind our back gets a new one with its new create-pending record.
        ec2 = ctx.client("ec2")
        token = resource.token or aws.client_token(resource.key, resource.desired["VpcId"])
        table_id = aws.create_route_table(ec2, resource.desired["VpcId"], creation_tags(resource), token[:64])
        return self._converge(ec2, resource, table_id, None, {})

    def update(self, resource: Resource, observation: Observation, changes: Sequence[FieldChange],
               ctx: Context) -> Mapping[str, Any]:
        ec2 = ctx.client("ec2")
        table_id = observation.outputs["id"]
        if "tags" in changed_fields(changes):
            aws.create_tags(ec2, [table_id], stale_tags(resource.tags, observation.tags))
        return self._converge(ec2, resource, table_id, observation.fields.get("DefaultRoute"), observation.state)

    @staticmethod
    def _converge(ec2: Any, resource: Resource, table_id: str, route: Any, state: Mapping) -> Mapping[str, Any]:
        want = resource.desired
        wanted_route = want["DefaultRoute"]
        if route != wanted_route:
            aws.put_route(ec2, table_id, DEFAULT_ROUTE, wanted_route["GatewayId"], replace=route is not None)
        associations: dict[str, str] = dict(state.get("associations", {}))
        elsewhere: dict[str, str] = state.get("elsewhere", {})
        for subnet_id in want["SubnetIds"]:
            if subnet_id not in associations:
                aws.associate(ec2, table_id, subnet_id, replacing=elsewhere.get(subnet_id))
        for subnet_id, association_id in associations.items():
            if subnet_id not in want["SubnetIds"]:
                aws.disassociate(ec2, association_id)
        return {"id": table_id}

    def delete_duplicate(self, key: Key, duplicate: Any, ctx: Context) -> None:
        ec2 = ctx.client("ec2")
        for table in aws.describe_route_tables(ec2, [{"Name": "route-table-id", "Values": [duplicate]}]):
            for association_id in _subnet_associations(table).values():
                aws.disassociate(ec2, association_id)
        aws.delete_route_table(ec2, duplicate)

    def delete(self, key: Key, observation: Observation, ctx: Context) -> None:
        ec2 = ctx.client("ec2")
        for association_id in (observation.state or {}).get("associations", {}).values():
            aws.disassociate(ec2, association_id)
        aws.delete_route_table(ec2, observation.outputs["id"])
