"""The embedded AWS's pipeline and build simulation, seen as a client sees it over HTTP: an
execution fixes its source revision, its Build action starts a CodeBuild build that moves phase
by phase, reads the buildspec from the bundle, checks each Dockerfile and pushes the images to
ECR with their tags; or fails in the phase that broke, saying why."""
from __future__ import annotations

import io
import json
import zipfile

import pytest
import yaml

from tests.emulator.scheduling import manual_builds

BUCKET, KEY, REPOSITORY = "artifacts", "source/bundle.zip", "dev/app/web"
REGISTRY = "123456789012.dkr.ecr.us-east-1.amazonaws.com"
GOOD = "FROM public.ecr.aws/docker/library/node:20-slim AS base\nCMD [\"node\"]\n"


def buildspec(target: str = "", repository: str = REPOSITORY) -> str:
    uri = f"{REGISTRY}/{repository}"
    build = f"docker build --tag {uri}:h1 --file web/Dockerfile" + (f" --target {target}" if target else "") + " web"
    return yaml.safe_dump({"version": 0.2, "phases": {
        "pre_build": {"commands": [f"aws ecr get-login-password --region us-east-1 | docker login --username AWS "
                                   f"--password-stdin {REGISTRY}"]},
        "build": {"on-failure": "ABORT", "commands": [build, f"docker tag {uri}:h1 {uri}:latest"]},
        "post_build": {"commands": [f"docker push {uri}:h1", f"docker push {uri}:latest"]}}})


def bundle(dockerfile: str | None = GOOD, spec: str | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        if dockerfile is not None:
            archive.writestr("web/Dockerfile", dockerfile)
        archive.writestr("web/index.js", "console.log(1)")
        archive.writestr("build/buildspec.yml", spec or buildspec())
    return buffer.getvalue()


@pytest.fixture
def builds(moto_server, aws):
    with manual_builds(moto_server) as manual:
        yield manual


@pytest.fixture
def pipeline(aws):
    """A versioned bucket, a repository, a CodeBuild project reading `build/buildspec.yml`, and a
    function creating the pipeline (which starts its first execution, as on AWS)."""
    s3 = aws.client("s3")
    s3.create_bucket(Bucket=BUCKET)
    s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
    aws.client("ecr").create_repository(repositoryName=REPOSITORY)
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                     "Principal": {"Service": ["codepipeline.amazonaws.com"]}}]}
    role = aws.client("iam").create_role(RoleName="role", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    aws.client("codebuild").create_project(
        name="proj", source={"type": "CODEPIPELINE", "buildspec": "build/buildspec.yml"}, artifacts={"type": "CODEPIPELINE"},
        environment={"type": "LINUX_CONTAINER", "image": "aws/codebuild/standard:7.0", "computeType": "BUILD_GENERAL1_SMALL"},
        serviceRole=role)

    def create(body: bytes | None) -> dict:
        if body is not None:
            s3.put_object(Bucket=BUCKET, Key=KEY, Body=body, Metadata={"codepipeline-artifact-revision-summary": "src h1"})
        action = {"actionTypeId": {"category": "Source", "owner": "AWS", "provider": "S3", "version": "1"}, "name": "Source",
                  "configuration": {"S3Bucket": BUCKET, "S3ObjectKey": KEY}, "outputArtifacts": [{"name": "S"}]}
        build = {"actionTypeId": {"category": "Build", "owner": "AWS", "provider": "CodeBuild", "version": "1"},
                 "name": "Build", "configuration": {"ProjectName": "proj"}, "inputArtifacts": [{"name": "S"}]}
        aws.client("codepipeline").create_pipeline(pipeline={
            "name": "pipe", "roleArn": role, "artifactStore": {"type": "S3", "location": BUCKET},
            "stages": [{"name": "Source", "actions": [action]}, {"name": "Build", "actions": [build]}]})
        return aws.client("codepipeline").list_pipeline_executions(pipelineName="pipe")["pipelineExecutionSummaries"][0]

    return create


def build_of(aws) -> dict:
    details = aws.client("codepipeline").list_action_executions(pipelineName="pipe")["actionExecutionDetails"]
    build_id = next(d for d in details if d["stageName"] == "Build")["output"]["executionResult"]["externalExecutionId"]
    return aws.client("codebuild").batch_get_builds(ids=[build_id])["builds"][0]


def execution(aws) -> dict:
    return aws.client("codepipeline").list_pipeline_executions(pipelineName="pipe")["pipelineExecutionSummaries"][0]


def test_a_pipeline_execution_builds_phase_by_phase_and_pushes_the_tags(aws, builds, pipeline):
    started = pipeline(bundle())
    version = aws.client("s3").head_object(Bucket=BUCKET, Key=KEY)["VersionId"]
    assert started["status"] == "InProgress"
    assert started["sourceRevisions"] == [{"actionName": "Source", "revisionId": version, "revisionSummary": "src h1"}]
    builds.advance(1)  # Source done, the build submitted
    seen = []
    for _ in range(12):
        builds.advance(1)
        build = build_of(aws)
        seen.append(build["currentPhase"])
        if build["buildComplete"]:
            break
    assert seen[:3] == ["PROVISIONING", "DOWNLOAD_SOURCE", "INSTALL"] and seen[-1] == "COMPLETED"
    assert build["buildStatus"] == "SUCCEEDED" and build["initiator"] == "codepipeline/pipe"
    assert [p["phaseType"] for p in build["phases"]][-3:] == ["UPLOAD_ARTIFACTS", "FINALIZING", "COMPLETED"]
    builds.advance(1)
    assert execution(aws)["status"] == "Succeeded"
    tags = {t for d in aws.client("ecr").describe_images(repositoryName=REPOSITORY)["imageDetails"] for t in d["imageTags"]}
    assert tags == {"h1", "latest"}


@pytest.mark.parametrize("dockerfile, spec, phase, reason", [
    ("RUN echo hi\n", None, "BUILD", "has no FROM instruction"),
    ("FROM x\nFROBNICATE y\n", None, "BUILD", "unknown instruction: FROBNICATE"),
    (None, None, "BUILD", "failed to read dockerfile: open web/Dockerfile"),
    (GOOD, buildspec(target="prod"), "BUILD", 'target stage "prod" could not be found'),
    (GOOD, buildspec(repository="dev/app/missing"), "POST_BUILD", "repository with name 'dev/app/missing' does not exist"),
    (GOOD, "version: 0.2\nphases: {build: {commands: [make]}}\n", "BUILD", "cannot run this command"),
], ids=["no-from", "unknown-instruction", "no-dockerfile", "no-target-stage", "no-repository", "foreign-command"])
def test_a_broken_build_fails_in_its_phase_with_the_reason(aws, builds, pipeline, dockerfile, spec, phase, reason):
    pipeline(bundle(dockerfile, spec))
    builds.advance(20)
    build = build_of(aws)
    failed = [p for p in build["phases"] if p.get("phaseStatus") == "FAILED"]
    assert build["buildStatus"] == "FAILED" and [p["phaseType"] for p in failed] == [phase]
    assert reason in failed[0]["contexts"][0]["message"]
    assert execution(aws)["status"] == "Failed"
    if phase == "BUILD":  # on-failure ABORT: nothing pushed
        assert aws.client("ecr").describe_images(repositoryName=REPOSITORY)["imageDetails"] == []


def test_a_missing_source_object_fails_the_source_stage(aws, builds, pipeline):
    pipeline(None)
    builds.advance(2)
    assert execution(aws)["status"] == "Failed"
    [source] = aws.client("codepipeline").list_action_executions(pipelineName="pipe")["actionExecutionDetails"]
    assert source["status"] == "Failed" and "does not exist" in source["output"]["executionResult"]["errorDetails"]["message"]


def test_start_build_runs_a_bundle_named_by_its_s3_location(aws, builds, pipeline):
    aws.client("s3").put_object(Bucket=BUCKET, Key="other.zip", Body=bundle())
    build = aws.client("codebuild").start_build(projectName="proj", sourceTypeOverride="S3",
                                               sourceLocationOverride=f"{BUCKET}/other.zip")["build"]
    builds.advance(20)
    done = aws.client("codebuild").batch_get_builds(ids=[build["id"]])["builds"][0]
    assert done["buildStatus"] == "SUCCEEDED", done["phases"]
