"""The embedded AWS's ECS scheduler simulation, seen as a client sees it: boto3 DescribeServices
over HTTP against the moto server."""
from __future__ import annotations

import time

import pytest

from reconciler.emulator.ecs_scheduler import EcsScheduler
from reconciler.emulator.server import EMBEDDED_ACCOUNT, EMBEDDED_REGION
from tests.emulator.scheduling import manual_scheduler

CLUSTER = "sim"


@pytest.fixture
def scheduler(moto_server, aws):
    with manual_scheduler(moto_server) as manual:
        yield manual


@pytest.fixture
def ecs(aws):
    client = aws.client("ecs")
    client.create_cluster(clusterName=CLUSTER)
    return client


def register(ecs, image: str = "nginx:1") -> str:
    return ecs.register_task_definition(
        family="sim-app", networkMode="awsvpc", requiresCompatibilities=["FARGATE"], cpu="256", memory="512",
        containerDefinitions=[{"name": "web", "image": image}],
    )["taskDefinition"]["taskDefinitionArn"]


def create_service(ecs, task_definition: str, count: int = 2, name: str = "web") -> None:
    ecs.create_service(cluster=CLUSTER, serviceName=name, taskDefinition=task_definition,
                       desiredCount=count, launchType="FARGATE")


def describe(ecs, name: str = "web") -> dict:
    return ecs.describe_services(cluster=CLUSTER, services=[name])["services"][0]


def rollouts(service: dict) -> list[tuple[str, str, str]]:
    return [(d["status"], d.get("rolloutState"), d["taskDefinition"].rsplit("/", 1)[-1]) for d in service["deployments"]]


def test_a_new_service_runs_its_tasks_only_after_the_delay(ecs, scheduler):
    create_service(ecs, register(ecs))
    scheduler.tick()
    scheduler.advance(0.5)
    service = describe(ecs)
    assert (service["runningCount"], service["pendingCount"]) == (0, 2)
    assert rollouts(service) == [("PRIMARY", "IN_PROGRESS", "sim-app:1")]

    scheduler.advance(0.5)
    service = describe(ecs)
    assert (service["runningCount"], service["pendingCount"]) == (2, 0)
    assert rollouts(service) == [("PRIMARY", "COMPLETED", "sim-app:1")]
    assert service["deployments"][0]["runningCount"] == 2
    assert "has reached a steady state" in service["events"][0]["message"]


def test_a_new_task_definition_rolls_out_as_a_second_deployment(ecs, scheduler):
    first = register(ecs)
    create_service(ecs, first)
    scheduler.tick()
    scheduler.advance(1)
    second = register(ecs, "nginx:2")
    ecs.update_service(cluster=CLUSTER, service="web", taskDefinition=second)
    scheduler.advance(0.25)
    service = describe(ecs)
    assert rollouts(service) == [("PRIMARY", "IN_PROGRESS", "sim-app:2"), ("ACTIVE", "COMPLETED", "sim-app:1")]
    assert service["runningCount"] == 2  # the old tasks keep serving

    scheduler.advance(1)
    service = describe(ecs)
    assert rollouts(service) == [("PRIMARY", "COMPLETED", "sim-app:2")]
    assert service["runningCount"] == 2


def test_scaling_takes_the_delay_instead_of_moto_s_instant_jump(ecs, scheduler):
    create_service(ecs, register(ecs))
    scheduler.tick()
    scheduler.advance(1)
    ecs.update_service(cluster=CLUSTER, service="web", desiredCount=3)
    scheduler.advance(0.25)
    service = describe(ecs)
    assert (service["desiredCount"], service["runningCount"], service["pendingCount"]) == (3, 2, 1)
    assert service["deployments"][0]["desiredCount"] == 3

    scheduler.advance(1)
    service = describe(ecs)
    assert (service["runningCount"], service["pendingCount"]) == (3, 0)
    assert rollouts(service) == [("PRIMARY", "COMPLETED", "sim-app:1")]


def test_a_failed_service_reports_the_stopped_reason_until_it_recovers(ecs, scheduler):
    create_service(ecs, register(ecs))
    scheduler.tick()
    scheduler.advance(1)
    scheduler.fail_service(CLUSTER, "web", "CannotPullContainerError: image not found")
    service = describe(ecs)
    assert service["runningCount"] == 0
    assert rollouts(service) == [("PRIMARY", "FAILED", "sim-app:1")]
    assert "CannotPullContainerError" in service["deployments"][0]["rolloutStateReason"]
    assert "CannotPullContainerError" in service["events"][0]["message"]

    scheduler.advance(5)  # stays failed while time passes
    assert rollouts(describe(ecs)) == [("PRIMARY", "FAILED", "sim-app:1")]

    scheduler.recover_service(CLUSTER, "web")
    assert rollouts(describe(ecs)) == [("PRIMARY", "IN_PROGRESS", "sim-app:1")]
    scheduler.advance(1)
    service = describe(ecs)
    assert rollouts(service) == [("PRIMARY", "COMPLETED", "sim-app:1")] and service["runningCount"] == 2


def test_a_deployment_set_to_fail_is_rolled_back_as_the_circuit_breaker_does(ecs, scheduler):
    create_service(ecs, register(ecs))
    scheduler.tick()
    scheduler.advance(1)
    scheduler.fail_next_deployment(CLUSTER, "web", "Essential container in task exited")
    ecs.update_service(cluster=CLUSTER, service="web", taskDefinition=register(ecs, "nginx:2"))
    scheduler.tick()
    assert rollouts(describe(ecs)) == [("PRIMARY", "IN_PROGRESS", "sim-app:2"), ("ACTIVE", "COMPLETED", "sim-app:1")]
    scheduler.advance(1)  # the new tasks fail: ECS rolls back to revision 1
    service = describe(ecs)
    assert service["taskDefinition"].endswith("sim-app:1")
    assert rollouts(service) == [("PRIMARY", "IN_PROGRESS", "sim-app:1"), ("ACTIVE", "FAILED", "sim-app:2")]
    assert "Essential container in task exited" in service["deployments"][1]["rolloutStateReason"]
    assert "rolling back" in service["events"][0]["message"]
    scheduler.advance(1)  # the rollback completes; the failed deployment is gone
    assert rollouts(describe(ecs)) == [("PRIMARY", "COMPLETED", "sim-app:1")]


def test_a_deleted_service_is_left_alone_and_a_recreated_one_starts_over(ecs, scheduler):
    task_definition = register(ecs)
    create_service(ecs, task_definition)
    scheduler.tick()
    scheduler.advance(1)
    ecs.delete_service(cluster=CLUSTER, service="web", force=True)
    scheduler.advance(1)
    assert describe(ecs)["status"] == "INACTIVE"
    create_service(ecs, task_definition, count=1)  # moto replaces the INACTIVE one
    scheduler.tick()
    service = describe(ecs)
    assert (service["status"], service["runningCount"]) == ("ACTIVE", 0)
    scheduler.advance(1)
    assert describe(ecs)["runningCount"] == 1


def test_the_background_thread_completes_deployments_on_its_own(ecs, scheduler):
    threaded = EcsScheduler(account_id=EMBEDDED_ACCOUNT, region=EMBEDDED_REGION, delay=0.05, interval=0.01).start()
    try:
        create_service(ecs, register(ecs))
        deadline = time.monotonic() + 5
        while describe(ecs)["runningCount"] != 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert rollouts(describe(ecs)) == [("PRIMARY", "COMPLETED", "sim-app:1")]
    finally:
        threaded.stop()
