"""Thin CloudFront calls. CloudFront is global (its certificates live in us-east-1); updates and
deletes carry the ETag of the configuration they replace (IfMatch)."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from botocore.exceptions import ClientError

from reconciler.aws import error_code
from reconciler.ownership import as_dict, as_list


def list_distributions(cloudfront: Any) -> list[dict]:
    found: list[dict] = []
    for page in cloudfront.get_paginator("list_distributions").paginate():
        found.extend(page.get("DistributionList", {}).get("Items") or [])
    return found


def tags_of(cloudfront: Any, arn: str) -> dict[str, str]:
    try:
        return as_dict((cloudfront.list_tags_for_resource(Resource=arn).get("Tags") or {}).get("Items"))
    except ClientError as error:
        if error_code(error) == "NoSuchResource":
            return {}
        raise


def get_config(cloudfront: Any, distribution_id: str) -> tuple[dict, str] | None:
    """(DistributionConfig, ETag), or None when the distribution is gone."""
    try:
        answer = cloudfront.get_distribution_config(Id=distribution_id)
    except ClientError as error:
        if error_code(error) == "NoSuchDistribution":
            return None
        raise
    return answer["DistributionConfig"], answer["ETag"]


def create(cloudfront: Any, config: Mapping[str, Any], tags: Mapping[str, str]) -> dict:
    return cloudfront.create_distribution_with_tags(DistributionConfigWithTags={
        "DistributionConfig": config, "Tags": {"Items": as_list(tags)}})["Distribution"]


def update(cloudfront: Any, distribution_id: str, config: Mapping[str, Any], etag: str) -> dict:
    return cloudfront.update_distribution(Id=distribution_id, IfMatch=etag, DistributionConfig=config)["Distribution"]


def tag(cloudfront: Any, arn: str, tags: Mapping[str, str]) -> None:
    if tags:
        cloudfront.tag_resource(Resource=arn, Tags={"Items": as_list(tags)})


def delete(cloudfront: Any, distribution_id: str, etag: str) -> None:
    try:
        cloudfront.delete_distribution(Id=distribution_id, IfMatch=etag)
    except ClientError as error:
        if error_code(error) != "NoSuchDistribution":
            raise
