"""images.repository on the moto server: one repository per built container (none for image-only
ones), immutable tags except `latest`, scan on push, a lifecycle that keeps the image in use;
second plan empty, drift healed, crash-retry leaves one, foreign refused or adopted, delete."""
from __future__ import annotations

import json

from controllers.images import RepositoryController
from controllers.images.repository import lifecycle_policy
from reconciler.engine import converge
from reconciler.plan import make_plan
from reconciler.resource import Key
from tests.support import design, write_app

CONTROLLERS = [RepositoryController()]
KEY = Key("images.repository", "dev", "posts-api", "web")
NAME = "dev/posts-api/web"
COMPOSE = """\
services:
  web:
    build: .
    ports: ["8080"]
  cache:
    image: redis:7
"""


def spec(tmp_path, extra: str = ""):
    return design(write_app(tmp_path, compose=COMPOSE, spec_extra=extra, files={"src/Dockerfile": "FROM scratch\n"}))


def run(ctx, designs):
    return converge(CONTROLLERS, designs, ctx, timeout=10, sleep=lambda s: None)


def plan(ctx, designs):
    return make_plan(CONTROLLERS, designs, ctx.new_pass())


def repository(aws) -> dict:
    return aws.client("ecr").describe_repositories(repositoryNames=[NAME])["repositories"][0]


def policy(aws) -> dict:
    return json.loads(aws.client("ecr").get_lifecycle_policy(repositoryName=NAME)["lifecyclePolicyText"])


def test_a_repository_for_the_built_container_only_with_its_settings(ctx, aws, tmp_path):
    designs = spec(tmp_path, "build: {retentionDays: 3}\n")
    assert run(ctx, designs).converged
    assert [r["repositoryName"] for r in aws.client("ecr").describe_repositories()["repositories"]] == [NAME]
    found = repository(aws)
    assert found["imageTagMutability"] == "IMMUTABLE_WITH_EXCLUSION"
    assert found["imageTagMutabilityExclusionFilters"] == [{"filterType": "WILDCARD", "filter": "latest"}]
    assert found["imageScanningConfiguration"] == {"scanOnPush": True}
    tag = designs[0].apps[0].delivery.source_hash
    assert policy(aws) == lifecycle_policy(tag, 3)
    assert policy(aws)["rules"][0]["selection"]["tagPrefixList"] == [tag]
    assert plan(ctx, designs).empty


def test_drift_in_mutability_scanning_lifecycle_and_tags_is_healed(ctx, aws, tmp_path):
    designs = spec(tmp_path)
    run(ctx, designs)
    ecr = aws.client("ecr")
    ecr.put_image_tag_mutability(repositoryName=NAME, imageTagMutability="MUTABLE")
    ecr.put_image_scanning_configuration(repositoryName=NAME, imageScanningConfiguration={"scanOnPush": False})
    ecr.delete_lifecycle_policy(repositoryName=NAME)
    ecr.untag_resource(resourceArn=repository(aws)["repositoryArn"], tagKeys=["reconcile.dev/kind"])
    [change] = plan(ctx, designs).pending
    assert change.action == "update" and {c.field for c in change.changes} == {
        "imageTagMutability", "imageTagMutabilityExclusionFilters", "imageScanningConfiguration", "lifecyclePolicy", "tags"}
    assert run(ctx, designs).converged and plan(ctx, designs).empty
    assert repository(aws)["imageTagMutability"] == "IMMUTABLE_WITH_EXCLUSION"


def test_a_create_retried_after_a_crash_leaves_one_repository(ctx, aws, tmp_path):
    designs = spec(tmp_path)
    first = plan(ctx, designs)
    controller = RepositoryController()
    controller.create(first.resources[KEY], ctx)
    controller.create(first.resources[KEY], ctx)  # the retry finds ours
    assert len(aws.client("ecr").describe_repositories()["repositories"]) == 1
    assert plan(ctx, designs).empty


def test_a_foreign_repository_is_refused_and_adopted_with_adopt(ctx, aws, tmp_path):
    aws.client("ecr").create_repository(repositoryName=NAME, tags=[{"Key": "owner", "Value": "them"}])
    designs = spec(tmp_path)
    assert [p.key for p in plan(ctx, designs).problems] == [KEY]
    assert not run(ctx, designs).converged and repository(aws)["imageTagMutability"] == "MUTABLE"
    adopting = spec(tmp_path / "adopt", "adopt: true\n")
    assert run(ctx, adopting).converged and repository(aws)["imageTagMutability"] == "IMMUTABLE_WITH_EXCLUSION"


def test_delete_takes_the_repository_and_its_images_and_is_idempotent(ctx, aws, tmp_path):
    designs = spec(tmp_path)
    report = run(ctx, designs)
    manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
                           "config": {"digest": "sha256:" + "a" * 64, "size": 1, "mediaType": "x"}, "layers": []})
    aws.client("ecr").put_image(repositoryName=NAME, imageManifest=manifest, imageTag="abc")
    observation = report.last_plan.observations[KEY]
    for _ in range(2):
        RepositoryController().delete(KEY, observation, ctx)
    assert aws.client("ecr").describe_repositories()["repositories"] == []
