"""secrets.secret on the moto server: one secret per compose secret, its value written only when
its hash changed (kept as a tag), second plan empty, drift healed, crash-retry leaves one, foreign
refused or adopted, delete (with a recovery window) and re-create (restored)."""
from __future__ import annotations

from controllers.secrets import SecretController
from controllers.secrets.secret import TAG_VALUE_HASH
from reconciler.engine import converge
from reconciler.plan import make_plan
from reconciler.resource import Key
from tests.support import design, write_app

CONTROLLERS = [SecretController()]
KEY = Key("secrets.secret", "dev", "posts-api", "API_KEY")
NAME = "dev/posts-api/API_KEY"
COMPOSE = """\
services:
  web:
    image: nginx
    ports: ["8080"]
    secrets: [API_KEY]
secrets:
  API_KEY: {file: ../secrets/.secret-api-key}
"""


def spec(tmp_path, value: str = "first", extra: str = ""):
    return design(write_app(tmp_path, compose=COMPOSE, spec_extra=extra, files={"secrets/.secret-api-key": value}))


def run(ctx, designs):
    return converge(CONTROLLERS, designs, ctx, timeout=10, sleep=lambda s: None)


def plan(ctx, designs):
    return make_plan(CONTROLLERS, designs, ctx.new_pass())


def value(aws) -> str:
    return aws.client("secretsmanager").get_secret_value(SecretId=NAME)["SecretString"]


def versions(aws) -> int:
    return len(aws.client("secretsmanager").list_secret_version_ids(SecretId=NAME)["Versions"])


def tags(aws) -> dict:
    return {t["Key"]: t["Value"] for t in aws.client("secretsmanager").describe_secret(SecretId=NAME)["Tags"]}


def test_the_value_is_written_once_and_again_only_when_it_changes(ctx, aws, tmp_path):
    designs = spec(tmp_path)
    report = run(ctx, designs)
    assert report.converged and value(aws) == "first" and versions(aws) == 1
    assert tags(aws)[TAG_VALUE_HASH] == designs[0].apps[0].delivery.secrets[0].value_hash
    assert report.status.outputs[KEY]["version"]
    assert plan(ctx, designs).empty and versions(aws) == 1
    changed = spec(tmp_path, "second")
    [change] = plan(ctx, changed).pending
    assert [(c.path, c.sensitive) for c in change.changes] == [("valueHash", True)]
    assert run(ctx, changed).converged and value(aws) == "second" and versions(aws) == 2
    back = spec(tmp_path, "first")  # A -> B -> A is a write too
    assert run(ctx, back).converged and value(aws) == "first"


def test_drift_in_description_and_tags_is_healed(ctx, aws, tmp_path):
    designs = spec(tmp_path)
    run(ctx, designs)
    sm = aws.client("secretsmanager")
    sm.update_secret(SecretId=NAME, Description="changed")
    sm.untag_resource(SecretId=NAME, TagKeys=["reconcile.dev/kind"])
    [change] = plan(ctx, designs).pending
    assert {c.field for c in change.changes} == {"Description", "tags"}
    assert run(ctx, designs).converged and plan(ctx, designs).empty and "reconcile.dev/kind" in tags(aws)


def test_a_create_retried_after_a_crash_leaves_one_secret(ctx, aws, tmp_path):
    designs = spec(tmp_path)
    resource = plan(ctx, designs).resources[KEY]
    SecretController().create(resource, ctx)
    SecretController().create(resource, ctx)
    assert len(aws.client("secretsmanager").list_secrets()["SecretList"]) == 1 and versions(aws) == 1
    assert plan(ctx, designs).empty


def test_a_foreign_secret_is_refused_untouched_and_adopted_with_adopt(ctx, aws, tmp_path):
    aws.client("secretsmanager").create_secret(Name=NAME, SecretString="theirs", Tags=[{"Key": "owner", "Value": "them"}])
    designs = spec(tmp_path)
    assert [p.key for p in plan(ctx, designs).problems] == [KEY]
    assert not run(ctx, designs).converged and value(aws) == "theirs"
    assert run(ctx, spec(tmp_path / "adopt", extra="adopt: true\n")).converged and value(aws) == "first"


def test_delete_schedules_deletion_and_a_new_converge_restores_it(ctx, aws, tmp_path):
    designs = spec(tmp_path)
    report = run(ctx, designs)
    for _ in range(2):
        SecretController().delete(KEY, report.last_plan.observations[KEY], ctx)
    assert aws.client("secretsmanager").list_secrets()["SecretList"] == []
    assert run(ctx, designs).converged and value(aws) == "first"
