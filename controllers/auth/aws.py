"""Thin Cognito user pool calls. `find_*` return None when absent.

UpdateUserPool and UpdateUserPoolClient reset every setting left out of the request to its
default, so updates send the described resource back with our changes on top (`merged_*`).

moto 5.2.5 lacks TagResource / UntagResource / ListTagsForResource for cognito-idp: pool tags
are written with `UserPoolTags` (CreateUserPool, UpdateUserPool) and read from DescribeUserPool,
which AWS supports as well.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from botocore.exceptions import ClientError

from reconciler.aws import is_not_found, paginate

PAGE = 60  # ListUserPools / ListUserPoolClients require MaxResults (at most 60)


def list_user_pools(client: Any) -> list[dict]:
    return list(paginate(client, "list_user_pools", "UserPools", MaxResults=PAGE))


def find_user_pool(client: Any, pool_id: str) -> dict | None:
    try:
        return client.describe_user_pool(UserPoolId=pool_id)["UserPool"]
    except ClientError as error:
        if is_not_found(error):
            return None
        raise


def list_clients(client: Any, pool_id: str) -> list[dict]:
    try:
        return list(paginate(client, "list_user_pool_clients", "UserPoolClients", UserPoolId=pool_id, MaxResults=PAGE))
    except ClientError as error:
        if is_not_found(error):
            return []
        raise


def find_client(client: Any, pool_id: str, client_id: str) -> dict | None:
    try:
        return client.describe_user_pool_client(UserPoolId=pool_id, ClientId=client_id)["UserPoolClient"]
    except ClientError as error:
        if is_not_found(error):
            return None
        raise


def _request_from(client: Any, operation: str, described: Mapping[str, Any]) -> dict[str, Any]:
    """The described resource's settings that the update operation accepts."""
    members = client.meta.service_model.operation_model(operation).input_shape.members
    return {k: v for k, v in described.items() if k in members}


def merged_pool_update(client: Any, described: Mapping[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    request = _request_from(client, "UpdateUserPool", described)
    request.pop("PoolName", None)  # the name is the pool's identity here; DescribeUserPool says "Name"
    admin = dict(request.get("AdminCreateUserConfig") or {})
    if "UnusedAccountValidityDays" in admin:
        # Deprecated, still described; AWS rejects it next to PasswordPolicy.TemporaryPasswordValidityDays.
        admin.pop("UnusedAccountValidityDays")
        request["AdminCreateUserConfig"] = admin
    if "VerificationMessageTemplate" in request:
        # The template supersedes these legacy fields (still described); send one spelling only.
        for legacy in ("EmailVerificationMessage", "EmailVerificationSubject", "SmsVerificationMessage"):
            request.pop(legacy, None)
    request.update(changes)
    request["UserPoolId"] = described["Id"]
    return request


def merged_client_update(client: Any, described: Mapping[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    request = _request_from(client, "UpdateUserPoolClient", described)
    request.update(changes)
    request["UserPoolId"] = described["UserPoolId"]
    request["ClientId"] = described["ClientId"]
    return request


def delete_user_pool(client: Any, pool_id: str) -> None:
    try:
        client.delete_user_pool(UserPoolId=pool_id)
    except ClientError as error:
        if not is_not_found(error):
            raise


def delete_client(client: Any, pool_id: str, client_id: str) -> None:
    try:
        client.delete_user_pool_client(UserPoolId=pool_id, ClientId=client_id)
    except ClientError as error:
        if not is_not_found(error):
            raise
