"""One task-definition family per app (`<env>-<app>`): the translation's containers plus the IAM
roles, awslogs logging per container and the storage variables (STORAGE_<TABLE>_NAME/_ARN).

A changed content registers exactly one new revision (an "update": revisions are immutable, the
family is not). Observed with DescribeTaskDefinition(family, include TAGS): ECS has no batch
describe for task definitions, so this is one call per app. The latest ACTIVE revision's content
is compared after canonicalisation (AWS defaults dropped, left-scoped); revision numbers never are.
Revisions are tagged at registration. (moto: `registeredAt` is not returned; RunTask would crash
without per-container memory, but we never RunTask.)
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from controllers.ecs import aws
from controllers.ecs.compare import storage_environment, task_definition_content, with_environment
from reconciler import naming
from reconciler.compare import diff_fields
from reconciler.controller import BaseController, Context
from reconciler.design import AppDesign, EnvironmentDesign
from reconciler.ownership import tags_for
from reconciler.resource import FieldChange, Key, Observation, Ref, Resource, changed_fields

KIND = "ecs.task_definition"
LOG_STREAM_PREFIX = "ecs"


def task_definition_request(app: AppDesign, env: EnvironmentDesign) -> dict[str, Any]:
    """RegisterTaskDefinition content (no tags), with Refs the engine resolves."""
    content = app.translation.task_definition()
    content["executionRoleArn"] = Ref("iam.role", "arn", name="execution", app=True)
    content["taskRoleArn"] = Ref("iam.role", "arn", name="task", app=True)
    storage = storage_environment([(g.table, g.name) for g in app.storage], env.location.region, env.location.account_id,
                                  env.location.partition)
    containers = []
    for container in content["containerDefinitions"]:
        container = with_delivery(with_environment(dict(container), storage), app)
        container["logConfiguration"] = {
            "logDriver": "awslogs",
            "options": {
                "awslogs-group": Ref("logs.group", "name", name=container["name"], app=True),
                "awslogs-region": env.location.region,
                "awslogs-stream-prefix": LOG_STREAM_PREFIX,
            },
        }
        containers.append(container)
    content["containerDefinitions"] = containers
    return content


SECRET_VERSION_LABEL = "reconcile.dev/secret-version."


def with_delivery(container: dict, app: AppDesign) -> dict:
    """A built container's image by the build's tag (never `latest`: a new build is a new
    revision, and a rollback is exact), and each secret by its ARN, with its current version as a
    label so that a new value is a new revision (tasks read secrets when they start)."""
    delivery = app.delivery
    name = container["name"]
    image = next((i for i in delivery.images if i.container == name), None)
    if image is not None:
        container["image"] = Ref("build.image", "tag", app=True, template=delivery.image_uri(image.repository) + ":{}")
    prefix = f":secret:{app.environment}/{app.name}/"
    labels: dict = {}
    secrets = []
    for entry in container.get("secrets") or []:
        secret = entry["valueFrom"].split(prefix, 1)[-1] if prefix in entry["valueFrom"] else None
        if secret is None:
            secrets.append(entry)
            continue
        secrets.append({"name": entry["name"], "valueFrom": Ref("secrets.secret", "arn", name=secret, app=True)})
        labels[SECRET_VERSION_LABEL + secret] = Ref("secrets.secret", "version", name=secret, app=True)
    if secrets:
        container["secrets"] = secrets
    if labels:
        container["dockerLabels"] = {**(container.get("dockerLabels") or {}), **labels}
    return container


def _outputs(definition: Mapping[str, Any]) -> dict[str, Any]:
    return {"arn": definition["taskDefinitionArn"], "family": definition["family"], "revision": definition["revision"]}


class TaskDefinitionController(BaseController):
    kind = KIND
    recallable = True  # read one by one: skipped while the state store proves it unchanged
    scope = "app"
    immutable = frozenset({"family"})
    outputs = frozenset({"arn", "family", "revision"})
    references = frozenset({"iam.role", "logs.group", "build.image", "secrets.secret"})

    def identity(self, key: Key) -> dict[str, Any]:
        return {"family": naming.task_family(key.environment, key.app or "")}

    def desired(self, env: EnvironmentDesign) -> list[Resource]:
        resources = []
        for app in env.apps:
            key = Key(KIND, env.name, app.name)
            resources.append(Resource(key, task_definition_request(app, env), tags_for(key, app.labels), app.adopt))
        return resources

    def observe(self, resources: Sequence[Resource], ctx: Context) -> Mapping[Key, Observation]:
        client = ctx.client("ecs")
        result: dict[Key, Observation] = {}
        for resource in resources:
            found = aws.find_task_definition(client, resource.desired["family"])
            if found is None:
                result[resource.key] = Observation.absent()
                continue
            definition, tags = found
            result[resource.key] = Observation(
                exists=True,
                fields={**task_definition_content(definition), "tags": tags},
                outputs=_outputs(definition),
                tags=tags,
                message=f"revision {definition['revision']}",
                state=definition,
            )
        return result

    def diff(self, resource: Resource, observation: Observation) -> list[FieldChange]:
        desired = {**task_definition_content(resource.desired), "tags": resource.tags}
        return diff_fields(desired, observation.fields)

    def create(self, resource: Resource, ctx: Context) -> Mapping[str, Any]:
        return _outputs(aws.register_task_definition(ctx.client("ecs", retries=False), resource.desired, resource.tags))

    def update(self, resource: Resource, observation: Observation, changes: Sequence[FieldChange],
               ctx: Context) -> Mapping[str, Any]:
        client = ctx.client("ecs")
        if changed_fields(changes) - {"tags"}:
            # Revisions are immutable: a changed content is exactly one new revision, tagged at
            # registration.
            return _outputs(aws.register_task_definition(ctx.client("ecs", retries=False), resource.desired, resource.tags))
        stale = {k: v for k, v in resource.tags.items() if observation.tags.get(k) != v}
        aws.tag_resource(client, observation.outputs["arn"], stale)  # tags only: no new revision
        return dict(observation.outputs)

    def delete(self, key: Key, observation: Observation, ctx: Context) -> None:
        client = ctx.client("ecs")
        family = observation.outputs.get("family") or (observation.state or {}).get("family")
        if not family:
            return
        for arn in aws.active_revisions(client, family):
            aws.deregister_task_definition(client, arn)
