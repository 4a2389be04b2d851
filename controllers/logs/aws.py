"""Thin CloudWatch Logs calls."""
from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from reconciler.aws import error_code, paginate


def list_log_groups(logs: Any, prefix: str) -> list[dict]:
    return list(paginate(logs, "describe_log_groups", "logGroups", logGroupNamePrefix=prefix))


def tags_of(logs: Any, arn: str) -> dict[str, str]:
    return logs.list_tags_for_resource(resourceArn=arn.removesuffix(":*")).get("tags", {})


def create_log_group(logs: Any, name: str, tags: dict[str, str]) -> bool:
    """True when created; False when a group of that name exists already (a retry after a
    crash, or someone else's: the caller checks its tags)."""
    try:
        logs.create_log_group(logGroupName=name, tags=tags)
        return True
    except ClientError as error:
        if error_code(error) != "ResourceAlreadyExistsException":
            raise
        return False


def delete_log_group(logs: Any, name: str) -> None:
    try:
        logs.delete_log_group(logGroupName=name)
    except ClientError as error:
        if error_code(error) != "ResourceNotFoundException":
            raise


def put_retention(logs: Any, name: str, days: int) -> None:
    logs.put_retention_policy(logGroupName=name, retentionInDays=days)


def tag(logs: Any, arn: str, tags: dict[str, str]) -> None:
    if tags:
        logs.tag_resource(resourceArn=arn.removesuffix(":*"), tags=tags)
