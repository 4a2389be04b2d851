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
from reconciler.ownership import tags_for
from reconciler.resource import Key, Observation, Resource

KIND = "logs.group"


def log_group_name(environment: str, app: str, container: str) -> str:
    return f"/ecs/{environment}/{app}/{container}"


class LogGroupController(BaseController):
    kind = KIND
    scope = "app"
    immutable = frozenset({"logGroupName"})

    def desired(self, env: EnvironmentDesign) -> list[Resource]:
        resources = []
        for app in env.apps:
            retention = app.log_retention_days
            for container in app.translation.containers:
                key = Key(KIND, env.name, app.name, container["name"])
                desired = {
                    "logGroupName": log_group_name(env.name, app.name, container["name"]),
                    "retentionInDays": retention,
                }
                resources.append(Resource(key, desired, tags_for(key, app.labels), app.adopt))
        return resources

    def observe(self, resources: Sequence[Resource], ctx: Context) -> Mapping[Key, Observation]:
        client = ctx.client("logs")
        found: dict[str, dict] = {}
        for environment in sorted({r.key.environment for r in resources}):
            for group in aws.list_log_groups(client, f"/ecs/{environment}/"):
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

    def apply(self, resource: Resource, observation: Observation, ctx: Context) -> Mapping[str, Any]:
        client = ctx.client("logs")
        name = resource.desired["logGroupName"]
        if not observation.exists:
            aws.create_log_group(client, name, resource.tags)
        elif observation.fields.get("tags") != resource.tags:
            arn = observation.outputs["arn"]
            stale = {k: v for k, v in resource.tags.items() if observation.tags.get(k) != v}
            if stale:
                client.tag_resource(resourceArn=arn, tags=stale)
        if observation.fields.get("retentionInDays") != resource.desired["retentionInDays"]:
            client.put_retention_policy(logGroupName=name, retentionInDays=resource.desired["retentionInDays"])
        arn = f"arn:aws:logs:{ctx.region}:{ctx.account_id}:log-group:{name}"
        return {"name": name, "arn": arn}

    def delete(self, key: Key, observation: Observation, ctx: Context) -> None:
        aws.delete_log_group(ctx.client("logs"), observation.fields.get("logGroupName") or observation.state["logGroupName"])
