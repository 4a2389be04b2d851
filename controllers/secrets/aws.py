"""Thin Secrets Manager calls. Values pass through here on their way to AWS and are never logged."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from botocore.exceptions import ClientError

from reconciler.aws import error_code, paginate
from reconciler.ownership import as_list


def secrets_with_prefix(sm: Any, prefix: str) -> dict[str, dict]:
    """Secrets whose name starts with `prefix` (ListSecrets' name filter is a prefix match);
    those scheduled for deletion are not listed (AWS's default), so they read as absent."""
    return {s["Name"]: s for s in paginate(sm, "list_secrets", "SecretList",
                                           Filters=[{"Key": "name", "Values": [prefix]}]) if s["Name"].startswith(prefix)}


def describe(sm: Any, name: str) -> dict:
    return sm.describe_secret(SecretId=name)


def find(sm: Any, name: str) -> dict | None:
    """DescribeSecret, None when there is no secret of that name (deleted ones included)."""
    try:
        return sm.describe_secret(SecretId=name)
    except ClientError as error:
        if error_code(error) == "ResourceNotFoundException":
            return None
        raise


def value_argument(value: bytes) -> dict[str, Any]:
    """SecretString for text, SecretBinary otherwise."""
    try:
        return {"SecretString": value.decode("utf-8")}
    except UnicodeDecodeError:
        return {"SecretBinary": value}


def create(sm: Any, name: str, description: str, tags: Mapping[str, str], token: str,
           value: bytes | None) -> dict | None:
    """The new secret (ARN, VersionId), or None when the name is taken (ours after a crash, one
    scheduled for deletion, or someone else's)."""
    request: dict[str, Any] = {"Name": name, "Description": description, "Tags": as_list(tags)}
    if value is not None:
        request.update(value_argument(value), ClientRequestToken=token)
    try:
        return sm.create_secret(**request)
    except ClientError as error:
        if error_code(error) not in ("ResourceExistsException", "InvalidRequestException"):
            raise
        return None


def restore(sm: Any, name: str) -> None:
    sm.restore_secret(SecretId=name)


def put_value(sm: Any, arn: str, value: bytes, token: str) -> str:
    """The new version's id. `token` makes a retry of the same value idempotent."""
    return sm.put_secret_value(SecretId=arn, ClientRequestToken=token, **value_argument(value))["VersionId"]


def get_value(sm: Any, arn: str) -> str:
    return sm.get_secret_value(SecretId=arn)["SecretString"]


def update_description(sm: Any, arn: str, description: str) -> None:
    sm.update_secret(SecretId=arn, Description=description)


def tag(sm: Any, arn: str, tags: Mapping[str, str]) -> None:
    if tags:
        sm.tag_resource(SecretId=arn, Tags=as_list(tags))


def delete(sm: Any, arn: str, recovery_days: int) -> None:
    try:
        sm.delete_secret(SecretId=arn, RecoveryWindowInDays=recovery_days)
    except ClientError as error:
        scheduled = error_code(error) == "InvalidRequestException" and "delet" in str(error)  # already marked
        if error_code(error) != "ResourceNotFoundException" and not scheduled:
            raise
