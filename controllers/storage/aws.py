"""Thin DynamoDB calls. `find_*` return None when absent."""
from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from reconciler.aws import error_code, is_not_found, paginate


def find_table(client: Any, name: str) -> dict | None:
    try:
        return client.describe_table(TableName=name)["Table"]
    except ClientError as error:
        if is_not_found(error):
            return None
        raise


def tags_of(client: Any, arn: str) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in paginate(client, "list_tags_of_resource", "Tags", ResourceArn=arn)}


def tags_of_if_readable(client: Any, arn: str) -> dict[str, str] | None:
    """The table's tags; None while AWS cannot say (a table still CREATING answers not found)."""
    try:
        return tags_of(client, arn)
    except ClientError as error:
        if is_not_found(error):
            return None
        raise


def point_in_time_recovery(client: Any, name: str) -> bool | None:
    """Whether PITR is on; None when AWS cannot say yet (a table still being created)."""
    try:
        description = client.describe_continuous_backups(TableName=name)["ContinuousBackupsDescription"]
    except ClientError as error:
        if is_not_found(error):  # TableNotFoundException
            return None
        raise
    status = description.get("PointInTimeRecoveryDescription", {}).get("PointInTimeRecoveryStatus")
    return status == "ENABLED"


def create_table(client: Any, request: dict[str, Any]) -> dict | None:
    """The new table's description, or None when a table of that name already exists."""
    try:
        return client.create_table(**request)["TableDescription"]
    except ClientError as error:
        if error_code(error) == "ResourceInUseException":  # a retry after a crash, or a race
            return None
        raise


def delete_table(client: Any, name: str, protected: bool) -> None:
    """Lift deletion protection (DeleteTable refuses otherwise), then delete. Gone is success."""
    try:
        if protected:
            client.update_table(TableName=name, DeletionProtectionEnabled=False)
        client.delete_table(TableName=name)
    except ClientError as error:
        if not is_not_found(error):
            raise
