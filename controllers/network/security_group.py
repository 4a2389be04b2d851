"""network.security_group: the front door's groups (env-level "vpclink" for the API Gateway VPC
link when any app has an API; "alb" for the load balancer when any app is hosted) and one
"tasks" group per app, whose only ingress is the entrypoint port from its front door's group.
Egress is all traffic everywhere: the rule AWS gives every new group, kept.

Rules are a set we own: one added behind our back is revoked, one removed is re-authorized, a
changed port is fixed (authorize the new, revoke the old). GroupName, Description and VpcId are
immutable (a replace); deleting a group still in use fails with DependencyViolation (retried).

Observed with one DescribeSecurityGroups for every VPC of the pass (filter vpc-id): ours by tags,
look-alikes by group name (unique per VPC), and the id -> name map that lets a "tasks" group's
source rule be compared before the engine resolves it (see compare.settle_sources).
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from controllers.network import aws
from controllers.network.common import SECURITY_GROUP, VPC, is_ours, observe_in_vpcs, pick, stale_tags, tags_of
from controllers.network.compare import (
    ALL_TRAFFIC,
    canonical_rules,
    rule_atoms,
    rules_to_add_and_remove,
    settle_sources,
    to_permissions,
)
from reconciler import naming
from reconciler.compare import diff_fields
from reconciler.controller import BaseController, Context
from reconciler.design import AppDesign, EnvironmentDesign
from reconciler.errors import DependencyNotReady
from reconciler.ownership import tags_for
from reconciler.resource import UNKNOWN, FieldChange, Key, Observation, Ref, Resource, changed_fields

DIRECTIONS = (("Ingress", "IpPermissions"), ("Egress", "IpPermissionsEgress"))
# The env-level group in front of each kind of app (AppDesign.front_door).
FRONT_DOOR_GROUP = {"api": "vpclink", "hosting": "alb"}
_ENV_GROUPS = {
    "vpclink": ("API Gateway VPC link of environment {env}", []),
    # Provisional until the load balancer kind lands: HTTP and HTTPS from anywhere.
    "alb": ("Load balancer of environment {env}", [
        {"IpProtocol": "tcp", "FromPort": port, "ToPort": port, "CidrIp": "0.0.0.0/0"} for port in (80, 443)
    ]),
}


class SecurityGroupController(BaseController):
    kind = SECURITY_GROUP
    scope = "app"
    immutable = frozenset({"GroupName", "Description", "VpcId"})
    references = frozenset({VPC})
    standard_names = ("tasks",)
    environment_names = tuple(FRONT_DOOR_GROUP.values())

    def identity(self, key: Key) -> dict[str, Any]:
        return {"GroupName": naming.security_group_name(key.environment, key.app, key.name), "VpcId": Ref(VPC, "id")}

    def desired(self, env: EnvironmentDesign) -> list[Resource]:
        # From every app of the environment, registered ones included (not only those at hand).
        doors = {FRONT_DOOR_GROUP[app.front_door] for app in env.apps}
        doors |= {FRONT_DOOR_GROUP["api"]} if env.has_api else set()
        doors |= {FRONT_DOOR_GROUP["hosting"]} if env.has_hosting else set()
        resources = [self._front_door(env, name) for name in ("vpclink", "alb") if name in doors]
        return resources + [self._tasks(env, app) for app in env.apps]

    def _front_door(self, env: EnvironmentDesign, name: str) -> Resource:
        key = Key(SECURITY_GROUP, env.name, None, name)
        description, ingress = _ENV_GROUPS[name]
        return Resource(key, {
            "GroupName": naming.security_group_name(env.name, None, name),
            "Description": description.format(env=env.name),
            "VpcId": Ref(VPC, "id"),
            "Ingress": ingress,
            "Egress": [ALL_TRAFFIC],
        }, tags_for(key), env.adopt)

    def _tasks(self, env: EnvironmentDesign, app: AppDesign) -> Resource:
        key = Key(SECURITY_GROUP, env.name, app.name, "tasks")
        door = FRONT_DOOR_GROUP[app.front_door]
        port = app.translation.entrypoint.port
        source = {
            "IpProtocol": "tcp", "FromPort": port, "ToPort": port,
            "SourceGroupId": Ref(SECURITY_GROUP, "id", name=door),
            "SourceGroupName": naming.security_group_name(env.name, None, door),
        }
        return Resource(key, {
            "GroupName": naming.security_group_name(env.name, app.name, "tasks"),
            "Description": f"Tasks of {env.name}/{app.name}",
            "VpcId": Ref(VPC, "id"),
            "Ingress": [source],
            "Egress": [ALL_TRAFFIC],
        }, tags_for(key, app.labels), app.adopt)

    def observe(self, resources: Sequence[Resource], ctx: Context) -> Mapping[Key, Observation]:
        return observe_in_vpcs(resources, lambda filters: aws.describe_security_groups(ctx.client("ec2"), filters), _observe_one)

    def diff(self, resource: Resource, observation: Observation) -> list[FieldChange]:
        ids_by_name = observation.state["ids_by_name"]
        desired = {**resource.desired, "tags": resource.tags}
        for direction, _ in DIRECTIONS:
            desired[direction] = settle_sources(resource.desired[direction], ids_by_name)
        return diff_fields(desired, observation.fields)

    def create(self, resource: Resource, ctx: Context) -> Mapping[str, Any]:
        ec2 = ctx.client("ec2")
        want = resource.desired
        _sources_known(resource)
        group_id = aws.create_security_group(ec2, want["GroupName"], want["Description"], want["VpcId"], resource.tags)
        created_with = {"Ingress": [], "Egress": canonical_rules([ALL_TRAFFIC])}  # what AWS creates it with
        _set_rules(ec2, group_id, want, created_with)
        return {"id": group_id}

    def update(self, resource: Resource, observation: Observation, changes: Sequence[FieldChange],
               ctx: Context) -> Mapping[str, Any]:
        ec2 = ctx.client("ec2")
        _sources_known(resource)
        group_id = observation.outputs["id"]
        if "tags" in changed_fields(changes):
            aws.create_tags(ec2, [group_id], stale_tags(resource.tags, observation.tags))
        _set_rules(ec2, group_id, resource.desired, observation.fields)
        return {"id": group_id}

    def delete(self, key: Key, observation: Observation, ctx: Context) -> None:
        aws.delete_security_group(ctx.client("ec2"), observation.outputs["id"])


def _sources_known(resource: Resource) -> None:
    for direction, _ in DIRECTIONS:
        if any(atom.get("SourceGroupId") is UNKNOWN for atom in resource.desired[direction]):
            raise DependencyNotReady(f"{resource.key}: the {direction.lower()} source group does not exist yet")


def _set_rules(ec2: Any, group_id: str, want: Mapping[str, Any], current: Mapping[str, Any]) -> None:
    for direction, _ in DIRECTIONS:
        add, remove = rules_to_add_and_remove(canonical_rules(want[direction]), current[direction])
        # Authorize first: a changed port never leaves the group without its rule.
        aws.authorize(ec2, group_id, direction, to_permissions(add))
        aws.revoke(ec2, group_id, direction, to_permissions(remove))


def _observe_one(resource: Resource, in_vpc: list[dict]) -> Observation:
    group = pick([g for g in in_vpc if is_ours(tags_of(g), resource.key)], "GroupId") or pick(
        [g for g in in_vpc if g["GroupName"] == resource.desired["GroupName"]], "GroupId"
    )
    return Observation.absent() if group is None else _observation(group, in_vpc)


def _observation(group: Mapping, in_vpc: list[dict]) -> Observation:
    names = {g["GroupId"]: g["GroupName"] for g in in_vpc}
    tags = tags_of(group)
    fields: dict[str, Any] = {
        "GroupName": group["GroupName"],
        "Description": group.get("Description", ""),
        "VpcId": group["VpcId"],
        "tags": tags,
    }
    for direction, shape in DIRECTIONS:
        fields[direction] = rule_atoms(group.get(shape) or [], names)
    return Observation(
        exists=True,
        fields=fields,
        outputs={"id": group["GroupId"]},
        tags=tags,
        state={"ids_by_name": {name: gid for gid, name in names.items()}},
    )
