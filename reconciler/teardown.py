"""`reconcile delete`: remove what specs own, in reverse dependency order. Environment-level
resources go only when no other app of the environment remains. Only what carries our tags is
ever deleted; a resource still in use (DependencyViolation, ResourceInUse) is retried next pass."""
from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import structlog
from botocore.exceptions import BotoCoreError, ClientError

from reconciler.controller import Context, Controller
from reconciler.design import EnvironmentDesign
from reconciler.engine import aws_message
from reconciler.ownership import owner_problem
from reconciler.plan import Change, Plan, make_plan

log = structlog.get_logger("reconciler.teardown")


def other_apps(controllers: Sequence[Controller], ctx: Context, environment: str, leaving: set[str]) -> set[str]:
    """Apps of the environment, other than `leaving`, still running there. Each kind that can tell
    answers from its own view (`apps_in_environment`: ECS knows a draining service is going), so
    leftovers such as deregistered task definitions or kept tables never keep an environment alive."""
    apps: set[str] = set()
    for controller in controllers:
        ask = getattr(controller, "apps_in_environment", None)
        if ask is not None:
            apps |= ask(environment, ctx)
    return apps - leaving


def deletion_plan(controllers: Sequence[Controller], designs: Sequence[EnvironmentDesign], ctx: Context) -> Plan:
    """The resources to delete, in reverse dependency order, as a Plan of `delete` changes."""
    observed = make_plan(controllers, designs, ctx, observe_retained=True)
    retained = {c.kind for c in controllers if getattr(c, "retain_on_delete", False)}
    keep_env = {d.name for d in designs if other_apps(controllers, ctx, d.name, {a.name for a in d.apps})}
    rank = {kind: i for i, kind in enumerate(observed.order)}
    keys = sorted(observed.observations, key=lambda k: (-rank[k.kind], str(k)))
    changes: list[Change] = []
    for key in keys:
        observation = observed.observations[key]
        if not observation.exists or owner_problem(key, observation.tags):
            continue  # gone already, or not ours: never delete what we do not own
        if key.app is None and key.environment in keep_env:
            continue
        if key.kind in retained:
            continue  # holds data (a DynamoDB table): deleting it is the user's call, not ours
        changes.append(Change("delete", key.kind, str(key), (), "spec deleted", key))
    return Plan(changes, [], observed.resources, observed.observations, observed.order, observed.templates)


@dataclass
class DeleteReport:
    done: bool
    deleted: list[str] = field(default_factory=list)
    failures: dict[str, str] = field(default_factory=dict)
    passes: int = 0


def delete(
    controllers: Sequence[Controller],
    designs: Sequence[EnvironmentDesign],
    ctx: Context,
    *,
    timeout: float = 900.0,
    sleep: Callable[[float], None] = time.sleep,
    on_delete: Callable[[str], None] | None = None,
) -> DeleteReport:
    by_kind = {c.kind: c for c in controllers}
    report = DeleteReport(done=False)
    deadline = time.monotonic() + timeout
    while True:
        report.passes += 1
        pass_ctx = ctx.new_pass()
        plan = deletion_plan(controllers, designs, pass_ctx)
        if not plan.changes:
            report.done = True
            report.failures.clear()
            return report
        report.failures.clear()
        for change in plan.changes:
            key = change.key
            assert key is not None
            try:
                by_kind[key.kind].delete(key, plan.observations[key], pass_ctx)
                report.deleted.append(change.name)
                log.info("resource_deleted", kind=key.kind, resource=change.name)
                if on_delete:
                    on_delete(change.name)
            except (ClientError, BotoCoreError) as error:
                report.failures[change.name] = aws_message(error)
                log.info("resource_delete_retrying", kind=key.kind, resource=change.name, error=aws_message(error))
        if time.monotonic() + 2.0 > deadline:
            return report
        sleep(0.5 if not report.failures else 2.0)
