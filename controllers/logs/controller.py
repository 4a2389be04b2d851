"""One CloudWatch log group per container, with a retention policy (default 30 days).

Observed in one paginated DescribeLogGroups per environment (prefix `/ecs/<env>/`), plus one
ListTagsForResource per group (DescribeLogGroups does not return tags).
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from controllers.logs import aws
from reconciler.controller import BaseController, Context
from reconciler.design import EnvironmentDesign
from reconciler import naming
from reconciler.ownership import refuse_unless_ours, stale_tags, tags_for
from reconciler.resource import FieldChange, Key, Observation, Resource, changed_fields

KIND = "logs.group"


class LogGroupController(BaseController):
    kind = KIND
    recallable = True  # read one by one: skipped while the state store proves it unchanged
    scope = "app"
    immutable = frozenset({"logGroupName"})
    outputs = frozenset({"name", "arn"})
    standard_names = ()  # one per container: the names come from the spec

    def identity(self, key: Key) -> dict[str, Any]:
        return {"logGroupName": naming.log_group_name(key.environment, key.app or "", key.name)}

    def desired(self, env: EnvironmentDesign) -> list[Resource]:
        resources = []
        for app in env.apps:
            retention = app.log_retention_days
            for container in app.translation.containers:
                key = Key(KIND, env.name, app.name, container["name"])
                desired = {
                    "logGroupName": naming.log_group_name(env.name, app.name, container["name"]),
                    "retentionInDays": retention,
                }
                resources.append(Resource(key, desired, tags_for(key, app.labels), app.adopt))
        return resources

    def observe(self, resources: Sequence[Resource], ctx: Context) -> Mapping[Key, Observation]:
        client = ctx.client("logs")
        found: dict[str, dict] = {}
        for environment in sorted({r.key.environment for r in resources}):
            for group in aws.list_log_groups(client, naming.log_group_prefix(environment)):
                found[group["logGroupName"]] = group
        result: dict[Key, Observation] = {}
        for resource in resources:
            group = found.get(resource.desired["logGroupName"])
            if group is None:
                result[resource.key] = Observation.absent()
                continue
            tags = aws.tags_of(client, group["arn"])
            result[resource.key] = Observation(
                exists=True,
                fields={
                    "logGroupName": group["logGroupName"],
                    "retentionInDays": group.get("retentionInDays"),
                    "tags": tags,
                },
                outputs={"name": group["logGroupName"], "arn": group["arn"].removesuffix(":*")},
                tags=tags,
                state=group,
            )
        return result

    def create(self, resource: Resource, ctx: Context) -> Mapping[str, Any]:
        client = ctx.client("logs")
        name = resource.desired["logGroupName"]
        arn = ctx.arn("logs", f"log-group:{name}")
        if not aws.create_log_group(client, name, resource.tags):
            refuse_unless_ours(resource, aws.tags_of(client, arn))
        aws.put_retention(client, name, resource.desired["retentionInDays"])
        return {"name": name, "arn": arn}

    def update(self, resource: Resource, observation: Observation, changes: Sequence[FieldChange],
               ctx: Context) -> Mapping[str, Any]:
        client = ctx.client("logs")
        changed = changed_fields(changes)
        if "tags" in changed:
            aws.tag(client, observation.outputs["arn"], stale_tags(resource.tags, observation.tags))
        if "retentionInDays" in changed:
            aws.put_retention(client, resource.desired["logGroupName"], resource.desired["retentionInDays"])
        return dict(observation.outputs)

    def delete(self, key: Key, observation: Observation, ctx: Context) -> None:
        aws.delete_log_group(ctx.client("logs"), observation.fields.get("logGroupName") or observation.state["logGroupName"])
