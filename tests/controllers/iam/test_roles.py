"""iam.role on the moto server: the execution and task roles of an app converge, the second plan
is empty, crash-and-retry leaves one role each, drift (trust, inline policies, tags) is healed in
place, foreign look-alikes are refused or adopted, storage grants map to least privilege."""
from __future__ import annotations

import json

import pytest

from controllers.iam import RoleController
from controllers.iam.policies import STORAGE_ACTIONS, trust_policy
from reconciler.engine import converge
from reconciler.errors import TerminalError
from reconciler.ownership import TAG_KIND, TAG_MANAGED_BY, as_dict, as_list, tags_for
from reconciler.plan import make_plan
from reconciler.resource import Key, Observation
from tests.support import design, write_app

CONTROLLERS = [RoleController()]
EXECUTION = "sc-dev-posts-api-execution"
TASK = "sc-dev-posts-api-task"
EXEC_KEY = Key("iam.role", "dev", "posts-api", "execution")
TASK_KEY = Key("iam.role", "dev", "posts-api", "task")
ACCOUNT, REGION = "123456789012", "us-east-1"
TABLE_ARN = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/posts"
READ = sorted(f"dynamodb:{a}" for a in STORAGE_ACTIONS["read"])


def run(ctx, designs):
    return converge(CONTROLLERS, designs, ctx, timeout=10, sleep=lambda s: None)


def plan(ctx, designs):
    return make_plan(CONTROLLERS, designs, ctx.new_pass())


def storage(grants: str) -> str:
    return "storage:\n" + "".join(f"  - table: {t}\n    permissions: [{p}]\n" for t, p in grants)


def role(aws, name: str) -> dict:
    return aws.client("iam").get_role(RoleName=name)["Role"]


def inline(aws, name: str) -> dict[str, dict]:
    iam = aws.client("iam")
    return {p: iam.get_role_policy(RoleName=name, PolicyName=p)["PolicyDocument"]
            for p in iam.list_role_policies(RoleName=name)["PolicyNames"]}


def actions_by_resource(document: dict) -> dict[tuple[str, ...], list[str]]:
    def as_list_(v):
        return [v] if isinstance(v, str) else list(v)
    return {tuple(sorted(as_list_(s["Resource"]))): sorted(as_list_(s["Action"])) for s in document["Statement"]}


def test_execution_and_task_roles_converge_with_trust_policy_and_tags(ctx, aws, tmp_path):
    designs = design(write_app(tmp_path))
    report = run(ctx, designs)
    assert report.converged
    execution, task = role(aws, EXECUTION), role(aws, TASK)
    for found in (execution, task):
        [statement] = found["AssumeRolePolicyDocument"]["Statement"]
        assert statement["Principal"] == {"Service": ["ecs-tasks.amazonaws.com"]}
        assert statement["Action"] == ["sts:AssumeRole"]
        assert statement["Condition"] == {"StringEquals": {"aws:SourceAccount": [ACCOUNT]}}
        assert as_dict(found["Tags"])[TAG_MANAGED_BY] == "serverless-container-reconciler"
    assert report.status.outputs[EXEC_KEY] == {"arn": execution["Arn"], "name": EXECUTION}
    assert report.status.outputs[TASK_KEY] == {"arn": task["Arn"], "name": TASK}
    assert inline(aws, TASK) == {}  # no storage grants, no storage policy
    assert aws.client("iam").list_attached_role_policies(RoleName=EXECUTION)["AttachedPolicies"] == []
    assert plan(ctx, designs).empty


def test_execution_policy_is_scoped_to_the_apps_repositories_logs_and_secrets(ctx, aws, tmp_path):
    designs = design(write_app(tmp_path))
    assert run(ctx, designs).converged
    assert set(inline(aws, EXECUTION)) == {"execution"}
    assert actions_by_resource(inline(aws, EXECUTION)["execution"]) == {
        ("*",): ["ecr:GetAuthorizationToken"],
        (f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/dev/posts-api/*",):
            ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
        (f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/ecs/dev/posts-api/*:*",): ["logs:CreateLogStream", "logs:PutLogEvents"],
    }  # no secrets in the spec: no secret may be read


def test_execution_policy_reads_exactly_the_apps_secrets_and_not_the_github_token(ctx, aws, tmp_path):
    compose = """\
services:
  web:
    build: .
    ports: ["8080"]
    secrets: [DB_PASSWORD, API_KEY]
secrets:
  DB_PASSWORD: {file: ../secrets/.secret-db}
  API_KEY: {file: ../secrets/.secret-api}
"""
    spec = write_app(tmp_path, compose=compose, files={"src/Dockerfile": "FROM scratch\n", "secrets/.secret-db": "a",
                                                       "secrets/.secret-api": "b"})
    assert run(ctx, design(spec)).converged
    prefix = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:dev/posts-api/"
    assert actions_by_resource(inline(aws, EXECUTION)["execution"])[(f"{prefix}API_KEY-??????", f"{prefix}DB_PASSWORD-??????")] \
        == ["secretsmanager:GetSecretValue"]


def test_a_read_only_grant_allows_only_read_actions_on_the_table_and_its_indexes(ctx, aws, tmp_path):
    designs = design(write_app(tmp_path, spec_extra=storage([("posts", "read")])))
    assert run(ctx, designs).converged
    assert actions_by_resource(inline(aws, TASK)["storage"]) == {(TABLE_ARN, f"{TABLE_ARN}/index/*"): READ}


def test_all_four_permissions_grant_the_union_once_per_table(ctx, aws, tmp_path):
    grants = [("posts", "read, create, update, delete"), ("users", "update")]
    designs = design(write_app(tmp_path, spec_extra=storage(grants)))
    assert run(ctx, designs).converged
    users = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/users"
    assert actions_by_resource(inline(aws, TASK)["storage"]) == {
        (TABLE_ARN, f"{TABLE_ARN}/index/*"): sorted(READ + ["dynamodb:BatchWriteItem", "dynamodb:DeleteItem",
                                                          "dynamodb:PutItem", "dynamodb:UpdateItem"]),
        (users, f"{users}/index/*"): ["dynamodb:PutItem", "dynamodb:UpdateItem"],
    }


def test_removing_all_grants_deletes_the_storage_policy_and_leaves_foreign_ones(ctx, aws, tmp_path):
    assert run(ctx, design(write_app(tmp_path, spec_extra=storage([("posts", "read")])))).converged
    someone_elses = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}]}
    aws.client("iam").put_role_policy(RoleName=TASK, PolicyName="extra", PolicyDocument=json.dumps(someone_elses))
    designs = design(write_app(tmp_path))  # the spec rewritten without storage
    removal = plan(ctx, designs)
    assert [(c.name, c.action, [x.path for x in c.changes]) for c in removal.pending] == [
        (str(TASK_KEY), "update", ["Policies.storage"])]
    assert run(ctx, designs).converged
    assert set(inline(aws, TASK)) == {"extra"}
    assert plan(ctx, designs).empty


def test_trust_policy_drift_is_healed(ctx, aws, tmp_path):
    designs = design(write_app(tmp_path))
    assert run(ctx, designs).converged
    widened = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                                                       "Action": "sts:AssumeRole"}]}
    aws.client("iam").update_assume_role_policy(RoleName=EXECUTION, PolicyDocument=json.dumps(widened))
    drift = plan(ctx, designs)
    assert [(c.name, [x.path for x in c.changes]) for c in drift.pending] == [(str(EXEC_KEY), ["AssumeRolePolicyDocument"])]
    assert run(ctx, designs).converged
    [statement] = role(aws, EXECUTION)["AssumeRolePolicyDocument"]["Statement"]
    assert statement["Condition"] == {"StringEquals": {"aws:SourceAccount": [ACCOUNT]}}


def test_changed_and_deleted_inline_policies_are_restored(ctx, aws, tmp_path):
    designs = design(write_app(tmp_path, spec_extra=storage([("posts", "read")])))
    assert run(ctx, designs).converged
    iam = aws.client("iam")
    wide = {"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "ecr:*", "Resource": "*"}}
    iam.put_role_policy(RoleName=EXECUTION, PolicyName="execution", PolicyDocument=json.dumps(wide))
    iam.delete_role_policy(RoleName=TASK, PolicyName="storage")
    drift = plan(ctx, designs)
    assert {(c.name, c.changes[0].path) for c in drift.pending} == {(str(EXEC_KEY), "Policies.execution"),
                                                                   (str(TASK_KEY), "Policies.storage")}
    assert run(ctx, designs).converged
    assert "ecr:GetAuthorizationToken" in json.dumps(inline(aws, EXECUTION)["execution"])
    assert actions_by_resource(inline(aws, TASK)["storage"]) == {(TABLE_ARN, f"{TABLE_ARN}/index/*"): READ}


def test_an_equal_policy_spelled_differently_is_not_drift(ctx, aws, tmp_path):
    designs = design(write_app(tmp_path, spec_extra=storage([("posts", "read")])))
    assert run(ctx, designs).converged
    document = inline(aws, TASK)["storage"]
    [statement] = document["Statement"]
    respelled = {"Statement": {**statement, "Action": list(reversed(statement["Action"])),
                               "Resource": list(reversed(statement["Resource"]))}, "Version": document["Version"]}
    aws.client("iam").put_role_policy(RoleName=TASK, PolicyName="storage", PolicyDocument=json.dumps(respelled))
    assert plan(ctx, designs).empty


def test_tag_drift_is_healed_and_foreign_tags_are_kept(ctx, aws, tmp_path):
    designs = design(write_app(tmp_path))
    assert run(ctx, designs).converged
    iam = aws.client("iam")
    iam.untag_role(RoleName=TASK, TagKeys=[TAG_KIND])
    iam.tag_role(RoleName=TASK, Tags=[{"Key": "cost-centre", "Value": "42"}])
    assert [c.name for c in plan(ctx, designs).pending] == [str(TASK_KEY)]
    assert run(ctx, designs).converged
    tags = as_dict(role(aws, TASK)["Tags"])
    assert tags[TAG_KIND] == "iam.role" and tags["cost-centre"] == "42"


def test_a_create_interrupted_before_the_policies_leaves_one_role_each(ctx, aws, tmp_path):
    designs = design(write_app(tmp_path))
    first = plan(ctx, designs)
    # The process died after CreateRole, before PutRolePolicy; the retry runs the same plan.
    aws.client("iam").create_role(RoleName=EXECUTION, AssumeRolePolicyDocument=json.dumps(trust_policy(ACCOUNT)),
                                  Tags=as_list(tags_for(EXEC_KEY)))
    RoleController().create(first.resources[EXEC_KEY], ctx)
    assert run(ctx, designs).converged
    names = [r["RoleName"] for r in aws.client("iam").list_roles()["Roles"]]
    assert sorted(names) == sorted([EXECUTION, TASK, "sc-dev-posts-api-build", "sc-dev-posts-api-pipeline"])
    assert set(inline(aws, EXECUTION)) == {"execution"}
    assert plan(ctx, designs).empty


def foreign_role(aws, name: str) -> None:
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                                                     "Action": "sts:AssumeRole"}]}
    aws.client("iam").create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust), Tags=[{"Key": "owner", "Value": "them"}])


def test_a_foreign_role_with_our_name_is_refused_and_left_unchanged(ctx, aws, tmp_path):
    designs = design(write_app(tmp_path))
    foreign_role(aws, EXECUTION)
    assert [p.key for p in plan(ctx, designs).problems] == [EXEC_KEY]
    report = run(ctx, designs)
    assert not report.converged and [o.key for o in report.refused] == [EXEC_KEY]
    found = role(aws, EXECUTION)
    assert as_dict(found["Tags"]) == {"owner": "them"}
    assert found["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]["Service"] == "lambda.amazonaws.com"
    assert inline(aws, EXECUTION) == {}


def test_a_foreign_role_is_adopted_when_the_spec_asks(ctx, aws, tmp_path):
    designs = design(write_app(tmp_path, spec_extra="adopt: true\n"))
    foreign_role(aws, EXECUTION)
    assert run(ctx, designs).converged
    found = role(aws, EXECUTION)
    assert as_dict(found["Tags"])[TAG_MANAGED_BY] == "serverless-container-reconciler"
    assert found["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]["Service"] == ["ecs-tasks.amazonaws.com"]
    assert set(inline(aws, EXECUTION)) == {"execution"}


def test_a_role_created_by_someone_else_between_plan_and_apply_is_refused(ctx, aws, tmp_path):
    designs = design(write_app(tmp_path))
    first = plan(ctx, designs)
    foreign_role(aws, EXECUTION)
    with pytest.raises(TerminalError, match="not created by this reconciler"):
        RoleController().create(first.resources[EXEC_KEY], ctx)
    assert as_dict(role(aws, EXECUTION)["Tags"]) == {"owner": "them"}


def test_delete_removes_inline_and_attached_policies_and_is_idempotent(ctx, aws, tmp_path):
    designs = design(write_app(tmp_path, spec_extra=storage([("posts", "read")])))
    report = run(ctx, designs)
    iam = aws.client("iam")
    arn = iam.create_policy(PolicyName="attached", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}]}))["Policy"]["Arn"]
    iam.attach_role_policy(RoleName=TASK, PolicyArn=arn)
    observation = Observation(True, outputs=report.status.outputs[TASK_KEY])
    for _ in range(2):  # the second round: already gone is success
        RoleController().delete(TASK_KEY, observation, ctx)
    assert TASK not in [r["RoleName"] for r in iam.list_roles()["Roles"]]
