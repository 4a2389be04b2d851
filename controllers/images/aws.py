"""Thin ECR calls."""
from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from botocore.exceptions import ClientError

from reconciler.aws import error_code, paginate
from reconciler.ownership import as_dict, as_list


def repositories_with_prefix(ecr: Any, prefix: str) -> dict[str, dict]:
    """Every repository whose name starts with `prefix` (DescribeRepositories by name fails as a
    whole when one name is missing, so the account's list is read, paginated)."""
    return {r["repositoryName"]: r for r in paginate(ecr, "describe_repositories", "repositories")
            if r["repositoryName"].startswith(prefix)}


def tags_of(ecr: Any, arn: str) -> dict[str, str]:
    return as_dict(ecr.list_tags_for_resource(resourceArn=arn).get("tags"))


def lifecycle_policy(ecr: Any, name: str) -> dict | None:
    try:
        return json.loads(ecr.get_lifecycle_policy(repositoryName=name)["lifecyclePolicyText"])
    except ClientError as error:
        if error_code(error) in ("LifecyclePolicyNotFoundException", "RepositoryNotFoundException"):
            return None
        raise


def create_repository(ecr: Any, desired: Mapping[str, Any], tags: Mapping[str, str]) -> dict | None:
    """The new repository, or None when one of that name exists (ours after a crash, or not)."""
    try:
        return ecr.create_repository(
            repositoryName=desired["repositoryName"], imageTagMutability=desired["imageTagMutability"],
            imageTagMutabilityExclusionFilters=desired["imageTagMutabilityExclusionFilters"],
            imageScanningConfiguration=desired["imageScanningConfiguration"], tags=as_list(tags))["repository"]
    except ClientError as error:
        if error_code(error) != "RepositoryAlreadyExistsException":
            raise
        return None


def put_tag_mutability(ecr: Any, name: str, mutability: str, exclusions: list[dict]) -> None:
    ecr.put_image_tag_mutability(repositoryName=name, imageTagMutability=mutability,
                                 imageTagMutabilityExclusionFilters=exclusions)


def put_scanning(ecr: Any, name: str, configuration: Mapping[str, Any]) -> None:
    ecr.put_image_scanning_configuration(repositoryName=name, imageScanningConfiguration=dict(configuration))


def put_lifecycle_policy(ecr: Any, name: str, policy: Mapping[str, Any]) -> None:
    ecr.put_lifecycle_policy(repositoryName=name, lifecyclePolicyText=json.dumps(policy, sort_keys=True))


def tag(ecr: Any, arn: str, tags: Mapping[str, str]) -> None:
    if tags:
        ecr.tag_resource(resourceArn=arn, tags=as_list(tags))


def delete_repository(ecr: Any, name: str) -> None:
    """With its images (force): images are rebuilt from source, and an app's delete takes them."""
    try:
        ecr.delete_repository(repositoryName=name, force=True)
    except ClientError as error:
        if error_code(error) != "RepositoryNotFoundException":
            raise
