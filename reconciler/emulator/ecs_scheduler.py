"""A small ECS service scheduler for the embedded AWS (moto) -- used ONLY by the embedded AWS
(`reconciler.emulator.server`) and by tests, never against real AWS.

moto's ECS starts no tasks and never completes a deployment: after CreateService, runningCount
stays 0 and the PRIMARY deployment stays IN_PROGRESS; UpdateService(desiredCount) jumps
runningCount at once; a new task definition creates no new deployment. Readiness written for
real AWS (one PRIMARY deployment, rollout COMPLETED, runningCount == desiredCount) would never
hold. This simulation runs in the same process as moto's server and edits moto's in-memory
services so that DescribeServices looks like AWS's:

- a new service, or a change of taskDefinition/desiredCount (compared with the last tick), starts
  a rollout; after `delay` seconds the tasks "run": runningCount = desiredCount, the old
  deployment is gone and the PRIMARY one is COMPLETED;
- a taskDefinition change adds a new PRIMARY deployment (IN_PROGRESS) and keeps the old one as
  ACTIVE until the rollout completes;
- when tasks start running, each container writes a few lines to its awslogs log group (stream
  `<prefix>/<container>/<task id>`), as a started container would, so logs can be read back;
- `fail_service` makes a service's tasks fail (runningCount 0, PRIMARY rollout FAILED with the
  reason, an event with the stopped reason, as ECS's deployment circuit breaker reports it);
  `recover_service` undoes it.
- a service behind a load balancer gets one `ip` target per running task registered in its
  target groups (moto's ELBv2 registers nothing by itself); `fail_health_checks` makes those
  targets fail the load balancer's health check (DescribeTargetHealth says unhealthy, with
  AWS's reason): the tasks run but the rollout stays IN_PROGRESS, as on ECS;
- `fail_next_deployment` makes the service's next new task definition fail to start: after
  `delay` its deployment is FAILED and, as the circuit breaker with rollback does, a new PRIMARY
  deployment of the previous task definition rolls out (the failed one listed as ACTIVE/FAILED
  until the rollback completes, then gone).

A daemon thread ticks every `interval` seconds; `tick()` runs one step for deterministic tests
(with an injected `clock`). All state is guarded by one lock; moto's objects are updated by
assigning fresh lists, so a concurrent DescribeServices never sees a half-built one.
"""
from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from reconciler.emulator.ticker import Ticker


@dataclass
class _Seen:
    """What the scheduler knows of one service (by object identity: moto replaces the object
    when CreateService reuses a name)."""

    service: Any
    task_definition: str | None
    desired_count: int
    running: int
    since: float  # when the current rollout (or scaling) began
    failed_reason: str | None = None
    completed: bool = False
    fail_next: str | None = None  # the next new task definition fails with this reason
    doomed: tuple[str, str | None] | None = None  # (reason, previous task definition) of a deployment set to fail
    unhealthy: tuple[str, str] | None = None  # the load balancer's (reason, description) for its targets
    unhealthy_registered: bool = False  # the unhealthy targets are registered (once per rollout)


class EcsScheduler(Ticker):
    name = "ecs-scheduler"

    def __init__(self, account_id: str, region: str, *, delay: float = 1.0, interval: float = 0.25,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.account_id = account_id
        self.region = region
        self.delay = delay
        self.interval = interval
        self.clock = clock
        self._seen: dict[tuple[str, str], _Seen] = {}
        self._lock = threading.RLock()
        Ticker.__init__(self)

    # -- lifecycle -------------------------------------------------------------------------
    def forget(self) -> None:
        """Drop all tracking (after moto's reset)."""
        with self._lock:
            self._seen.clear()

    # -- faults ----------------------------------------------------------------------------
    def fail_service(self, cluster: str, service: str, reason: str) -> None:
        """From now on the service's tasks fail to start with `reason` (until recover_service)."""
        with self._lock:
            seen = self._track(self._service(cluster, service), self.clock())
            seen.failed_reason = reason
            seen.completed = False
            self._apply_failure(seen)

    def fail_next_deployment(self, cluster: str, service: str, reason: str) -> None:
        """The service's next new task definition fails to start with `reason`; ECS rolls back."""
        with self._lock:
            self._track(self._service(cluster, service), self.clock()).fail_next = reason

    def fail_health_checks(self, cluster: str, service: str, reason: str = "Target.ResponseCodeMismatch",
                           description: str = "Health checks failed with these codes: [502]") -> None:
        """From now on the service's tasks start but its load balancer targets fail their health
        check with AWS's `reason` and `description` (until recover_service)."""
        with self._lock:
            seen = self._track(self._service(cluster, service), self.clock())
            seen.unhealthy = (reason, description)
            self._restart_rollout(seen)

    def _restart_rollout(self, seen: _Seen) -> None:
        """The tasks are replaced: the PRIMARY deployment is IN_PROGRESS again from now."""
        seen.completed, seen.unhealthy_registered = False, False
        seen.since = self.clock()
        primary = dict(seen.service.deployments[0]) if seen.service.deployments else self._deployment(seen.service)
        self._set_deployments(seen.service, [self._with_rollout(primary, "IN_PROGRESS", seen.running,
                                                                seen.service.desired_count)])

    def recover_service(self, cluster: str, service: str) -> None:
        """Tasks start again: a fresh rollout that completes after `delay`."""
        with self._lock:
            seen = self._track(self._service(cluster, service), self.clock())
            seen.failed_reason = None
            seen.unhealthy = None
            self._restart_rollout(seen)

    # -- the step --------------------------------------------------------------------------
    def tick(self, now: float | None = None) -> None:
        now = self.clock() if now is None else now
        with self._lock:
            services = self._backend().services
            live = set()
            for service in list(services.values()):
                if service.status != "ACTIVE":
                    continue
                key = (service.cluster_name, service.name)
                live.add(key)
                self._step(self._track(service, now), now)
            for key in set(self._seen) - live:
                del self._seen[key]

    def _track(self, service: Any, now: float) -> _Seen:
        key = (service.cluster_name, service.name)
        seen = self._seen.get(key)
        if seen is None or seen.service is not service:
            seen = _Seen(service, service.task_definition, service.desired_count, 0, now)
            self._seen[key] = seen
            self._set_deployments(service, [self._deployment(service)])
            self._set_counts(service, 0, service.desired_count)
        return seen

    def _step(self, seen: _Seen, now: float) -> None:
        service = seen.service
        if service.task_definition != seen.task_definition:
            # A new revision: new PRIMARY deployment; the old tasks keep running as ACTIVE.
            old = [dict(d, status="ACTIVE") for d in service.deployments if d.get("status") == "PRIMARY"][:1]
            self._set_deployments(service, [self._deployment(service)] + old)
            if seen.fail_next is not None:
                seen.doomed, seen.fail_next = (seen.fail_next, seen.task_definition), None
            seen.task_definition, seen.desired_count = service.task_definition, service.desired_count
            seen.since, seen.completed = now, False
        elif service.desired_count != seen.desired_count:
            # Scaling: same deployment, new target (moto already jumped runningCount; undo that).
            primary = self._primary(service)
            if primary is not None:
                primary["desiredCount"] = service.desired_count
            seen.desired_count = service.desired_count
            seen.since, seen.completed = now, False
        if seen.failed_reason is not None:
            self._apply_failure(seen)
            return
        if seen.doomed is not None and now - seen.since >= self.delay:
            self._roll_back(seen, now)
            return
        if not seen.completed and now - seen.since >= self.delay and seen.unhealthy is not None:
            # The tasks run, the load balancer finds them unhealthy: the rollout waits.
            if not seen.unhealthy_registered:
                seen.running, seen.unhealthy_registered = service.desired_count, True
                for arn in self._register_targets(service, ("unhealthy", *seen.unhealthy)):
                    self._add_event(service, f"(service {service.name}) (task {uuid.uuid4().hex}) failed ELB health "
                                             f"checks in (target-group {arn})")
            self._set_counts(service, seen.running, 0)
            return
        if not seen.completed and now - seen.since >= self.delay:
            seen.running = service.desired_count
            seen.completed = True
            self._register_targets(service, None)
            primary = self._primary(service) or self._deployment(service)
            self._set_deployments(service, [self._with_rollout(primary, "COMPLETED", seen.running,
                                                                service.desired_count)])
            self._add_event(service, f"(service {service.name}) has reached a steady state.")
            self._write_task_logs(service)
        self._set_counts(service, seen.running, max(service.desired_count - seen.running, 0))

    def _apply_failure(self, seen: _Seen) -> None:
        service, reason = seen.service, seen.failed_reason
        seen.running = 0
        self._set_counts(service, 0, 0)
        primary = self._primary(service) or self._deployment(service)
        if primary.get("rolloutState") == "FAILED":
            return
        failed = self._with_rollout(primary, "FAILED", 0, service.desired_count)
        failed["failedTasks"] = int(primary.get("failedTasks") or 0) + max(service.desired_count, 1)
        failed["rolloutStateReason"] = f"ECS deployment circuit breaker: tasks failed to start. Stopped reason: {reason}"
        self._set_deployments(service, [failed])
        self._add_event(service, f"(service {service.name}) (deployment {failed['id']}) deployment failed: "
                                 f"tasks failed to start. Stopped reason: {reason}")

    def _write_task_logs(self, service: Any) -> None:
        """A few lines per container of each task started, in the container's awslogs stream."""
        from moto.core.utils import unix_time_millis, utcnow
        from moto.logs.models import logs_backends

        try:
            definition = self._backend().describe_task_definition(service.task_definition)
        except Exception:  # noqa: BLE001 - a deregistered revision: nothing to write
            return
        logs = logs_backends[self.account_id][self.region]
        now = int(unix_time_millis(utcnow()))
        for _ in range(service.desired_count):
            task = uuid.uuid4().hex
            for container in definition.container_definitions:
                options = (container.get("logConfiguration") or {}).get("options") or {}
                group, prefix = options.get("awslogs-group"), options.get("awslogs-stream-prefix", "ecs")
                if not group or group not in logs.groups:
                    continue
                stream = f"{prefix}/{container['name']}/{task}"
                lines = [f"[embedded] task {task} started container {container['name']} from image {container.get('image')}",
                         f"[embedded] {container['name']}: running (revision {definition.revision})"]
                logs.create_log_stream(group, stream)
                logs.put_log_events(group, stream, [{"timestamp": now + i, "message": m} for i, m in enumerate(lines)])

    def _roll_back(self, seen: _Seen, now: float) -> None:
        """The circuit breaker: the new deployment FAILED, the previous task definition rolls out."""
        assert seen.doomed is not None
        (reason, previous), seen.doomed = seen.doomed, None
        service = seen.service
        primary = self._primary(service) or self._deployment(service)
        failed = dict(self._with_rollout(primary, "FAILED", 0, service.desired_count), status="ACTIVE")
        failed["failedTasks"] = max(service.desired_count, 1)
        failed["rolloutStateReason"] = f"ECS deployment circuit breaker: tasks failed to start. Stopped reason: {reason}"
        self._add_event(service, f"(service {service.name}) (deployment {failed['id']}) deployment failed: "
                                 f"tasks failed to start. Stopped reason: {reason}")
        if previous is None:
            self._set_deployments(service, [dict(failed, status="PRIMARY")])
            return
        service.task_definition = previous
        back = dict(self._deployment(service), runningCount=seen.running)
        self._set_deployments(service, [back, failed])
        self._add_event(service, f"(service {service.name}) rolling back to deployment {back['id']}.")
        seen.task_definition, seen.since, seen.completed = previous, now, False

    # -- the load balancer's targets --------------------------------------------------------
    def _target_groups(self, service: Any) -> list[Any]:
        from moto.elbv2.models import elbv2_backends  # in-process moto server only

        groups = elbv2_backends[self.account_id][self.region].target_groups
        arns = [lb.get("targetGroupArn") for lb in service.load_balancers or []]
        return [groups[arn] for arn in arns if arn in groups]

    def _register_targets(self, service: Any, health: tuple[str, str, str] | None) -> list[str]:
        """One `ip` target per running task in each of the service's target groups (the old
        tasks' targets go), healthy or with the given (state, reason, description)."""
        arns = []
        for group in self._target_groups(service):
            port = next((lb.get("containerPort") for lb in service.load_balancers
                         if lb.get("targetGroupArn") == group.arn), group.port)
            group.targets.clear()
            addresses = [f"10.0.{n // 250}.{n % 250 + 4}" for n in range(service.desired_count)]
            for address in addresses:
                group.targets[address] = {"Id": address, "Port": port}
            group.emulated_health = {address: health for address in addresses} if health else {}
            arns.append(group.arn)
        return arns

    # -- moto's objects --------------------------------------------------------------------
    def _backend(self) -> Any:
        from moto.ecs.models import ecs_backends  # in-process moto server only

        return ecs_backends[self.account_id][self.region]

    def _service(self, cluster: str, service: str) -> Any:
        return self._backend()._get_service(cluster, service)

    @staticmethod
    def _primary(service: Any) -> dict | None:
        return next((d for d in service.deployments if d.get("status") == "PRIMARY"), None)

    @staticmethod
    def _deployment(service: Any) -> dict:
        now = _utcnow()
        deployment_id = f"ecs-svc/{uuid.uuid4().int % 10**19}"
        return {
            "id": deployment_id, "status": "PRIMARY", "taskDefinition": service.task_definition,
            "desiredCount": service.desired_count, "pendingCount": service.desired_count, "runningCount": 0,
            "failedTasks": 0, "createdAt": now, "updatedAt": now, "launchType": service.launch_type,
            "platformVersion": service.platform_version, "platformFamily": "FARGATE",
            "networkConfiguration": service.network_configuration or None,
            "rolloutState": "IN_PROGRESS", "rolloutStateReason": f"ECS deployment {deployment_id} in progress.",
        }

    @staticmethod
    def _with_rollout(deployment: dict, state: str, running: int, desired: int) -> dict:
        word = {"IN_PROGRESS": "in progress", "COMPLETED": "completed", "FAILED": "failed"}[state]
        return dict(deployment, rolloutState=state, runningCount=running, desiredCount=desired,
                    pendingCount=max(desired - running, 0) if state != "FAILED" else 0,
                    rolloutStateReason=f"ECS deployment {deployment['id']} {word}.", updatedAt=_utcnow())

    @staticmethod
    def _set_deployments(service: Any, deployments: list[dict]) -> None:
        service.deployments = deployments  # one assignment: readers see old or new, never half

    @staticmethod
    def _set_counts(service: Any, running: int, pending: int) -> None:
        service.running_count = running
        service.pending_count = pending

    @staticmethod
    def _add_event(service: Any, message: str) -> None:
        event = {"id": str(uuid.uuid4()), "createdAt": _utcnow(), "message": message}
        service.events = [event] + list(service.events or [])[:99]  # newest first, as ECS lists them


def _utcnow() -> Any:
    from moto.core.utils import utcnow

    return utcnow()
