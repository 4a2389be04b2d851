"""Thin S3, CodeBuild and CodePipeline calls for the build kinds: one boto3 call each, no decisions."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from botocore.exceptions import ClientError

from reconciler import retry
from reconciler.aws import error_code, paginate
from reconciler.ownership import as_dict, as_list

_ABSENT_S3 = ("NoSuchTagSet", "ServerSideEncryptionConfigurationNotFoundError", "NoSuchPublicAccessBlockConfiguration",
              "NoSuchLifecycleConfiguration")


# -- S3 -----------------------------------------------------------------------------------------
def _optional(call: Any, key: str, **kwargs: Any) -> Any:
    try:
        return call(**kwargs).get(key)
    except ClientError as error:
        if error_code(error) in _ABSENT_S3:
            return None
        raise


def bucket_settings(s3: Any, bucket: str) -> dict[str, Any] | None:
    """The bucket's settings; None when it does not exist (the first read tells: no HeadBucket)."""
    try:
        versioning = s3.get_bucket_versioning(Bucket=bucket).get("Status")
    except ClientError as error:
        if error_code(error) in ("NoSuchBucket", "404"):
            return None
        raise
    return {
        "tags": as_dict(_optional(s3.get_bucket_tagging, "TagSet", Bucket=bucket)),
        "Versioning": versioning,
        "Encryption": _optional(s3.get_bucket_encryption, "ServerSideEncryptionConfiguration", Bucket=bucket),
        "PublicAccessBlock": _optional(s3.get_public_access_block, "PublicAccessBlockConfiguration", Bucket=bucket),
        "Lifecycle": _optional(s3.get_bucket_lifecycle_configuration, "Rules", Bucket=bucket),
    }


def create_bucket(s3: Any, bucket: str, region: str, tags: Mapping[str, str]) -> bool:
    """True when created (or already ours: us-east-1 answers 200 to its owner); False when the
    name is taken by another account (names are global)."""
    configuration: dict[str, Any] = {"Tags": as_list(tags)}
    if region != "us-east-1":
        configuration["LocationConstraint"] = region
    try:
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration=configuration)
        return True
    except ClientError as error:
        code = error_code(error)
        if code == "BucketAlreadyOwnedByYou":
            return True
        if code == "BucketAlreadyExists":
            return False
        raise


def put_bucket_tags(s3: Any, bucket: str, tags: Mapping[str, str]) -> None:
    s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": as_list(tags)})


def put_versioning(s3: Any, bucket: str, status: str) -> None:
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": status})


def put_encryption(s3: Any, bucket: str, configuration: Mapping[str, Any]) -> None:
    s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration=dict(configuration))


def put_public_access_block(s3: Any, bucket: str, configuration: Mapping[str, Any]) -> None:
    s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration=dict(configuration))


def put_lifecycle(s3: Any, bucket: str, rules: list[dict]) -> None:
    s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": rules})


def empty_and_delete_bucket(s3: Any, bucket: str) -> None:
    """Every version and delete marker, then the bucket; "already gone" is success."""
    try:
        for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket):
            objects = [{"Key": v["Key"], "VersionId": v["VersionId"]}
                       for v in page.get("Versions", []) + page.get("DeleteMarkers", [])]
            for start in range(0, len(objects), 1000):
                s3.delete_objects(Bucket=bucket, Delete={"Objects": objects[start:start + 1000], "Quiet": True})
        s3.delete_bucket(Bucket=bucket)
    except ClientError as error:
        if error_code(error) not in ("NoSuchBucket", "404"):
            raise


def head_object(s3: Any, bucket: str, key: str) -> dict | None:
    try:
        return s3.head_object(Bucket=bucket, Key=key)
    except ClientError as error:
        if error_code(error) in ("404", "NoSuchKey", "NoSuchBucket", "NotFound"):
            return None
        raise


def put_object(s3: Any, bucket: str, key: str, body: bytes, metadata: Mapping[str, str]) -> dict:
    return s3.put_object(Bucket=bucket, Key=key, Body=body, Metadata=dict(metadata),
                         ServerSideEncryption="AES256", ContentType="application/zip")


def delete_object(s3: Any, bucket: str, key: str) -> None:
    try:
        s3.delete_object(Bucket=bucket, Key=key)
    except ClientError as error:
        if error_code(error) not in ("NoSuchBucket", "NoSuchKey", "404"):
            raise


# -- ECR (read only: which images exist) -----------------------------------------------------------
def has_image(ecr: Any, repository: str, tag: str) -> bool:
    try:
        ecr.describe_images(repositoryName=repository, imageIds=[{"imageTag": tag}])
        return True
    except ClientError as error:
        if error_code(error) in ("ImageNotFoundException", "RepositoryNotFoundException"):
            return False
        raise


def image_tags(ecr: Any, repository: str) -> list[tuple[str, Any]]:
    """(tag, pushed at) of every tagged image of a repository; none when it does not exist."""
    try:
        details = list(paginate(ecr, "describe_images", "imageDetails", repositoryName=repository,
                                filter={"tagStatus": "TAGGED"}))
    except ClientError as error:
        if error_code(error) == "RepositoryNotFoundException":
            return []
        raise
    return [(t, d.get("imagePushedAt")) for d in details for t in d.get("imageTags") or []]


# -- CodeBuild ----------------------------------------------------------------------------------
def projects(codebuild: Any, names: list[str]) -> dict[str, dict]:
    """BatchGetProjects (100 a call); missing names are simply not in the answer."""
    found: dict[str, dict] = {}
    for start in range(0, len(names), 100):
        for project in codebuild.batch_get_projects(names=names[start:start + 100]).get("projects", []):
            found[project["name"]] = project
    return found


def create_project(codebuild: Any, request: Mapping[str, Any]) -> dict | None:
    """The new project, or None when the name is taken."""
    try:
        # A build role created a moment ago may not be assumable by CodeBuild yet.
        return retry.iam_propagation.call(codebuild.create_project, **request)["project"]
    except ClientError as error:
        if error_code(error) != "ResourceAlreadyExistsException":
            raise
        return None


def update_project(codebuild: Any, request: Mapping[str, Any]) -> dict:
    return codebuild.update_project(**request)["project"]


def delete_project(codebuild: Any, name: str) -> None:
    try:
        codebuild.delete_project(name=name)
    except ClientError as error:
        if error_code(error) != "ResourceNotFoundException":
            raise


def builds(codebuild: Any, ids: list[str]) -> dict[str, dict]:
    if not ids:
        return {}
    return {b["id"]: b for b in codebuild.batch_get_builds(ids=ids[:100]).get("builds", [])}


# -- CodePipeline -------------------------------------------------------------------------------
def find_pipeline(codepipeline: Any, name: str) -> tuple[dict, dict] | None:
    """(pipeline, metadata), or None."""
    try:
        answer = codepipeline.get_pipeline(name=name)
    except ClientError as error:
        if error_code(error) == "PipelineNotFoundException":
            return None
        raise
    return answer["pipeline"], answer.get("metadata", {})


def pipeline_tags(codepipeline: Any, arn: str) -> dict[str, str]:
    return as_dict(codepipeline.list_tags_for_resource(resourceArn=arn).get("tags"), "key", "value")


def create_pipeline(codepipeline: Any, pipeline: Mapping[str, Any], tags: Mapping[str, str]) -> dict | None:
    """The new pipeline, or None when the name is taken (CodePipeline answers InvalidStructure)."""
    try:
        return codepipeline.create_pipeline(pipeline=dict(pipeline), tags=as_list(tags, "key", "value"))["pipeline"]
    except ClientError as error:
        if error_code(error) == "InvalidStructureException" and "already exists" in str(error):
            return None
        raise


def update_pipeline(codepipeline: Any, pipeline: Mapping[str, Any]) -> dict:
    return codepipeline.update_pipeline(pipeline=dict(pipeline))["pipeline"]


def tag_pipeline(codepipeline: Any, arn: str, tags: Mapping[str, str]) -> None:
    if tags:
        codepipeline.tag_resource(resourceArn=arn, tags=as_list(tags, "key", "value"))


def delete_pipeline(codepipeline: Any, name: str) -> None:
    codepipeline.delete_pipeline(name=name)  # no error when it does not exist


def executions(codepipeline: Any, name: str, limit: int = 25) -> list[dict]:
    """The newest executions first (one page is enough: we look for the newest of a revision)."""
    try:
        return codepipeline.list_pipeline_executions(pipelineName=name, maxResults=limit).get(
            "pipelineExecutionSummaries", [])
    except ClientError as error:
        if error_code(error) == "PipelineNotFoundException":
            return []
        raise


def start_execution(codepipeline: Any, name: str, token: str) -> str:
    return codepipeline.start_pipeline_execution(name=name, clientRequestToken=token)["pipelineExecutionId"]


def action_executions(codepipeline: Any, name: str, execution_id: str) -> list[dict]:
    return list(paginate(codepipeline, "list_action_executions", "actionExecutionDetails", pipelineName=name,
                         filter={"pipelineExecutionId": execution_id}))


def webhooks(codepipeline: Any) -> dict[str, dict]:
    return {w["definition"]["name"]: w for w in paginate(codepipeline, "list_webhooks", "webhooks")}


def put_webhook(codepipeline: Any, definition: Mapping[str, Any], tags: Mapping[str, str]) -> dict:
    return codepipeline.put_webhook(webhook=dict(definition), tags=as_list(tags, "key", "value"))["webhook"]


def register_webhook(codepipeline: Any, name: str) -> None:
    codepipeline.register_webhook_with_third_party(webhookName=name)


def delete_webhook(codepipeline: Any, name: str) -> None:
    try:
        codepipeline.deregister_webhook_with_third_party(webhookName=name)
    except ClientError as error:
        if error_code(error) not in ("WebhookNotFoundException", "ValidationException"):
            raise
    codepipeline.delete_webhook(name=name)  # no error when it does not exist
