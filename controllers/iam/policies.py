"""The IAM documents of an app's roles, built from design-time values only (the account and
region come from the environment's location), so render and plan need no AWS call. Pure.

Inline policies only: AWS-managed policies (AmazonECSTaskExecutionRolePolicy) exist in moto only
behind a slow server flag, and an inline policy can be scoped to the app's own resources.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from controllers.iam.compare import canonical_document
from reconciler.design import StorageGrant

VERSION = "2012-10-17"
TASKS_PRINCIPAL = "ecs-tasks.amazonaws.com"

# Least privilege per storage permission (DynamoDB actions).
STORAGE_ACTIONS: dict[str, tuple[str, ...]] = {
    "read": ("GetItem", "BatchGetItem", "Query", "Scan", "ConditionCheckItem", "DescribeTable"),
    "create": ("PutItem", "BatchWriteItem"),
    "update": ("UpdateItem", "PutItem"),
    "delete": ("DeleteItem", "BatchWriteItem"),
}


def trust_policy(account: str) -> dict[str, Any]:
    """ECS tasks may assume the role, only on behalf of this account (confused-deputy guard)."""
    return canonical_document({
        "Version": VERSION,
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Service": TASKS_PRINCIPAL},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"aws:SourceAccount": account}},
        }],
    })


def execution_policy(environment: str, app: str, region: str, account: str, partition: str = "aws") -> dict[str, Any]:
    """What the ECS agent needs to start the app's tasks: pull its images, write its logs, read
    its secrets; each scoped to the app's own names."""
    repositories = f"arn:{partition}:ecr:{region}:{account}:repository/{environment}/{app}/*"
    log_groups = f"arn:{partition}:logs:{region}:{account}:log-group:/ecs/{environment}/{app}/*:*"
    secrets = f"arn:{partition}:secretsmanager:{region}:{account}:secret:{environment}/{app}/*"
    return canonical_document({
        "Version": VERSION,
        "Statement": [
            # GetAuthorizationToken is account-wide: it has no resource to scope to.
            _allow(["ecr:GetAuthorizationToken"], ["*"]),
            _allow(["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"], [repositories]),
            _allow(["logs:CreateLogStream", "logs:PutLogEvents"], [log_groups]),
            _allow(["secretsmanager:GetSecretValue"], [secrets]),
        ],
    })


def storage_actions(permissions: Iterable[str]) -> list[str]:
    """The DynamoDB actions a set of permissions needs: deduplicated and sorted."""
    return sorted({f"dynamodb:{action}" for p in permissions for action in STORAGE_ACTIONS[p]})


def storage_policy(grants: Iterable[StorageGrant], region: str, account: str, partition: str = "aws") -> dict[str, Any] | None:
    """One statement per table (the table and its indexes), or None when the app has no grants."""
    permissions: dict[str, set[str]] = {}
    for grant in grants:
        permissions.setdefault(grant.name, set()).update(grant.permissions)
    if not permissions:
        return None
    statements = []
    for table, granted in sorted(permissions.items()):
        arn = f"arn:{partition}:dynamodb:{region}:{account}:table/{table}"
        statements.append(_allow(storage_actions(granted), [arn, f"{arn}/index/*"]))
    return canonical_document({"Version": VERSION, "Statement": statements})


def _allow(actions: list[str], resources: list[str]) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": actions, "Resource": resources}
