"""Thin CloudWatch Logs calls."""
from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from reconciler.aws import error_code, paginate


def list_log_groups(logs: Any, prefix: str) -> list[dict]:
    return list(paginate(logs, "describe_log_groups", "logGroups", logGroupNamePrefix=prefix))


def tags_of(logs: Any, arn: str) -> dict[str, str]:
    return logs.list_tags_for_resource(resourceArn=arn.removesuffix(":*")).get("tags", {})


def create_log_group(logs: Any, name: str, tags: dict[str, str]) -> None:
    try:
        logs.create_log_group(logGroupName=name, tags=tags)
    except ClientError as error:
        if error_code(error) != "ResourceAlreadyExistsException":  # a retry after a crash
            raise


def delete_log_group(logs: Any, name: str) -> None:
    try:
        logs.delete_log_group(logGroupName=name)
    except ClientError as error:
        if error_code(error) != "ResourceNotFoundException":
            raise
