"""DynamoDB tables of storage grants with `create: true`, on the moto server: converge, second
plan empty, crash-retry, drift healed, foreign refused/adopted, keys immutable, kept by teardown."""
from __future__ import annotations

import pytest

from controllers.logs import LogGroupController
from controllers.registry import all_controllers
from controllers.storage import StorageTableController
from reconciler.workflow import delete_apps
from reconciler.engine import converge
from reconciler.errors import RequeueAfter
from reconciler.ownership import MANAGED_BY_VALUE, TAG_APP, TAG_KIND, TAG_MANAGED_BY
from reconciler.plan import make_plan
from reconciler.resource import FieldChange, Key, Observation
from tests.support import design, write_app

CREATE = "storage:\n  - {table: posts, permissions: [read, update], create: true}\n"
TABLE = "dev-posts"  # a created table is named per environment
KEY = Key("storage.table", "dev", "posts-api", TABLE)


def run(ctx, designs, controllers=None):
    return converge(controllers or [StorageTableController()], designs, ctx, timeout=10, sleep=lambda s: None)


def plan(ctx, designs, controllers=None):
    return make_plan(controllers or [StorageTableController()], designs, ctx.new_pass())


def table(aws, name=TABLE):
    return aws.client("dynamodb").describe_table(TableName=name)["Table"]


def tags(aws, name=TABLE):
    arn = table(aws, name)["TableArn"]
    return {t["Key"]: t["Value"] for t in aws.client("dynamodb").list_tags_of_resource(ResourceArn=arn)["Tags"]}


def pitr(aws, name=TABLE):
    backups = aws.client("dynamodb").describe_continuous_backups(TableName=name)["ContinuousBackupsDescription"]
    return backups["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"]


def foreign_table(aws, name=TABLE):
    aws.client("dynamodb").create_table(
        TableName=name, BillingMode="PROVISIONED", ProvisionedThroughput={"ReadCapacityUnits": 1, "WriteCapacityUnits": 1},
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}], AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        Tags=[{"Key": "owner", "Value": "someone-else"}])


def test_a_grant_with_create_converges_to_one_protected_on_demand_table(ctx, aws, tmp_path):
    designs = design(write_app(tmp_path, spec_extra=CREATE))
    report = run(ctx, designs)
    assert report.converged
    found = table(aws)
    assert found["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert found["KeySchema"] == [{"AttributeName": "id", "KeyType": "HASH"}]
    assert found["AttributeDefinitions"] == [{"AttributeName": "id", "AttributeType": "S"}]
    assert found["SSEDescription"]["Status"] == "ENABLED"
    assert found["DeletionProtectionEnabled"] is True
    assert pitr(aws) == "ENABLED"
    assert tags(aws)[TAG_MANAGED_BY] == MANAGED_BY_VALUE and tags(aws)[TAG_APP] == "posts-api"
    assert report.status.outputs[KEY] == {"name": TABLE, "arn": found["TableArn"]}
    assert plan(ctx, designs).empty


def test_a_grant_without_create_makes_no_table(ctx, aws, tmp_path):
    designs = design(write_app(tmp_path, spec_extra="storage:\n  - {table: posts, permissions: [read]}\n"))
    assert StorageTableController().desired(designs[0]) == []
    assert run(ctx, designs).converged
    assert aws.client("dynamodb").list_tables()["TableNames"] == []


def test_keys_come_from_the_spec(ctx, aws, tmp_path):
    designs = design(write_app(tmp_path, spec_extra="""\
storage:
  - table: events.v2
    permissions: [create, read]
    create: true
    partitionKey: {name: stream, type: B}
    sortKey: {name: at, type: N}
"""))
    assert run(ctx, designs).converged
    found = table(aws, "dev-events.v2")
    assert found["KeySchema"] == [{"AttributeName": "stream", "KeyType": "HASH"}, {"AttributeName": "at", "KeyType": "RANGE"}]
    assert sorted(found["AttributeDefinitions"], key=lambda a: a["AttributeName"]) == [
        {"AttributeName": "at", "AttributeType": "N"}, {"AttributeName": "stream", "AttributeType": "B"}]
    assert plan(ctx, designs).empty


def test_rerun_after_a_crash_leaves_exactly_one_table(ctx, aws, tmp_path):
    designs = design(write_app(tmp_path, spec_extra=CREATE))
    controller = StorageTableController()
    first = plan(ctx, designs, [controller])
    # The process died right after CreateTable; the rerun planned before seeing it, so it creates again.
    controller.create(first.resources[KEY], ctx)
    outputs = controller.create(first.resources[KEY], ctx)
    assert outputs["name"] == TABLE
    assert run(ctx, designs).converged
    assert aws.client("dynamodb").list_tables()["TableNames"] == [TABLE]
    assert pitr(aws) == "ENABLED"


def test_billing_protection_recovery_and_tag_drift_is_healed(ctx, aws, tmp_path):
    designs = design(write_app(tmp_path, spec_extra=CREATE))
    run(ctx, designs)
    dynamodb = aws.client("dynamodb")
    dynamodb.update_table(TableName=TABLE, DeletionProtectionEnabled=False)
    dynamodb.update_table(TableName=TABLE, BillingMode="PROVISIONED",
                          ProvisionedThroughput={"ReadCapacityUnits": 1, "WriteCapacityUnits": 1})
    dynamodb.update_continuous_backups(TableName=TABLE, PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": False})
    dynamodb.untag_resource(ResourceArn=table(aws)["TableArn"], TagKeys=[TAG_KIND])
    drifted = plan(ctx, designs)
    assert [(c.name, c.action) for c in drifted.pending] == [(str(KEY), "update")]
    assert {c.path for c in drifted.pending[0].changes} == {
        "BillingMode", "DeletionProtectionEnabled", "PointInTimeRecoverySpecification", "tags"}
    assert run(ctx, designs).converged
    healed = table(aws)
    assert healed["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST" and healed["DeletionProtectionEnabled"] is True
    assert pitr(aws) == "ENABLED" and tags(aws)[TAG_KIND] == "storage.table"
    assert plan(ctx, designs).empty


def test_foreign_table_with_our_name_is_refused_not_modified(ctx, aws, tmp_path):
    foreign_table(aws)
    designs = design(write_app(tmp_path, spec_extra=CREATE))
    assert [str(p.key) for p in plan(ctx, designs).problems] == [str(KEY)]
    report = run(ctx, designs)
    assert not report.converged and [o.key for o in report.refused] == [KEY]
    assert table(aws)["BillingModeSummary"]["BillingMode"] == "PROVISIONED"
    assert TAG_MANAGED_BY not in tags(aws)


def test_foreign_table_is_adopted_when_the_spec_asks(ctx, aws, tmp_path):
    foreign_table(aws)
    designs = design(write_app(tmp_path, spec_extra=CREATE + "adopt: true\n"))
    assert run(ctx, designs).converged
    adopted = table(aws)
    assert adopted["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST" and adopted["DeletionProtectionEnabled"] is True
    assert tags(aws)[TAG_MANAGED_BY] == MANAGED_BY_VALUE and tags(aws)["owner"] == "someone-else"
    assert plan(ctx, designs).empty


def test_a_second_app_creating_the_same_table_is_refused_as_foreign(ctx, aws, tmp_path):
    first = write_app(tmp_path, "posts-api", spec_extra=CREATE)
    second = write_app(tmp_path, "feed-api", spec_extra=CREATE)
    assert run(ctx, design(first)).converged
    both = design(first, second)
    problems = plan(ctx, both).problems
    assert [str(p.key) for p in problems] == ["storage.table/dev/feed-api/dev-posts"]
    assert "belongs to app 'posts-api'" in problems[0].message
    assert not run(ctx, both).converged
    assert tags(aws)[TAG_APP] == "posts-api"


def test_two_apps_creating_the_same_table_in_one_pass_leave_one_owner(ctx, aws, tmp_path):
    designs = design(write_app(tmp_path, "posts-api", spec_extra=CREATE), write_app(tmp_path, "feed-api", spec_extra=CREATE))
    report = run(ctx, designs)
    assert not report.converged
    owner = tags(aws)[TAG_APP]
    (refused,) = report.refused
    assert refused.key.app == {"posts-api": "feed-api", "feed-api": "posts-api"}[owner]
    assert f"belongs to app '{owner}'" in refused.message and "unique per account and region" in refused.message
    assert aws.client("dynamodb").list_tables()["TableNames"] == [TABLE]


def test_changing_the_keys_is_refused_and_the_table_kept_with_its_data(ctx, aws, tmp_path):
    run(ctx, design(write_app(tmp_path, spec_extra=CREATE)))
    aws.client("dynamodb").put_item(TableName=TABLE, Item={"id": {"S": "first-post"}})
    rekeyed = design(write_app(tmp_path, spec_extra=CREATE.replace("create: true", "create: true, partitionKey: {name: slug}")))
    (change,) = plan(ctx, rekeyed).pending
    assert change.action == "replace" and "KeySchema" in change.reason
    report = run(ctx, rekeyed)
    assert not report.converged
    (refused,) = report.refused
    assert "changes its keys (id (S) -> slug (S))" in refused.message and "migrate the data" in refused.message
    assert table(aws)["KeySchema"] == [{"AttributeName": "id", "KeyType": "HASH"}]
    assert aws.client("dynamodb").scan(TableName=TABLE)["Count"] == 1


def test_reconcile_delete_leaves_the_table(ctx, aws, tmp_path):
    controllers = [StorageTableController(), LogGroupController()]
    designs = design(write_app(tmp_path, spec_extra=CREATE))
    assert run(ctx, designs, controllers).converged
    report = delete_apps(controllers, designs, ctx, None, timeout=10, sleep=lambda s: None)
    assert report.converged and report.deleted == ["logs.group/dev/posts-api/app"]
    assert aws.client("logs").describe_log_groups(logGroupNamePrefix="/ecs/")["logGroups"] == []
    assert table(aws)["DeletionProtectionEnabled"] is True


def test_an_explicit_delete_lifts_protection_and_deletes_the_table(ctx, aws, tmp_path):
    designs = design(write_app(tmp_path, spec_extra=CREATE))
    run(ctx, designs)
    controller = StorageTableController()
    observed = plan(ctx, designs, [controller]).observations[KEY]
    controller.delete(KEY, observed, ctx)
    assert aws.client("dynamodb").list_tables()["TableNames"] == []
    controller.delete(KEY, observed, ctx)  # already gone is success


def test_a_table_that_is_not_active_is_changed_later(ctx, tmp_path):
    controller = StorageTableController()
    (resource,) = controller.desired(design(write_app(tmp_path, spec_extra=CREATE))[0])
    busy = Observation(exists=True, outputs={"name": TABLE, "arn": "arn:aws:dynamodb:::table/dev-posts"},
                       state={"table": {"TableStatus": "UPDATING"}, "keys_changed": ""})
    with pytest.raises(RequeueAfter, match="UPDATING"):
        controller.update(resource, busy, [FieldChange("BillingMode", "PROVISIONED", "PAY_PER_REQUEST")], ctx)


def test_the_whole_app_converges_with_every_controller(ctx, aws, tmp_path):
    designs = design(write_app(tmp_path, spec_extra="storage:\n  - {table: posts, permissions: [read], create: true}\n"))
    report = converge(all_controllers(), designs, ctx, timeout=60, sleep=lambda s: None)
    assert report.converged, [o.message for o in report.refused]
    assert table(aws)["TableStatus"] == "ACTIVE"
    assert make_plan(all_controllers(), designs, ctx.new_pass()).empty


def test_two_environments_creating_the_same_table_get_one_each(ctx, aws, tmp_path):
    designs = design(write_app(tmp_path / "dev", spec_extra=CREATE),
                     write_app(tmp_path / "prod", environment="prod", spec_extra=CREATE))
    assert run(ctx, designs).converged
    assert sorted(aws.client("dynamodb").list_tables()["TableNames"]) == ["dev-posts", "prod-posts"]


def test_table_name_names_a_created_table_explicitly_and_the_app_finds_it(ctx, aws, tmp_path):
    from controllers.ecs.task_definition import task_definition_request
    from controllers.iam.policies import storage_policy

    (env,) = design(write_app(tmp_path, spec_extra="storage:\n  - {table: posts, permissions: [read], create: true, tableName: posts}\n"))
    assert run(ctx, [env]).converged
    assert aws.client("dynamodb").list_tables()["TableNames"] == ["posts"]
    (app,) = env.apps
    variables = {v["name"]: v["value"] for v in task_definition_request(app, env)["containerDefinitions"][0]["environment"]}
    assert variables["STORAGE_POSTS_NAME"] == "posts"
    assert storage_policy(app.storage, "us-east-1", "123456789012")["Statement"][0]["Resource"][0].endswith(":table/posts")


def test_storage_variables_keep_their_names_and_point_at_the_environments_table(tmp_path):
    from controllers.ecs.task_definition import task_definition_request

    (env,) = design(write_app(tmp_path, environment="prod", spec_extra=CREATE))
    (app,) = env.apps
    variables = {v["name"]: v["value"] for v in task_definition_request(app, env)["containerDefinitions"][0]["environment"]}
    assert variables["STORAGE_POSTS_NAME"] == "prod-posts"
    assert variables["STORAGE_POSTS_ARN"].endswith(":table/prod-posts")
