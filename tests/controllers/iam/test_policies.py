"""Pure: policy documents in canonical form, storage permissions mapped to least privilege."""
from __future__ import annotations

import json
from urllib.parse import quote

from controllers.iam.compare import canonical_document, diff_role
from controllers.iam.policies import storage_actions, storage_policy, trust_policy
from reconciler.design import StorageGrant


def test_url_encoded_single_string_and_list_spellings_are_one_canonical_document():
    listed = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["s3:PutObject", "s3:GetObject"], "Resource": ["arn:b", "arn:a"]},
        {"Effect": "Allow", "Principal": {"Service": ["ecs-tasks.amazonaws.com"]}, "Action": ["sts:AssumeRole"]},
    ]}
    single = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"},
        {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject", "s3:GetObject"], "Resource": ["arn:a", "arn:b"]},
    ]}
    encoded = quote(json.dumps(single))
    assert canonical_document(listed) == canonical_document(single) == canonical_document(encoded)
    assert canonical_document(json.dumps(listed)) == canonical_document(listed)


def test_a_widened_statement_is_drift_even_though_diffs_are_otherwise_left_scoped():
    trust = trust_policy("123456789012")
    widened = json.loads(json.dumps(trust))
    widened["Statement"][0]["Condition"]["StringEquals"]["aws:SourceAccount"].append("210987654321")
    desired = {"RoleName": "r", "AssumeRolePolicyDocument": trust, "Policies": {"storage": None}}
    observed = {"RoleName": "r", "AssumeRolePolicyDocument": canonical_document(widened), "Policies": {"storage": None},
                "tags": {"a": "1", "foreign": "kept"}}
    assert [c.path for c in diff_role(desired, {"a": "1"}, observed)] == ["AssumeRolePolicyDocument"]


def test_storage_actions_per_permission_are_deduplicated_and_sorted():
    assert storage_actions(["create", "update"]) == ["dynamodb:BatchWriteItem", "dynamodb:PutItem", "dynamodb:UpdateItem"]
    assert storage_actions(["delete"]) == ["dynamodb:BatchWriteItem", "dynamodb:DeleteItem"]
    assert "dynamodb:PutItem" not in storage_actions(["read"])


def test_no_grants_means_no_storage_policy():
    assert storage_policy([], "us-east-1", "123456789012") is None
    policy = storage_policy([StorageGrant("t", ("read",))], "eu-west-1", "111122223333")
    assert policy["Statement"][0]["Resource"] == ["arn:aws:dynamodb:eu-west-1:111122223333:table/t",
                                                  "arn:aws:dynamodb:eu-west-1:111122223333:table/t/index/*"]
