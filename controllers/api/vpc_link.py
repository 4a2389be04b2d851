"""api.vpc_link: the environment's HTTP API VPC link into the public subnets (every zone of
the environment), with the "vpclink" security group (the tasks' group admits the entrypoint
port only from it).

Observed with one GetVpcLinks per pass (it returns tags). Its status decides the outcome:
- PENDING (minutes on AWS; moto says AVAILABLE at once): not ready; integrations wait, and the
  engine looks again every `poll_interval` (15 s), not every second;
- FAILED: failed, with AWS's VpcLinkStatusMessage, reported at once (exit 5), never waited on;
- INACTIVE (no traffic for 60 days: API Gateway removed its network interfaces and brings them
  back when requests resume): usable, said in the message;
- DELETING: being deleted, never deleted again (DeleteVpcLink is allowed once per 30 s).
CreateVpcLink takes no token and is allowed once per 15 s per account (reconciler/budget.py).
Subnets and security groups cannot be changed on a VPC link (UpdateVpcLink takes only Name):
changing them is a replace.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from controllers.api import aws, inventory
from controllers.api.compare import canonical_ids, pick
from reconciler import naming
from reconciler.compare import diff_fields
from reconciler.controller import BaseController, Context
from reconciler.design import EnvironmentDesign
from reconciler.ownership import creation_tags, stale_tags, tags_for
from reconciler.resource import FieldChange, Key, Observation, Ref, Resource, changed_fields

KIND = "api.vpc_link"


class VpcLinkController(BaseController):
    kind = KIND
    scope = "environment"
    immutable = frozenset({"SubnetIds", "SecurityGroupIds"})
    ready_after_apply = False
    references = frozenset({"network.subnets", "network.security_group"})
    idempotent_create = False  # CreateVpcLink takes no token
    poll_interval = 15.0

    def identity(self, key: Key) -> dict[str, Any]:
        return {"Name": naming.vpc_link_name(key.environment)}

    def desired(self, env: EnvironmentDesign) -> list[Resource]:
        if not env.has_api:
            return []
        key = Key(KIND, env.name)
        desired = {
            "Name": naming.vpc_link_name(env.name),
            "SubnetIds": Ref("network.subnets", "ids"),
            "SecurityGroupIds": [Ref("network.security_group", "id", name="vpclink")],
        }
        return [Resource(key, desired, tags_for(key), env.adopt)]

    def observe(self, resources: Sequence[Resource], ctx: Context) -> Mapping[Key, Observation]:
        links = inventory.vpc_links(ctx)
        result: dict[Key, Observation] = {}
        for resource in resources:
            link, copies = pick(resource.key, resource.desired["Name"], links, "VpcLinkId", ctx.recorded(resource.key))
            result[resource.key] = Observation.absent() if link is None else _observed(link, copies)
        return result

    def diff(self, resource: Resource, observation: Observation) -> list[FieldChange]:
        desired = {
            "Name": resource.desired["Name"],
            "SubnetIds": canonical_ids(resource.desired["SubnetIds"]),
            "SecurityGroupIds": canonical_ids(resource.desired["SecurityGroupIds"]),
            "tags": resource.tags,
        }
        return diff_fields(desired, observation.fields)

    def create(self, resource: Resource, ctx: Context) -> Mapping[str, Any]:
        want = resource.desired
        link = aws.create_vpc_link(inventory.client(ctx, retries=False), want["Name"], list(want["SubnetIds"]),
                                   list(want["SecurityGroupIds"]), creation_tags(resource))
        return {"id": link["VpcLinkId"]}

    def update(self, resource: Resource, observation: Observation, changes: Sequence[FieldChange],
               ctx: Context) -> Mapping[str, Any]:
        client = inventory.client(ctx)
        link_id = observation.outputs["id"]
        changed = changed_fields(changes)
        if "Name" in changed:
            aws.rename_vpc_link(client, link_id, resource.desired["Name"])
        if "tags" in changed:
            aws.tag(client, aws.vpc_link_arn(ctx.partition, ctx.region, link_id), stale_tags(resource.tags, observation.tags))
        return {"id": link_id}

    def delete(self, key: Key, observation: Observation, ctx: Context) -> None:
        # AWS refuses while integrations still use the link; the engine retries with backoff.
        aws.delete_vpc_link(inventory.client(ctx), observation.outputs["id"])

    def delete_duplicate(self, key: Key, duplicate: Any, ctx: Context) -> None:
        aws.delete_vpc_link(inventory.client(ctx), duplicate)


def _observed(link: Mapping[str, Any], copies: list[str] | None = None) -> Observation:
    tags = dict(link.get("Tags") or {})
    status = link.get("VpcLinkStatus", "")
    reason = link.get("VpcLinkStatusMessage") or ""
    message = {
        "AVAILABLE": "",
        "INACTIVE": "INACTIVE: no traffic for 60 days; API Gateway restores it when requests resume",
        "FAILED": f"VPC link FAILED: {reason or 'no reason given'}",
        "DELETING": "being deleted",
    }.get(status, f"VPC link is {status}" + (f": {reason}" if reason else ""))
    return Observation(
        exists=True,
        fields={
            "Name": link.get("Name"),
            "SubnetIds": sorted(link.get("SubnetIds") or []),
            "SecurityGroupIds": sorted(link.get("SecurityGroupIds") or []),
            "tags": tags,
        },
        outputs={"id": link["VpcLinkId"]},
        tags=tags,
        ready=status in ("AVAILABLE", "INACTIVE"),
        message=message,
        state=link,
        failed=status == "FAILED",
        deleting=status == "DELETING",
        duplicates=list(copies or []),
    )
