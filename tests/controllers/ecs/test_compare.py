"""The pure parts: readiness from a DescribeServices answer, and canonical forms."""
from __future__ import annotations

from controllers.ecs.compare import (
    Rollout,
    canonical_network,
    full_task_definition_arn,
    rollout,
    stopped_in_words,
    storage_variable_prefix,
    targets_in_words,
)

SERVICE_ARN = "arn:aws:ecs:us-east-1:123456789012:service/sc-dev/api"
TD = "arn:aws:ecs:us-east-1:123456789012:task-definition/dev-api:{}"


def answer(*deployments, running=2, desired=2, task_definition=TD.format(2), events=()):
    return {"serviceArn": SERVICE_ARN, "runningCount": running, "desiredCount": desired,
            "taskDefinition": task_definition, "deployments": list(deployments), "events": list(events)}


def deployment(status="PRIMARY", state="COMPLETED", revision=2, desired=2, reason=""):
    return {"status": status, "rolloutState": state, "taskDefinition": TD.format(revision), "desiredCount": desired,
            "rolloutStateReason": reason}


def test_ready_needs_one_completed_primary_with_every_task_running_on_the_desired_revision():
    assert rollout(answer(deployment()), TD.format(2)) == Rollout(True, "2/2 running, deployment COMPLETED")
    assert rollout(answer(deployment(), running=1), TD.format(2)) == Rollout(False, "1/2 running, deployment COMPLETED")
    assert rollout(answer(deployment(), task_definition=TD.format(1)), TD.format(2)).ready is False
    state = rollout(answer(deployment(), task_definition=TD.format(1)), TD.format(2))
    ready, message = state.ready, state.message
    assert not ready and "running dev-api:1, want dev-api:2" in message
    two = answer(deployment(state="IN_PROGRESS"), deployment("ACTIVE", revision=1))
    assert rollout(two, TD.format(2)) == Rollout(False, "2/2 running, deployment IN_PROGRESS (2 deployments)")


def test_a_scaling_not_yet_reflected_in_the_deployment_is_not_ready():
    # moto jumps runningCount to a new desiredCount at once; the deployment still says 2.
    assert rollout(answer(deployment(desired=2), running=5, desired=5), TD.format(2)).ready is False


def test_a_short_task_definition_name_means_the_same_revision():
    assert rollout(answer(deployment(), task_definition="dev-api:2"), TD.format(2)).ready is True
    assert full_task_definition_arn("dev-api:2", SERVICE_ARN) == TD.format(2)


def test_a_rolled_back_deployment_reports_the_failure_and_the_stopped_reason():
    failed = deployment("ACTIVE", "FAILED", revision=3, reason="ECS deployment circuit breaker: tasks failed to start.")
    events = [{"message": "(service api) has stopped 1 running tasks: (task 1) Stopped reason: CannotPullContainerError"}]
    state = rollout(answer(deployment(state="IN_PROGRESS"), failed, events=events), TD.format(3))
    ready, message = state.ready, state.message
    assert not ready and state.failed
    assert message == ("deployment FAILED: ECS deployment circuit breaker: tasks failed to start.; "
                       "(service api) has stopped 1 running tasks: (task 1) Stopped reason: CannotPullContainerError; "
                       "rolling back to dev-api:2")
    assert state.failed_revision == TD.format(3)


def test_why_a_task_stopped_is_said_in_words():
    exited = {"stoppedReason": "Essential container in task exited",
              "containers": [{"name": "web", "exitCode": 1}, {"name": "sidecar", "exitCode": 0}]}
    assert stopped_in_words(exited) == "essential container web exited: exit code 1"
    pull = {"stoppedReason": "CannotPullContainerError: pull image manifest has been retried 1 time(s): nginx:nope not found",
            "containers": [{"name": "web"}]}
    assert stopped_in_words(pull).startswith("image pull failed: pull image manifest")
    health = {"stoppedReason": "Task failed container health checks", "containers": [{"name": "web", "healthStatus": "UNHEALTHY"}]}
    assert stopped_in_words(health) == "health check failed (web): Task failed container health checks"
    state = rollout(answer(deployment(state="IN_PROGRESS")), TD.format(2), ["essential container web exited: exit code 1"])
    assert state.message.endswith("; tasks stopped: essential container web exited: exit code 1")


def test_set_like_network_lists_are_compared_sorted_and_storage_names_are_upper_snake():
    network = {"awsvpcConfiguration": {"subnets": ["subnet-b", "subnet-a"], "securityGroups": ["sg-1"], "assignPublicIp": "ENABLED"}}
    assert canonical_network(network)["awsvpcConfiguration"]["subnets"] == ["subnet-a", "subnet-b"]
    assert storage_variable_prefix("posts-table.v2") == "STORAGE_POSTS_TABLE_V2"


def test_target_health_in_words_names_the_port_reason_and_count():
    def target(state, reason=None, description=None, port="traffic-port"):
        health = {"State": state, **({"Reason": reason} if reason else {}), **({"Description": description} if description else {})}
        return {"Target": {"Id": "10.0.0.4", "Port": 8080}, "HealthCheckPort": port, "TargetHealth": health}

    assert targets_in_words([target("healthy"), target("healthy")]) == ""
    assert targets_in_words([]) == ""
    assert targets_in_words([target("initial", "Elb.InitialHealthChecking"), target("healthy")]) == (
        "1 of 2 targets still in their first health checks")
    assert targets_in_words([target("unhealthy", "Target.Timeout", "Request timed out", port="9000"),
                             target("healthy")]) == (
        "health check on port 9000 failed for 1 of 2 targets: Target.Timeout (Request timed out)")
