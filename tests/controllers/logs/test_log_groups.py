"""Log groups on the moto server: converge, second plan empty, drift healed, foreign refused."""
from __future__ import annotations

from controllers.logs import LogGroupController
from reconciler.engine import converge
from reconciler.ownership import TAG_MANAGED_BY
from reconciler.plan import make_plan
from tests.support import design, write_app

COMPOSE = """\
services:
  web:
    image: nginx
    ports: ["8080"]
  worker:
    image: busybox
"""


def run(ctx, designs):
    return converge([LogGroupController()], designs, ctx, timeout=10, sleep=lambda s: None)


def groups(aws):
    return {g["logGroupName"]: g for g in aws.client("logs").describe_log_groups(logGroupNamePrefix="/ecs/")["logGroups"]}


def test_one_log_group_per_container_with_retention_and_tags(ctx, aws, tmp_path):
    designs = design(write_app(tmp_path, compose=COMPOSE, spec_extra="logs: {retentionDays: 14}\n"))
    assert run(ctx, designs).converged
    found = groups(aws)
    assert set(found) == {"/ecs/dev/posts-api/web", "/ecs/dev/posts-api/worker"}
    assert {g["retentionInDays"] for g in found.values()} == {14}
    tags = aws.client("logs").list_tags_for_resource(resourceArn=found["/ecs/dev/posts-api/web"]["arn"].removesuffix(":*"))["tags"]
    assert tags[TAG_MANAGED_BY] == "serverless-container-reconciler"
    assert make_plan([LogGroupController()], designs, ctx.new_pass()).empty


def test_retention_and_tag_drift_are_healed(ctx, aws, tmp_path):
    designs = design(write_app(tmp_path, compose=COMPOSE))
    run(ctx, designs)
    logs = aws.client("logs")
    arn = groups(aws)["/ecs/dev/posts-api/web"]["arn"].removesuffix(":*")
    logs.put_retention_policy(logGroupName="/ecs/dev/posts-api/web", retentionInDays=1)
    logs.untag_resource(resourceArn=arn, tagKeys=["reconcile.dev/kind"])
    plan = make_plan([LogGroupController()], designs, ctx.new_pass())
    assert [(c.name, c.action) for c in plan.pending] == [("logs.group/dev/posts-api/web", "update")]
    assert {c.path for c in plan.pending[0].changes} >= {"retentionInDays"}
    run(ctx, designs)
    assert groups(aws)["/ecs/dev/posts-api/web"]["retentionInDays"] == 30
    assert "reconcile.dev/kind" in logs.list_tags_for_resource(resourceArn=arn)["tags"]
    assert make_plan([LogGroupController()], designs, ctx.new_pass()).empty


def test_foreign_log_group_with_our_name_is_refused_not_modified(ctx, aws, tmp_path):
    designs = design(write_app(tmp_path, compose=COMPOSE))
    aws.client("logs").create_log_group(logGroupName="/ecs/dev/posts-api/web", tags={"owner": "someone-else"})
    plan = make_plan([LogGroupController()], designs, ctx.new_pass())
    assert [str(p.key) for p in plan.problems] == ["logs.group/dev/posts-api/web"]
    report = run(ctx, designs)
    assert not report.converged and report.refused
    assert "retentionInDays" not in groups(aws)["/ecs/dev/posts-api/web"]


def test_foreign_log_group_is_adopted_when_the_spec_asks(ctx, aws, tmp_path):
    designs = design(write_app(tmp_path, compose=COMPOSE, spec_extra="adopt: true\n"))
    aws.client("logs").create_log_group(logGroupName="/ecs/dev/posts-api/web")
    assert run(ctx, designs).converged
    arn = groups(aws)["/ecs/dev/posts-api/web"]["arn"].removesuffix(":*")
    assert aws.client("logs").list_tags_for_resource(resourceArn=arn)["tags"][TAG_MANAGED_BY] == "serverless-container-reconciler"


def test_rerun_after_a_crash_leaves_exactly_one_group_each(ctx, aws, tmp_path):
    designs = design(write_app(tmp_path, compose=COMPOSE))
    controller = LogGroupController()
    plan = make_plan([controller], designs, ctx.new_pass())
    first = plan.changes[0]
    # The process dies right after the first create: only that one call went through.
    controller.create(plan.resources[first.key], ctx)
    assert run(ctx, designs).converged
    assert sorted(groups(aws)) == ["/ecs/dev/posts-api/web", "/ecs/dev/posts-api/worker"]
