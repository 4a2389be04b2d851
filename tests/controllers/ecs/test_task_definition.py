"""ecs.task_definition on the moto server: the content (roles, awslogs, storage variables), one
revision per content change and none for an unchanged one, drift healed, foreign refused/adopted."""
from __future__ import annotations

from controllers.ecs import TaskDefinitionController
from controllers.ecs.compare import task_definition_changes, task_definition_content
from controllers.iam import RoleController
from controllers.logs import LogGroupController
from reconciler.engine import apply_plan, converge
from reconciler.ownership import LABEL_PREFIX, TAG_KIND, TAG_MANAGED_BY, TAG_NAME
from reconciler.plan import make_plan, resolve
from reconciler.resource import Key
from tests.support import delivery_controllers, design, write_app

CONTROLLERS = [RoleController(), LogGroupController(), *delivery_controllers(), TaskDefinitionController()]
FAMILY = "dev-posts-api"
STORAGE = """\
storage:
  - table: posts-table.v2
    permissions: [read, update]
"""
COMPOSE = """\
services:
  web:
    image: nginx:1
    ports: ["8080"]
  worker:
    image: busybox:1
"""


def run(ctx, designs):
    return converge(CONTROLLERS, designs, ctx, timeout=20, sleep=lambda s: None)


def only(plan):
    return [(c.kind, c.action) for c in plan.pending]


def latest(aws, family: str = FAMILY) -> tuple[dict, dict]:
    answer = aws.client("ecs").describe_task_definition(taskDefinition=family, include=["TAGS"])
    return answer["taskDefinition"], {t["key"]: t["value"] for t in answer.get("tags", [])}


def revisions(aws, family: str = FAMILY) -> list[str]:
    return aws.client("ecs").list_task_definitions(familyPrefix=family)["taskDefinitionArns"]


def test_task_definition_has_roles_logging_and_storage_variables(ctx, aws, tmp_path):
    designs = design(write_app(tmp_path, spec_extra=STORAGE))
    report = run(ctx, designs)
    assert report.converged
    definition, tags = latest(aws)
    iam = aws.client("iam")
    assert definition["executionRoleArn"] == iam.get_role(RoleName="sc-dev-posts-api-execution")["Role"]["Arn"]
    assert definition["taskRoleArn"] == iam.get_role(RoleName="sc-dev-posts-api-task")["Role"]["Arn"]
    (container,) = definition["containerDefinitions"]
    assert container["logConfiguration"] == {"logDriver": "awslogs", "options": {
        "awslogs-group": "/ecs/dev/posts-api/app", "awslogs-region": "us-east-1", "awslogs-stream-prefix": "ecs"}}
    environment = {v["name"]: v["value"] for v in container["environment"]}
    assert environment["STORAGE_POSTS_TABLE_V2_NAME"] == "posts-table.v2"
    assert environment["STORAGE_POSTS_TABLE_V2_ARN"] == "arn:aws:dynamodb:us-east-1:123456789012:table/posts-table.v2"
    assert tags[TAG_MANAGED_BY] == "serverless-container-reconciler"
    outputs = report.status.outputs[Key("ecs.task_definition", "dev", "posts-api")]
    assert outputs == {"arn": definition["taskDefinitionArn"], "family": FAMILY, "revision": 1}
    assert make_plan(CONTROLLERS, designs, ctx.new_pass()).empty


def test_every_container_gets_its_own_log_group(ctx, aws, tmp_path):
    designs = design(write_app(tmp_path, compose=COMPOSE))
    assert run(ctx, designs).converged
    groups = {c["name"]: c["logConfiguration"]["options"]["awslogs-group"] for c in latest(aws)[0]["containerDefinitions"]}
    assert groups == {"web": "/ecs/dev/posts-api/web", "worker": "/ecs/dev/posts-api/worker"}
    assert make_plan(CONTROLLERS, designs, ctx.new_pass()).empty


def test_an_unchanged_task_definition_is_not_registered_again(ctx, aws, tmp_path):
    designs = design(write_app(tmp_path, compose=COMPOSE))
    run(ctx, designs)
    assert run(ctx, designs).converged
    assert run(ctx, design(write_app(tmp_path, compose=COMPOSE))).converged  # a fresh load, same content
    assert len(revisions(aws)) == 1


def test_a_changed_image_registers_exactly_one_new_revision(ctx, aws, tmp_path):
    run(ctx, design(write_app(tmp_path, compose=COMPOSE)))
    designs = design(write_app(tmp_path, compose=COMPOSE.replace("nginx:1", "nginx:2")))
    plan = make_plan(CONTROLLERS, designs, ctx.new_pass())
    assert only(plan) == [("ecs.task_definition", "update")]
    assert [c.path for c in plan.pending[0].changes] == ["containerDefinitions[0].image"]
    report = run(ctx, designs)
    assert report.converged
    assert len(revisions(aws)) == 2
    definition, tags = latest(aws)
    assert (definition["revision"], tags[TAG_MANAGED_BY]) == (2, "serverless-container-reconciler")
    assert {c["name"]: c["image"] for c in definition["containerDefinitions"]}["web"] == "nginx:2"
    assert report.status.outputs[Key("ecs.task_definition", "dev", "posts-api")]["revision"] == 2
    plan = make_plan(CONTROLLERS, designs, ctx.new_pass())
    assert plan.empty

    key = Key("ecs.task_definition", "dev", "posts-api")
    TaskDefinitionController().delete(key, plan.observations[key], ctx)  # every ACTIVE revision
    TaskDefinitionController().delete(key, plan.observations[key], ctx)  # already gone: fine
    assert revisions(aws) == []


def test_a_crash_after_registration_leaves_one_revision(ctx, aws, tmp_path):
    designs = design(write_app(tmp_path))
    plan = make_plan(CONTROLLERS, designs, ctx.new_pass())
    # Apply only the dependencies, then register "by hand" as the crashed run did.
    plan.changes = [c for c in plan.changes if c.kind != "ecs.task_definition"]
    apply_plan(plan, CONTROLLERS, ctx.new_pass())
    again = make_plan(CONTROLLERS, designs, ctx.new_pass())
    resource = again.resources[Key("ecs.task_definition", "dev", "posts-api")]
    resolved = resolve(resource, {k: o.outputs for k, o in again.observations.items() if o.exists})
    aws.client("ecs").register_task_definition(**resolved.desired, tags=[{"key": k, "value": v} for k, v in resolved.tags.items()])
    assert only(make_plan(CONTROLLERS, designs, ctx.new_pass())) == []
    assert run(ctx, designs).converged
    assert len(revisions(aws)) == 1


def test_content_drift_registers_a_healing_revision_and_tag_drift_only_retags(ctx, aws, tmp_path):
    designs = design(write_app(tmp_path))
    run(ctx, designs)
    definition, _ = latest(aws)
    ecs = aws.client("ecs")
    ecs.untag_resource(resourceArn=definition["taskDefinitionArn"], tagKeys=[TAG_KIND])
    plan = make_plan(CONTROLLERS, designs, ctx.new_pass())
    assert only(plan) == [("ecs.task_definition", "update")] and [c.path for c in plan.pending[0].changes] == ["tags"]
    assert run(ctx, designs).converged
    assert len(revisions(aws)) == 1 and latest(aws)[1][TAG_KIND] == "ecs.task_definition"

    # Someone registers a revision with another memory size behind our back: the next run
    # registers our content again (as a new revision), never reverting by number.
    drifted = {k: definition[k] for k in ("family", "networkMode", "requiresCompatibilities", "cpu",
                                           "containerDefinitions", "executionRoleArn", "taskRoleArn")}
    ecs.register_task_definition(**drifted, memory="2048",
                                 tags=[{"key": k, "value": v} for k, v in latest(aws)[1].items()])
    plan = make_plan(CONTROLLERS, designs, ctx.new_pass())
    assert [c.path for c in plan.pending[0].changes] == ["memory"]
    assert run(ctx, designs).converged
    assert latest(aws)[0]["memory"] == definition["memory"] and len(revisions(aws)) == 3
    assert make_plan(CONTROLLERS, designs, ctx.new_pass()).empty


def test_a_foreign_family_is_refused_and_adopted_when_asked(ctx, aws, tmp_path):
    ecs = aws.client("ecs")
    ecs.register_task_definition(family=FAMILY, containerDefinitions=[{"name": "app", "image": "nginx", "memory": 64}],
                                 tags=[{"key": "owner", "value": "someone-else"}])
    designs = design(write_app(tmp_path))
    plan = make_plan(CONTROLLERS, designs, ctx.new_pass())
    assert [str(p.key) for p in plan.problems] == ["ecs.task_definition/dev/posts-api"]
    report = run(ctx, designs)
    assert not report.converged
    assert len(revisions(aws)) == 1 and latest(aws)[1] == {"owner": "someone-else"}

    adopting = design(write_app(tmp_path, spec_extra="adopt: true\n"))
    assert run(ctx, adopting).converged
    definition, tags = latest(aws)
    assert definition["revision"] == 2 and tags[TAG_MANAGED_BY] == "serverless-container-reconciler"
    assert make_plan(CONTROLLERS, adopting, ctx.new_pass()).empty


def test_aws_defaults_do_not_count_as_changes():
    desired = {"family": "f", "cpu": "256", "containerDefinitions": [
        {"name": "b", "image": "x", "environment": [{"name": "Z", "value": "1"}, {"name": "A", "value": "2"}]},
        {"name": "a", "image": "y", "portMappings": [{"containerPort": 80}]}]}
    observed = {"family": "f", "cpu": "256", "revision": 7, "status": "ACTIVE", "compatibilities": ["EC2", "FARGATE"],
                "volumes": [], "placementConstraints": [], "containerDefinitions": [
                    {"name": "a", "image": "y", "cpu": 0, "essential": True, "mountPoints": [], "volumesFrom": [],
                     "environment": [], "systemControls": [],
                     "portMappings": [{"containerPort": 80, "hostPort": 80, "protocol": "tcp"}]},
                    {"name": "b", "image": "x", "cpu": 0, "essential": True, "mountPoints": [], "volumesFrom": [],
                     "environment": [{"name": "A", "value": "2"}, {"name": "Z", "value": "1"}]}]}
    assert task_definition_changes(desired, task_definition_content(observed)) == []
    observed["containerDefinitions"][1]["image"] = "x:2"
    assert [c.path for c in task_definition_changes(desired, task_definition_content(observed))] == ["containerDefinitions[1].image"]


def test_a_label_change_retags_the_revision_without_registering_a_new_one(ctx, aws, tmp_path):
    path = write_app(tmp_path)
    run(ctx, design(path))
    path.write_text(path.read_text().replace("  environment: dev\n", "  environment: dev\n  labels:\n    team: blue\n"))
    designs = design(path)
    plan = make_plan(CONTROLLERS, designs, ctx.new_pass())
    assert ("ecs.task_definition", "update") in only(plan)
    assert run(ctx, designs).converged
    assert len(revisions(aws)) == 1
    assert latest(aws)[1][LABEL_PREFIX + "team"] == "blue"
    assert TAG_NAME not in latest(aws)[1]  # an app-level kind has no sub-name
