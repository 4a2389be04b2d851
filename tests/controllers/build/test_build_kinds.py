"""The build kinds on the moto server (with the embedded build simulation): the artifacts bucket,
the source bundle, the CodeBuild project and the pipeline converge from empty; a second plan is
empty; drift is healed; a create retried after a crash leaves one; a foreign look-alike is refused
(and adopted with adopt: true); delete removes each, and again is fine."""
from __future__ import annotations

import json

import pytest

from controllers.build import BucketController, PipelineController, ProjectController, SourceController
from controllers.iam import RoleController
from reconciler.engine import converge
from reconciler.plan import make_plan
from reconciler.resource import Key
from tests.support import delivery_controllers, design, write_app

CONTROLLERS = [RoleController(), *delivery_controllers()]
NAME = "sc-dev-posts-api"
BUCKET_KEY, SOURCE_KEY = Key("build.bucket", "dev", "posts-api"), Key("build.source", "dev", "posts-api")
PROJECT_KEY, PIPELINE_KEY = Key("build.project", "dev", "posts-api"), Key("build.pipeline", "dev", "posts-api")


def spec(tmp_path, extra: str = ""):
    return design(write_app(tmp_path, spec_extra=extra))


def run(ctx, designs):
    return converge(CONTROLLERS, designs, ctx, timeout=30, sleep=lambda s: None)


def plan(ctx, designs):
    return make_plan(CONTROLLERS, designs, ctx.new_pass())


def bucket_name(aws) -> str:
    return next(b["Name"] for b in aws.client("s3").list_buckets()["Buckets"] if b["Name"].startswith(NAME))


def test_the_build_kinds_converge_and_build_the_image(ctx, aws, tmp_path):
    designs = spec(tmp_path)
    assert run(ctx, designs).converged
    s3, bucket = aws.client("s3"), bucket_name(aws)
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    assert s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]["BlockPublicPolicy"] is True
    rules = {r["ID"]: r for r in s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]}
    assert rules["old-versions"]["NoncurrentVersionExpiration"] == {"NoncurrentDays": 7}
    assert rules["build-artifacts"] == {"ID": "build-artifacts", "Status": "Enabled", "Filter": {"Prefix": NAME + "/"},
                                        "Expiration": {"Days": 7}}
    head = s3.head_object(Bucket=bucket, Key="source/bundle.zip")
    tag = designs[0].apps[0].delivery.source_hash
    assert head["Metadata"]["source-hash"] == tag
    project = aws.client("codebuild").batch_get_projects(names=[NAME])["projects"][0]
    assert project["environment"]["privilegedMode"] is True and project["source"]["type"] == "CODEPIPELINE"
    stages = aws.client("codepipeline").get_pipeline(name=NAME)["pipeline"]["stages"]
    assert [s["actions"][0]["actionTypeId"]["provider"] for s in stages] == ["S3", "CodeBuild"]
    assert stages[0]["actions"][0]["configuration"]["PollForSourceChanges"] == "false"
    assert {t for d in aws.client("ecr").describe_images(repositoryName="dev/posts-api/app")["imageDetails"]
            for t in d["imageTags"]} == {tag, "latest"}
    assert plan(ctx, designs).empty


def test_bucket_project_and_pipeline_drift_is_healed(ctx, aws, tmp_path):
    designs = spec(tmp_path)
    run(ctx, designs)
    s3, bucket = aws.client("s3"), bucket_name(aws)
    s3.delete_public_access_block(Bucket=bucket)
    s3.delete_bucket_lifecycle(Bucket=bucket)
    aws.client("codebuild").update_project(name=NAME, timeoutInMinutes=5)
    codepipeline = aws.client("codepipeline")
    pipeline = codepipeline.get_pipeline(name=NAME)["pipeline"]
    pipeline["stages"][0]["actions"][0]["configuration"]["PollForSourceChanges"] = "true"
    codepipeline.update_pipeline(pipeline=pipeline)
    changed = {(c.key, f.field) for c in plan(ctx, designs).pending for f in c.changes}
    assert changed == {(BUCKET_KEY, "PublicAccessBlock"), (BUCKET_KEY, "Lifecycle"), (PROJECT_KEY, "timeoutInMinutes"),
                       (PIPELINE_KEY, "pipeline")}
    assert run(ctx, designs).converged and plan(ctx, designs).empty
    assert aws.client("codebuild").batch_get_projects(names=[NAME])["projects"][0]["timeoutInMinutes"] == 30


def test_creates_retried_after_a_crash_leave_one_of_each(ctx, aws, tmp_path):
    designs = spec(tmp_path)
    assert run(ctx, designs).converged
    first = plan(ctx, designs)
    for controller, key in ((BucketController(), BUCKET_KEY), (ProjectController(), PROJECT_KEY),
                            (PipelineController(), PIPELINE_KEY), (SourceController(), SOURCE_KEY)):
        controller.create(first.resources[key], ctx)  # as a retry whose first answer was lost
    assert len(aws.client("s3").list_buckets()["Buckets"]) == 1
    assert aws.client("codebuild").list_projects()["projects"] == [NAME]
    assert [p["name"] for p in aws.client("codepipeline").list_pipelines()["pipelines"]] == [NAME]
    assert plan(ctx, designs).empty


@pytest.mark.parametrize("kind", ["project", "pipeline"])
def test_a_foreign_project_or_pipeline_is_refused_and_adopted_with_adopt(ctx, aws, tmp_path, kind):
    designs = spec(tmp_path)
    assert run(ctx, designs).converged
    if kind == "project":
        aws.client("codebuild").update_project(name=NAME, tags=[{"key": "owner", "value": "them"}])
    else:
        arn = aws.client("codepipeline").get_pipeline(name=NAME)["metadata"]["pipelineArn"]
        keys = [t["key"] for t in aws.client("codepipeline").list_tags_for_resource(resourceArn=arn)["tags"]]
        aws.client("codepipeline").untag_resource(resourceArn=arn, tagKeys=keys)
    key = PROJECT_KEY if kind == "project" else PIPELINE_KEY
    assert [p.key for p in plan(ctx, designs).problems] == [key]
    assert run(ctx, spec(tmp_path / "adopt", "adopt: true\n")).converged
    assert plan(ctx, designs).empty


def test_a_bucket_name_of_another_account_is_refused(ctx, aws, tmp_path):
    designs = spec(tmp_path)
    resource = plan(ctx, designs).resources[BUCKET_KEY]
    aws.client("s3").create_bucket(Bucket=resource.desired["Bucket"])  # untagged: not ours
    assert [p.key for p in plan(ctx, designs).problems] == [BUCKET_KEY]


def test_delete_removes_each_and_is_idempotent(ctx, aws, tmp_path):
    designs = spec(tmp_path)
    report = run(ctx, designs)
    observations = report.last_plan.observations
    for controller, key in ((PipelineController(), PIPELINE_KEY), (ProjectController(), PROJECT_KEY),
                            (SourceController(), SOURCE_KEY), (BucketController(), BUCKET_KEY)):
        for _ in range(2):
            controller.delete(key, observations[key], ctx)
    assert aws.client("s3").list_buckets()["Buckets"] == []
    assert aws.client("codebuild").list_projects()["projects"] == []
    assert aws.client("codepipeline").list_pipelines()["pipelines"] == []


def test_the_bundle_carries_the_buildspec_with_the_hash_as_the_tag(ctx, aws, tmp_path):
    import io
    import zipfile

    import yaml

    designs = spec(tmp_path, "")
    assert run(ctx, designs).converged
    body = aws.client("s3").get_object(Bucket=bucket_name(aws), Key="source/bundle.zip")["Body"].read()
    archive = zipfile.ZipFile(io.BytesIO(body))
    tag = designs[0].apps[0].delivery.source_hash
    assert archive.read(".reconcile-build/source-hash").decode().strip() == tag
    spec_ = yaml.safe_load(archive.read(".reconcile-build/buildspec.yml"))
    assert spec_["phases"]["build"]["on-failure"] == "ABORT"
    assert f"dev/posts-api/app:{tag}" in json.dumps(spec_)


def test_a_build_finishing_between_the_image_read_and_the_pipeline_read_is_ready_not_failed(ctx, aws, moto_server,
                                                                                            tmp_path, monkeypatch):
    """On AWS a build can finish between DescribeImages (no image yet) and ListPipelineExecutions
    (Succeeded): the images are read again before a succeeded build is called a failure. Builds
    here stand still until an image read finds nothing; then every build in progress finishes, so
    that interleaving happens every time (under load it happened by chance)."""
    builds = moto_server.builds
    monkeypatch.setattr(builds, "step", 3600.0)

    def finish_running_builds(parsed=None, **_):
        if "Error" in (parsed or {}):  # ImageNotFound
            for _ in range(3):
                builds.tick(builds.clock() + 10**6)

    aws.events.register("after-call.ecr.DescribeImages", finish_running_builds)
    designs = spec(tmp_path)
    report = run(ctx, designs)
    assert report.converged, report.failed
    tag = designs[0].apps[0].delivery.source_hash
    assert aws.client("ecr").describe_images(repositoryName="dev/posts-api/app",
                                             imageIds=[{"imageTag": tag}])["imageDetails"]
