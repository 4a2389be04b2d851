"""ecs.service end to end on the moto server, with the real network, discovery, IAM and logs
kinds, and the ECS scheduler simulation on a fake clock (converge's `sleep` advances it)."""
from __future__ import annotations

import pytest
from botocore.awsrequest import AWSResponse

from controllers.discovery import NamespaceController
from controllers.discovery import ServiceController as DiscoveryServiceController
from controllers.ecs import ClusterController, ServiceController, TaskDefinitionController
from controllers.iam import RoleController
from controllers.logs import LogGroupController
from controllers.network import network_controllers
from reconciler.engine import apply_plan, converge
from reconciler.ownership import TAG_KIND, TAG_MANAGED_BY
from reconciler.plan import make_plan, resolve
from reconciler.resource import Key
from tests.support import delivery_controllers, design, write_app

CONTROLLERS = [*network_controllers(), NamespaceController(), DiscoveryServiceController(), RoleController(),
               LogGroupController(), ClusterController(), *delivery_controllers(), TaskDefinitionController(),
               ServiceController()]
SERVICE = Key("ecs.service", "dev", "posts-api")
CLUSTER = "sc-dev"
DOCKERFILE = "FROM public.ecr.aws/docker/library/node:20-slim\nEXPOSE 8080\nCMD [\"node\", \"index.js\"]\n"


def run(ctx, designs, scheduler):
    return converge(CONTROLLERS, designs, ctx, timeout=30, sleep=scheduler.advance)


def settle(ctx, designs, *, skip: tuple[str, ...] = ()) -> None:
    """Apply plans until nothing is pending (readiness aside), leaving out the `skip` kinds."""
    for _ in range(10):
        plan = make_plan(CONTROLLERS, designs, ctx.new_pass())
        plan.changes = [c for c in plan.changes if c.kind not in skip]
        if not plan.pending:
            return
        apply_plan(plan, CONTROLLERS, ctx.new_pass())
    raise AssertionError("did not settle")


def observe(ctx, designs):
    plan = make_plan(CONTROLLERS, designs, ctx.new_pass())
    return plan, plan.observations[SERVICE]


def service(aws) -> dict:
    return aws.client("ecs").describe_services(cluster=CLUSTER, services=["posts-api"], include=["TAGS"])["services"][0]


def tags(item: dict) -> dict:
    return {t["key"]: t["value"] for t in item.get("tags", [])}


def revisions(aws) -> list[str]:
    return aws.client("ecs").list_task_definitions(familyPrefix="dev-posts-api")["taskDefinitionArns"]


def count_calls(aws, name: str, since: int) -> int:
    return aws.requests[since:].count(name)


@pytest.fixture
def designs(tmp_path):
    return design(write_app(tmp_path, spec_extra="replicas: 2\n"))


def test_service_converges_from_empty_wired_to_its_dependencies(ctx, aws, designs, scheduler):
    report = run(ctx, designs, scheduler)
    assert report.converged
    found = service(aws)
    outputs = report.status.outputs
    assert found["clusterArn"] == outputs[Key("ecs.cluster", "dev")]["arn"]
    assert found["taskDefinition"] == outputs[Key("ecs.task_definition", "dev", "posts-api")]["arn"]
    assert (found["desiredCount"], found["runningCount"], found["launchType"]) == (2, 2, "FARGATE")
    vpc = found["networkConfiguration"]["awsvpcConfiguration"]
    # The environment spans three zones; an app without highAvailability runs in the first.
    assert len(outputs[Key("network.subnets", "dev")]["ids"]) == 3
    assert vpc["subnets"] == outputs[Key("network.subnets", "dev")]["ids"][:1]
    assert vpc["securityGroups"] == [outputs[Key("network.security_group", "dev", "posts-api", "tasks")]["id"]]
    assert vpc["assignPublicIp"] == "ENABLED"
    assert found["serviceRegistries"] == [{"registryArn": outputs[Key("discovery.service", "dev", "posts-api")]["arn"],
                                           "containerName": "app", "containerPort": 8080}]
    assert found["propagateTags"] == "SERVICE"
    assert tags(found)[TAG_MANAGED_BY] == "serverless-container-reconciler"
    assert outputs[SERVICE] == {"arn": found["serviceArn"], "name": "posts-api"}
    start = len(aws.requests)
    plan = make_plan(CONTROLLERS, designs, ctx.new_pass())
    assert plan.empty and not plan.not_ready
    assert count_calls(aws, "ecs.DescribeServices", start) == 1


def test_service_is_ready_only_after_the_simulated_deployment_completes(ctx, aws, designs, scheduler):
    settle(ctx, designs)
    plan, observation = observe(ctx, designs)
    assert plan.empty and observation.exists and not observation.ready
    assert observation.message == "0/2 running, deployment IN_PROGRESS"
    scheduler.tick()
    scheduler.advance(0.5)
    assert not observe(ctx, designs)[1].ready
    scheduler.advance(0.5)
    plan, observation = observe(ctx, designs)
    assert observation.ready and observation.message == "2/2 running, deployment COMPLETED"
    assert plan.empty and not plan.not_ready


def test_desired_count_changed_behind_our_back_is_healed(ctx, aws, designs, scheduler):
    run(ctx, designs, scheduler)
    aws.client("ecs").update_service(cluster=CLUSTER, service="posts-api", desiredCount=5)
    plan = make_plan(CONTROLLERS, designs, ctx.new_pass())
    assert [(c.kind, c.action, [f.path for f in c.changes]) for c in plan.pending] == [
        ("ecs.service", "update", ["desiredCount"])]
    start = len(aws.requests)
    assert run(ctx, designs, scheduler).converged
    assert count_calls(aws, "ecs.CreateService", start) == 0
    found = service(aws)
    assert (found["desiredCount"], found["runningCount"]) == (2, 2)


def test_network_task_definition_and_tag_drift_are_healed_in_place(ctx, aws, designs, scheduler):
    run(ctx, designs, scheduler)
    ecs = aws.client("ecs")
    before = service(aws)
    # moto stores a short task-definition name verbatim: the same revision, not drift.
    ecs.update_service(cluster=CLUSTER, service="posts-api", taskDefinition="dev-posts-api:1")
    assert make_plan(CONTROLLERS, designs, ctx.new_pass()).empty
    other = ecs.register_task_definition(family="someone-elses", containerDefinitions=[{"name": "x", "image": "x", "memory": 64}])
    network = {"awsvpcConfiguration": {**before["networkConfiguration"]["awsvpcConfiguration"], "assignPublicIp": "DISABLED"}}
    ecs.update_service(cluster=CLUSTER, service="posts-api", networkConfiguration=network,
                       taskDefinition=other["taskDefinition"]["taskDefinitionArn"])
    ecs.untag_resource(resourceArn=before["serviceArn"], tagKeys=[TAG_KIND])
    plan = make_plan(CONTROLLERS, designs, ctx.new_pass())
    (change,) = plan.pending
    assert change.action == "update"
    assert {f.path.split(".")[0] for f in change.changes} == {"taskDefinition", "networkConfiguration", "tags"}
    assert run(ctx, designs, scheduler).converged
    found = service(aws)
    assert found["taskDefinition"] == before["taskDefinition"]
    assert found["networkConfiguration"]["awsvpcConfiguration"]["assignPublicIp"] == "ENABLED"
    assert tags(found)[TAG_KIND] == "ecs.service" and found["serviceArn"] == before["serviceArn"]


def test_a_changed_image_registers_one_revision_and_the_service_moves_to_it(ctx, aws, tmp_path, scheduler):
    path = write_app(tmp_path, spec_extra="replicas: 2\n", compose="services:\n  app:\n    image: nginx:1\n    ports: ['8080']\n")
    run(ctx, design(path), scheduler)
    path.parent.joinpath("src", "docker-compose.yml").write_text("services:\n  app:\n    image: nginx:2\n    ports: ['8080']\n")
    designs = design(path)
    settle(ctx, designs)
    assert len(revisions(aws)) == 2
    plan, observation = observe(ctx, designs)
    assert plan.empty and not observation.ready
    scheduler.tick()
    observation = observe(ctx, designs)[1]
    assert not observation.ready
    assert observation.message == "2/2 running, deployment IN_PROGRESS (2 deployments)"
    assert run(ctx, designs, scheduler).converged
    found = service(aws)
    assert found["taskDefinition"] == revisions(aws)[-1]
    assert [(d["status"], d["rolloutState"]) for d in found["deployments"]] == [("PRIMARY", "COMPLETED")]
    assert len(revisions(aws)) == 2


def test_a_failed_rollout_is_not_ready_and_says_why(ctx, aws, designs, scheduler):
    run(ctx, designs, scheduler)
    scheduler.fail_service(CLUSTER, "posts-api", "CannotPullContainerError: nginx:nope not found")
    plan, observation = observe(ctx, designs)
    assert not observation.ready
    assert observation.message.startswith("deployment FAILED")
    assert "CannotPullContainerError: nginx:nope not found" in observation.message
    scheduler.recover_service(CLUSTER, "posts-api")
    assert run(ctx, designs, scheduler).converged


def test_a_create_interrupted_after_the_call_leaves_exactly_one_service(ctx, aws, designs, scheduler):
    settle(ctx, designs, skip=("ecs.service",))
    plan = make_plan(CONTROLLERS, designs, ctx.new_pass())
    resource = resolve(plan.resources[SERVICE], {k: o.outputs for k, o in plan.observations.items() if o.exists})
    # The crashed run: CreateService went through (tagged at creation), nothing was recorded.
    aws.client("ecs").create_service(**resource.desired, tags=[{"key": k, "value": v} for k, v in resource.tags.items()])
    start = len(aws.requests)
    assert run(ctx, designs, scheduler).converged
    assert count_calls(aws, "ecs.CreateService", start) == 0
    assert len(aws.client("ecs").list_services(cluster=CLUSTER)["serviceArns"]) == 1


def test_a_deleted_service_counts_as_absent_and_is_created_again(ctx, aws, designs, scheduler):
    run(ctx, designs, scheduler)
    aws.client("ecs").delete_service(cluster=CLUSTER, service="posts-api", force=True)
    plan = make_plan(CONTROLLERS, designs, ctx.new_pass())
    assert [(c.kind, c.action) for c in plan.pending] == [("ecs.service", "create")]
    assert run(ctx, designs, scheduler).converged
    assert service(aws)["status"] == "ACTIVE"


def test_a_foreign_service_with_our_name_is_refused_then_adopted_when_asked(ctx, aws, tmp_path, scheduler):
    designs = design(write_app(tmp_path))
    settle(ctx, designs, skip=("ecs.service",))
    ecs = aws.client("ecs")
    arn = revisions(aws)[-1]
    ecs.create_service(cluster=CLUSTER, serviceName="posts-api", taskDefinition=arn, desiredCount=3, launchType="FARGATE",
                       tags=[{"key": "owner", "value": "someone-else"}])
    plan = make_plan(CONTROLLERS, designs, ctx.new_pass())
    assert [str(p.key) for p in plan.problems] == [str(SERVICE)]
    report = run(ctx, designs, scheduler)
    assert not report.converged
    assert service(aws)["desiredCount"] == 3 and tags(service(aws)) == {"owner": "someone-else"}

    adopting = design(write_app(tmp_path, spec_extra="adopt: true\n"))
    assert run(ctx, adopting, scheduler).converged
    found = service(aws)
    assert found["desiredCount"] == 1 and tags(found)[TAG_MANAGED_BY] == "serverless-container-reconciler"
    assert found["networkConfiguration"]["awsvpcConfiguration"]["assignPublicIp"] == "ENABLED"


def test_a_new_entrypoint_port_updates_the_service_in_place(ctx, aws, tmp_path, scheduler):
    path = write_app(tmp_path)
    run(ctx, design(path), scheduler)
    before = service(aws)["serviceArn"]
    path.parent.joinpath("src", "Dockerfile").write_text(DOCKERFILE.replace("8080", "9090"))
    designs = design(path)
    plan = make_plan(CONTROLLERS, designs, ctx.new_pass())
    assert {(c.kind, c.action) for c in plan.pending} >= {("ecs.task_definition", "update")}
    assert ("ecs.service", "replace") not in {(c.kind, c.action) for c in plan.pending}
    assert run(ctx, designs, scheduler).converged
    found = service(aws)
    assert found["serviceArn"] == before and "DeleteService" not in " ".join(aws.requests)
    assert found["serviceRegistries"][0]["containerPort"] == 9090
    assert found["taskDefinition"] == revisions(aws)[-1]

    observation = make_plan(CONTROLLERS, designs, ctx.new_pass()).observations[SERVICE]
    ServiceController().delete(SERVICE, observation, ctx)
    ServiceController().delete(SERVICE, observation, ctx)  # already gone: fine
    assert service(aws)["status"] != "ACTIVE"


def test_a_create_while_the_old_service_still_drains_waits_instead_of_failing(ctx, aws, designs, scheduler):
    """AWS refuses CreateService while a deleted service of that name drains (moto does not):
    injected with a before-send hook on the real client."""
    settle(ctx, designs, skip=("ecs.service",))
    body = b'{"__type": "InvalidParameterException", "message": "Unable to Start a service that is still Draining."}'

    class Raw:
        def stream(self, **_):
            yield body

    def draining(request, **_):
        return AWSResponse(request.url, 400, {"x-amzn-ErrorType": "InvalidParameterException"}, Raw())

    events = aws.client("ecs").meta.events
    events.register("before-send.ecs.CreateService", draining)
    try:
        plan = make_plan(CONTROLLERS, designs, ctx.new_pass())
        outcome = apply_plan(plan, CONTROLLERS, ctx.new_pass()).outcomes[SERVICE]
    finally:
        events.unregister("before-send.ecs.CreateService", draining)
    assert (outcome.status, outcome.requeue_after) == ("waiting", 10.0)
    assert "still draining" in outcome.message
    assert run(ctx, designs, scheduler).converged
