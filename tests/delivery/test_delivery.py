"""Delivery end to end (issue 10) on the moto server with the embedded build simulation: the
source bundled and uploaded only when it changed, built by CodePipeline + CodeBuild into ECR by
content hash, the task definition pointing at that tag and at the secret's ARN, a failed build
reported at once, rollback pinned in the state store, suspend / resume, secrets in no output."""
from __future__ import annotations

import json

from reconciler.errors import EXIT_BUILD_FAILED, EXIT_CHANGES, EXIT_OK, EXIT_TIMEOUT
from reconciler.state import StateStore
from tests.delivery.helpers import (
    REPOSITORY,
    bundle_versions,
    client,
    container,
    executions,
    image_tags,
    once,
    revisions,
    run,
    service,
    shop,
    task_definition,
)


def test_a_compose_app_is_built_by_content_hash_and_rebuilt_only_when_its_source_changes(moto_server, tmp_path, capsys):
    url = moto_server.reset() or moto_server.url
    spec = shop(tmp_path)
    assert once(url, spec) == EXIT_OK
    ecr = client(url, "ecr")
    assert [r["repositoryName"] for r in ecr.describe_repositories()["repositories"]] == [REPOSITORY]  # not for cache
    rules = json.loads(ecr.get_lifecycle_policy(repositoryName=REPOSITORY)["lifecyclePolicyText"])["rules"]
    definition = task_definition(url)
    web = container(definition, "web")
    tag = web["image"].rsplit(":", 1)[1]
    assert web["image"] == f"123456789012.dkr.ecr.us-east-1.amazonaws.com/{REPOSITORY}:{tag}" and tag != "latest"
    assert image_tags(url) == {tag, "latest"}
    assert rules[0]["selection"]["tagPrefixList"] == [tag]  # the image in use is kept
    assert rules[-1]["selection"] == {"tagStatus": "any", "countType": "sinceImagePushed", "countUnit": "days",
                                      "countNumber": 7}
    assert container(definition, "cache")["image"] == "public.ecr.aws/docker/library/redis:7"
    arn = client(url, "secretsmanager").describe_secret(SecretId="dev/shop/PASSWORD")["ARN"]
    assert web["secrets"] == [{"name": "PASSWORD", "valueFrom": arn}]
    assert (bundle_versions(url), len(executions(url)), revisions(url)) == (1, 1, 1)
    out = capsys.readouterr().out
    assert "dev/shop: Ready=True" in out and f"build: tag {tag}, SUCCEEDED" in out

    # Nothing changed: no upload, no build, no revision, an empty plan.
    assert once(url, spec) == EXIT_OK
    assert run(url, "plan", spec, "--detailed-exitcode") == EXIT_OK
    assert (bundle_versions(url), len(executions(url)), revisions(url)) == (1, 1, 1)

    # One source file changes: one upload, one build, one new revision, rolled out.
    (spec.parent / "src/web/index.js").write_text("console.log('v2')\n")
    capsys.readouterr()
    assert run(url, "plan", spec, "--detailed-exitcode") == EXIT_CHANGES
    assert "~ build.source/dev/shop" in capsys.readouterr().out
    assert once(url, spec) == EXIT_OK
    new_tag = container(task_definition(url), "web")["image"].rsplit(":", 1)[1]
    assert new_tag != tag and image_tags(url) == {tag, new_tag, "latest"}
    assert (bundle_versions(url), len(executions(url)), revisions(url)) == (2, 2, 2)
    current = service(url)
    assert current["taskDefinition"].endswith(":2") and current["runningCount"] == 1
    capsys.readouterr()
    from reconciler.cli import main

    assert main(["render", str(spec)]) == EXIT_OK
    assert f"/{REPOSITORY}:{new_tag}" in capsys.readouterr().out  # render shows the image as deployed

    # Delete takes everything delivery made (secrets go with a recovery window).
    assert run(url, "delete", spec, "--timeout", "60") == EXIT_OK
    assert ecr.describe_repositories()["repositories"] == [] and client(url, "s3").list_buckets()["Buckets"] == []
    assert client(url, "codebuild").list_projects()["projects"] == []
    assert client(url, "codepipeline").list_pipelines()["pipelines"] == []
    assert client(url, "secretsmanager").list_secrets()["SecretList"] == []


def test_a_failed_build_exits_at_once_with_its_phase_and_reason(moto_server, tmp_path, capsys):
    url = moto_server.reset() or moto_server.url
    spec = shop(tmp_path, dockerfile="RUN echo no base image\n")
    assert once(url, spec) == EXIT_BUILD_FAILED
    streams = capsys.readouterr()
    assert "build.image/dev/shop failed" in streams.err and "FAILED in phase BUILD" in streams.err
    assert "has no FROM instruction" in streams.err and "logs: https://" in streams.err
    assert client(url, "ecs").list_services(cluster="sc-dev")["serviceArns"] == []  # nothing deployed
    assert run(url, "status", spec.parent, "-o", "json") != EXIT_OK
    build = json.loads(capsys.readouterr().out)["specs"]["dev/shop"]["build"]
    assert build["buildStatus"] == "FAILED" and build["phase"] == "BUILD" and "FROM" in build["reason"]
    # The same source fails the same way: reported at once again, no new build.
    assert once(url, spec) == EXIT_BUILD_FAILED and len(executions(url)) == 1
    # `reconcile rebuild` runs it again (still failing), and a fixed Dockerfile builds.
    assert run(url, "rebuild", spec, "--timeout", "30") == EXIT_BUILD_FAILED and len(executions(url)) == 2
    (spec.parent / "src/web/Dockerfile").write_text("FROM public.ecr.aws/docker/library/node:20-slim\n")
    assert once(url, spec) == EXIT_OK


def test_a_rollback_pin_survives_the_next_pass_and_clear_returns_to_the_newest(moto_server, tmp_path, capsys):
    url = moto_server.reset() or moto_server.url
    spec = shop(tmp_path)
    assert once(url, spec) == EXIT_OK
    first = container(task_definition(url), "web")["image"].rsplit(":", 1)[1]
    (spec.parent / "src/web/index.js").write_text("console.log('v2')\n")
    assert once(url, spec) == EXIT_OK
    second = container(task_definition(url), "web")["image"].rsplit(":", 1)[1]
    capsys.readouterr()

    assert run(url, "history", spec) == EXIT_OK
    history = capsys.readouterr().out
    assert history.index(second) < history.index(first) and "[current, latest]" in history
    assert run(url, "rollback", spec, "--to", "0123456789abcdef") == 1
    assert f"available: {second}" in capsys.readouterr().err

    assert run(url, "rollback", spec, "--to", first, "--timeout", "60") == EXIT_OK
    assert container(task_definition(url), "web")["image"].endswith(f":{first}")
    assert StateStore(_factory(url)).load("dev").apps["shop"].rollback_pin == first
    assert once(url, spec) == EXIT_OK  # the next pass keeps the pin
    assert container(task_definition(url), "web")["image"].endswith(f":{first}")
    capsys.readouterr()
    assert run(url, "status", spec, "-o", "json") == EXIT_OK
    assert json.loads(capsys.readouterr().out)["specs"]["dev/shop"]["rollbackPin"] == first

    assert run(url, "rollback", spec, "--clear", "--timeout", "60") == EXIT_OK
    assert container(task_definition(url), "web")["image"].endswith(f":{second}")
    assert len(executions(url)) == 2  # no rebuild: the images were there


def test_suspend_scales_to_zero_and_stops_reconciling_until_resume(moto_server, tmp_path, capsys):
    url = moto_server.reset() or moto_server.url
    spec = shop(tmp_path)
    assert once(url, spec) == EXIT_OK
    assert run(url, "suspend", spec) == EXIT_OK
    assert service(url)["desiredCount"] == 0
    capsys.readouterr()
    assert run(url, "plan", spec, "--detailed-exitcode") == EXIT_OK  # suspended: nothing planned for it
    assert "dev/shop  held: suspended" in capsys.readouterr().out
    assert once(url, spec) == EXIT_OK and service(url)["desiredCount"] == 0  # not reconciled back
    capsys.readouterr()
    assert run(url, "status", spec, "-o", "json") == EXIT_OK
    assert json.loads(capsys.readouterr().out)["specs"]["dev/shop"]["suspended"] is True
    assert run(url, "resume", spec, "--timeout", "60") == EXIT_OK
    assert service(url)["desiredCount"] == 1 and not StateStore(_factory(url)).load("dev").apps["shop"].suspended


def _factory(url: str):
    from reconciler.aws import ClientFactory
    from reconciler.target import emulator_endpoint

    return ClientFactory(emulator_endpoint(url))


def test_self_managed_makes_the_repository_only_and_deploys_the_tag_once_pushed(moto_server, tmp_path, capsys):
    url = moto_server.reset() or moto_server.url
    spec = shop(tmp_path, spec_extra="build: {mode: self-managed, tag: v1.4.2}\n")
    assert once(url, spec, extra=["--timeout", "6"]) == EXIT_TIMEOUT
    assert "waiting for image v1.4.2 in dev/shop/web: push it" in capsys.readouterr().out
    assert client(url, "s3").list_buckets()["Buckets"] == [] and client(url, "codebuild").list_projects()["projects"] == []
    manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
                           "config": {"mediaType": "x", "size": 1, "digest": "sha256:" + "b" * 64}, "layers": []})
    client(url, "ecr").put_image(repositoryName=REPOSITORY, imageManifest=manifest, imageTag="v1.4.2")
    assert once(url, spec) == EXIT_OK
    assert container(task_definition(url), "web")["image"].endswith(f"/{REPOSITORY}:v1.4.2")
