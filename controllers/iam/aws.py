"""Thin IAM calls. boto3 URL-decodes and parses the policy documents IAM returns."""
from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import ClientError

from reconciler import retry
from reconciler.aws import error_code, paginate
from reconciler.ownership import as_list


def _ignore_missing(call: Any, **kwargs: Any) -> None:
    try:
        call(**kwargs)
    except ClientError as error:
        if error_code(error) != "NoSuchEntity":
            raise


def find_role(iam: Any, name: str) -> dict | None:
    try:
        return iam.get_role(RoleName=name)["Role"]
    except ClientError as error:
        if error_code(error) == "NoSuchEntity":
            return None
        raise


def get_role_after_create(iam: Any, name: str) -> dict:
    """GetRole that waits out IAM's read-after-create window (EntityAlreadyExists, then NoSuchEntity)."""
    return retry.read_after_create.call(lambda: iam.get_role(RoleName=name)["Role"])


def inline_policy_names(iam: Any, name: str) -> list[str]:
    return list(paginate(iam, "list_role_policies", "PolicyNames", RoleName=name))


def get_inline_policy(iam: Any, role: str, policy: str) -> Any | None:
    try:
        return iam.get_role_policy(RoleName=role, PolicyName=policy)["PolicyDocument"]
    except ClientError as error:
        if error_code(error) == "NoSuchEntity":
            return None
        raise


def create_role(iam: Any, name: str, trust: dict, tags: dict[str, str], description: str) -> dict:
    return iam.create_role(
        RoleName=name,
        AssumeRolePolicyDocument=json.dumps(trust),
        Description=description,
        Tags=as_list(tags),
    )["Role"]


def update_trust(iam: Any, name: str, trust: dict) -> None:
    iam.update_assume_role_policy(RoleName=name, PolicyDocument=json.dumps(trust))


def put_inline_policy(iam: Any, role: str, policy: str, document: dict, *, just_created: bool = False) -> None:
    kwargs = {"RoleName": role, "PolicyName": policy, "PolicyDocument": json.dumps(document)}
    if just_created:
        # A role created a moment ago may still be NoSuchEntity to PutRolePolicy on AWS.
        retry.read_after_create.call(iam.put_role_policy, **kwargs)
    else:
        iam.put_role_policy(**kwargs)


def delete_inline_policy(iam: Any, role: str, policy: str) -> None:
    _ignore_missing(iam.delete_role_policy, RoleName=role, PolicyName=policy)


def tag_role(iam: Any, name: str, tags: dict[str, str]) -> None:
    iam.tag_role(RoleName=name, Tags=as_list(tags))


def delete_role(iam: Any, name: str) -> None:
    """Inline policies deleted, managed policies detached, then the role; gone = success."""
    try:
        for policy in inline_policy_names(iam, name):
            delete_inline_policy(iam, name, policy)
        for attached in paginate(iam, "list_attached_role_policies", "AttachedPolicies", RoleName=name):
            _ignore_missing(iam.detach_role_policy, RoleName=name, PolicyArn=attached["PolicyArn"])
    except ClientError as error:
        if error_code(error) == "NoSuchEntity":
            return
        raise
    _ignore_missing(iam.delete_role, RoleName=name)
