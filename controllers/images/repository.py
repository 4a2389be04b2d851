"""images.repository: one ECR repository per container the pipeline builds (none for containers
that only name an `image`), named `<env>/<app>/<container>` as the task definition spells it.

Desired: scan on push; tags immutable except `latest` (IMMUTABLE_WITH_EXCLUSION), so a build's
hash tag always names the same image and rollback is exact, while `latest` stays a moving
convenience tag; a lifecycle policy that keeps the image in use (the rollback pin or the current
build's tag: a higher-priority rule that matches it protects it from the lower ones), keeps the
newest `latest`, and expires every other image `spec.build.retentionDays` (default 7) after its
push; our tags. Encryption is AWS's default (AES256), set at creation only.

Observed with one paginated DescribeRepositories per pass (by name it fails as a whole when one
is missing), then GetLifecyclePolicy and ListTagsForResource per repository. Everything is healed
in place; the name is immutable. Delete takes the images with the repository (force): they are
rebuilt from source.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from controllers.images import aws
from reconciler import naming
from reconciler.controller import BaseController, Context
from reconciler.design import EnvironmentDesign
from reconciler.ownership import refuse_unless_ours, stale_tags, tags_for
from reconciler.resource import FieldChange, Key, Observation, Resource, changed_fields

KIND = "images.repository"
MUTABILITY = "IMMUTABLE_WITH_EXCLUSION"
EXCLUSIONS = [{"filterType": "WILDCARD", "filter": "latest"}]


def lifecycle_policy(in_use: str | None, retention_days: int) -> dict[str, Any]:
    rules: list[dict[str, Any]] = []
    if in_use:
        rules.append({"rulePriority": 1, "description": "keep the image in use",
                      "selection": {"tagStatus": "tagged", "tagPrefixList": [in_use],
                                    "countType": "imageCountMoreThan", "countNumber": 1},
                      "action": {"type": "expire"}})
    rules.append({"rulePriority": 2, "description": "keep the newest latest",
                  "selection": {"tagStatus": "tagged", "tagPrefixList": ["latest"],
                                "countType": "imageCountMoreThan", "countNumber": 1},
                  "action": {"type": "expire"}})
    rules.append({"rulePriority": 3, "description": f"expire the rest {retention_days} days after push",
                  "selection": {"tagStatus": "any", "countType": "sinceImagePushed", "countUnit": "days",
                                "countNumber": retention_days},
                  "action": {"type": "expire"}})
    return {"rules": rules}


class RepositoryController(BaseController):
    kind = KIND
    recallable = True  # read one by one: skipped while the state store proves it unchanged
    scope = "app"
    immutable = frozenset({"repositoryName"})
    outputs = frozenset({"name", "arn", "uri"})
    standard_names = ()  # one per built container: the names come from the spec

    def identity(self, key: Key) -> dict[str, Any]:
        return {"repositoryName": naming.repository_name(key.environment, key.app or "", key.name)}

    def desired(self, env: EnvironmentDesign) -> list[Resource]:
        resources = []
        for app in env.apps:
            delivery = app.delivery
            for image in delivery.images:
                key = Key(KIND, env.name, app.name, image.container)
                desired = {
                    "repositoryName": image.repository,
                    "imageTagMutability": MUTABILITY,
                    "imageTagMutabilityExclusionFilters": EXCLUSIONS,
                    "imageScanningConfiguration": {"scanOnPush": True},
                    "lifecyclePolicy": lifecycle_policy(delivery.tag, delivery.retention_days),
                }
                resources.append(Resource(key, desired, tags_for(key, app.labels), app.adopt))
        return resources

    def observe(self, resources: Sequence[Resource], ctx: Context) -> Mapping[Key, Observation]:
        ecr = ctx.client("ecr")
        found: dict[str, dict] = {}
        for environment in sorted({r.key.environment for r in resources}):
            found.update(aws.repositories_with_prefix(ecr, f"{environment}/"))
        result: dict[Key, Observation] = {}
        for resource in resources:
            repository = found.get(resource.desired["repositoryName"])
            result[resource.key] = Observation.absent() if repository is None else _observation(ecr, repository)
        return result

    def create(self, resource: Resource, ctx: Context) -> Mapping[str, Any]:
        ecr = ctx.client("ecr")
        created = aws.create_repository(ecr, resource.desired, resource.tags)
        if created is None:  # a retry after a crash, or someone else's repository
            found = aws.repositories_with_prefix(ecr, resource.desired["repositoryName"])
            observation = _observation(ecr, found[resource.desired["repositoryName"]])
            refuse_unless_ours(resource, observation.tags)
            changes = self.diff(resource, observation)
            return self.update(resource, observation, changes, ctx) if changes else observation.outputs
        aws.put_lifecycle_policy(ecr, created["repositoryName"], resource.desired["lifecyclePolicy"])
        return _outputs(created)

    def update(self, resource: Resource, observation: Observation, changes: Sequence[FieldChange],
               ctx: Context) -> Mapping[str, Any]:
        ecr = ctx.client("ecr")
        want = resource.desired
        name = want["repositoryName"]
        changed = changed_fields(changes)
        if changed & {"imageTagMutability", "imageTagMutabilityExclusionFilters"}:
            aws.put_tag_mutability(ecr, name, want["imageTagMutability"], want["imageTagMutabilityExclusionFilters"])
        if "imageScanningConfiguration" in changed:
            aws.put_scanning(ecr, name, want["imageScanningConfiguration"])
        if "lifecyclePolicy" in changed:
            aws.put_lifecycle_policy(ecr, name, want["lifecyclePolicy"])
        if "tags" in changed:
            aws.tag(ecr, observation.outputs["arn"], stale_tags(resource.tags, observation.tags))
        return dict(observation.outputs)

    def delete(self, key: Key, observation: Observation, ctx: Context) -> None:
        aws.delete_repository(ctx.client("ecr"), observation.outputs.get("name") or self.identity(key)["repositoryName"])


def _outputs(repository: Mapping[str, Any]) -> dict[str, Any]:
    return {"name": repository["repositoryName"], "arn": repository["repositoryArn"], "uri": repository["repositoryUri"]}


def _observation(ecr: Any, repository: Mapping[str, Any]) -> Observation:
    tags = aws.tags_of(ecr, repository["repositoryArn"])
    fields = {
        "repositoryName": repository["repositoryName"],
        "imageTagMutability": repository.get("imageTagMutability"),
        "imageTagMutabilityExclusionFilters": repository.get("imageTagMutabilityExclusionFilters") or [],
        "imageScanningConfiguration": repository.get("imageScanningConfiguration"),
        "lifecyclePolicy": aws.lifecycle_policy(ecr, repository["repositoryName"]),
        "tags": tags,
    }
    return Observation(exists=True, fields=fields, outputs=_outputs(repository), tags=tags, state=repository)
