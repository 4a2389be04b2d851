"""Executes plans: applies changes in dependency order, resolving references against outputs
as they appear; classifies every outcome (terminal / requeue / backoff) and derives conditions.
`converge` repeats plan+apply until everything is Ready and in sync, or a deadline passes."""
from __future__ import annotations

import random
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import structlog
from botocore.exceptions import BotoCoreError, ClientError

from reconciler.conditions import Condition, ConditionStore
from reconciler.controller import Context, Controller
from reconciler.design import EnvironmentDesign
from reconciler.errors import RequeueAfter, TerminalError
from reconciler.plan import Change, Plan, Problem, make_plan, resolve
from reconciler.resource import Key

log = structlog.get_logger("reconciler.engine")


@dataclass
class Outcome:
    key: Key
    status: str  # applied | unchanged | waiting | blocked (by a refused dependency) | failed | refused
    message: str = ""
    requeue_after: float | None = None


@dataclass
class ApplyResult:
    outcomes: dict[Key, Outcome] = field(default_factory=dict)

    def with_status(self, *statuses: str) -> list[Outcome]:
        return [o for o in self.outcomes.values() if o.status in statuses]


def apply_plan(plan: Plan, controllers: Sequence[Controller], ctx: Context,
               refused: Mapping[Key, Outcome] | None = None) -> ApplyResult:
    """Apply the plan's changes in order. `refused`: terminal outcomes of earlier passes of this
    run, not retried (TerminalError means the spec must change first)."""
    by_kind = {c.kind: c for c in controllers}
    outputs: dict[Key, Mapping[str, Any]] = {k: o.outputs for k, o in plan.observations.items() if o.exists}
    ready: dict[Key, bool] = {k: o.exists and o.ready for k, o in plan.observations.items()}
    result = ApplyResult()
    for problem in plan.problems:
        result.outcomes[problem.key] = Outcome(problem.key, "refused", problem.message)
    for key, outcome in (refused or {}).items():
        if key in plan.resources:
            result.outcomes[key] = outcome
    for change in plan.changes:
        key = change.key
        assert key is not None
        if key in result.outcomes:
            continue
        template = plan.templates.get(key, plan.resources[key])
        blocked = _blocked_by(template, plan, result, ready)
        if change.action == "noop":
            result.outcomes[key] = Outcome(key, "unchanged")
            continue
        if blocked:
            status = "blocked" if "(refused" in blocked or "(blocked" in blocked else "waiting"
            result.outcomes[key] = Outcome(key, status, blocked, requeue_after=2.0)
            continue
        controller = by_kind[key.kind]
        resolved = resolve(template, outputs)
        missing = [f"{ref.target(key)}.{ref.output}" for ref in template.refs()
                   if outputs.get(ref.target(key), {}).get(ref.output) is None]
        if missing:
            # An output that is not there yet: DependencyNotReady, never an apply with a hole in it.
            result.outcomes[key] = Outcome(key, "waiting", "waiting for " + ", ".join(sorted(set(missing))), 2.0)
            continue
        bound = log.bind(kind=key.kind, app=key.app, resource=str(key), action=change.action)
        try:
            observation = plan.observations[key]
            if change.action == "delete":
                controller.delete(key, observation, ctx)
                outputs.pop(key, None)
                result.outcomes[key] = Outcome(key, "applied")
                bound.info("resource_deleted", reason=change.reason)
                continue
            if change.action == "replace":
                # Delete now, create once observe shows it gone: many deletes are asynchronous
                # (Cloud Map namespaces, ECS services draining), and a create too soon conflicts.
                controller.delete(key, observation, ctx)
                ready[key] = False
                result.outcomes[key] = Outcome(key, "waiting", "replacing: waiting for the old one to be deleted", 1.0)
                bound.info("resource_deleted_for_replace", changed=[c.path for c in change.changes])
                continue
            produced = dict(controller.apply(resolved, observation, ctx))
            outputs[key] = {**(observation.outputs if observation.exists else {}), **produced}
            if change.action == "create":
                ready[key] = bool(getattr(controller, "ready_after_apply", True))
            result.outcomes[key] = Outcome(key, "applied")
            bound.info(f"resource_{_past(change.action)}", changed=[c.path for c in change.changes if not c.sensitive] or None)
        except TerminalError as error:
            result.outcomes[key] = Outcome(key, "refused", error.message)
            bound.error("resource_refused", reason=error.reason, message=error.message)
        except RequeueAfter as waiting:
            result.outcomes[key] = Outcome(key, "waiting", waiting.message, waiting.seconds)
            bound.info("resource_waiting", reason=waiting.reason, message=waiting.message)
        except (ClientError, BotoCoreError) as error:
            result.outcomes[key] = Outcome(key, "failed", aws_message(error))
            bound.warning("resource_failed", error=aws_message(error))
    return result


def _past(action: str) -> str:
    return {"create": "created", "update": "updated", "replace": "replaced", "delete": "deleted"}.get(action, action)


def aws_message(error: Exception) -> str:
    if isinstance(error, ClientError):
        err = error.response.get("Error", {})
        return f"{error.operation_name}: {err.get('Code', 'Error')}: {err.get('Message', '')}".strip()
    return str(error)


FATAL_CODES = ("AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "UnrecognizedClientException",
               "InvalidClientTokenId", "ExpiredToken", "ExpiredTokenException", "AuthFailure", "SignatureDoesNotMatch")


def is_fatal(error: Exception) -> bool:
    """Errors that waiting cannot fix: credentials or permissions."""
    return isinstance(error, ClientError) and error.response.get("Error", {}).get("Code", "") in FATAL_CODES


def _blocked_by(resource: Any, plan: Plan, result: ApplyResult, ready: Mapping[Key, bool]) -> str:
    """Why a dependency keeps this resource waiting (DependencyNotReady), or '' when none does."""
    for ref in resource.refs():
        target = ref.target(resource.key)
        outcome = result.outcomes.get(target)
        if outcome is not None and outcome.status in ("failed", "refused", "waiting", "blocked"):
            return f"waiting for {target} ({outcome.status})"
        if target in plan.resources and not ready.get(target, False):
            return f"waiting for {target} to be ready"
    return ""


@dataclass
class Status:
    """Conditions per resource and per spec after a pass."""

    resources: dict[Key, list[Condition]]
    specs: dict[str, list[Condition]]
    outputs: dict[Key, Mapping[str, Any]]

    def all_ready(self) -> bool:
        return all(c.status for conds in self.specs.values() for c in conds)


def derive_status(plan: Plan, result: ApplyResult | None, store: ConditionStore) -> Status:
    per_resource: dict[Key, list[Condition]] = {}
    per_spec: dict[str, list[tuple[bool, bool, str]]] = {}
    problems = {p.key: p for p in plan.problems}
    for change in plan.changes:
        key = change.key
        assert key is not None
        observation = plan.observations[key]
        outcome = result.outcomes.get(key) if result else None
        synced, synced_reason, synced_msg = _synced(change, outcome, problems.get(key), applied=result is not None)
        wanted = plan.resources[key].ensure == "present"
        is_ready = synced and (not wanted or (observation.exists and observation.ready))
        ready_reason = "Available" if is_ready else (
            "Creating" if not observation.exists else ("Failed" if observation.failed else "NotReady"))
        ready_msg = observation.message if not is_ready else ""
        subject = str(key)
        per_resource[key] = [
            store.set(subject, "Ready", is_ready, ready_reason, ready_msg),
            store.set(subject, "Synced", synced, synced_reason, synced_msg),
        ]
        per_spec.setdefault(key.scope, []).append((is_ready, synced, f"{key}: {ready_msg or synced_msg}".rstrip(": ")))
    specs: dict[str, list[Condition]] = {}
    for scope, rows in per_spec.items():
        not_ready = [m for r, _, m in rows if not r]
        not_synced = [m for _, s, m in rows if not s]
        specs[scope] = [
            store.set(scope, "Ready", not not_ready, "AllResourcesReady" if not not_ready else "ResourcesNotReady",
                      "; ".join(not_ready[:5])),
            store.set(scope, "Synced", not not_synced, "InSync" if not not_synced else "OutOfSync", "; ".join(not_synced[:5])),
        ]
    outputs = {k: o.outputs for k, o in plan.observations.items() if o.exists}
    return Status(per_resource, specs, outputs)


def _synced(change: Change, outcome: Outcome | None, problem: Problem | None, applied: bool) -> tuple[bool, str, str]:
    if problem is not None:
        return False, problem.reason, problem.message
    if change.action == "noop":
        return True, "InSync", ""
    if not applied or outcome is None:
        return False, "ChangesPending", f"{change.action}: {', '.join(c.path for c in change.changes[:6])}"
    if outcome.status == "applied":
        return True, "Applied", ""
    return False, outcome.status.capitalize(), outcome.message


@dataclass
class ConvergeReport:
    converged: bool
    timed_out: bool
    refused: list[Outcome]
    passes: int
    last_plan: Plan
    last_result: ApplyResult | None
    status: Status
    failed: list[tuple[Key, str]] = field(default_factory=list)  # broken, waiting will not help


def converge(
    controllers: Sequence[Controller],
    designs: Sequence[EnvironmentDesign],
    ctx: Context,
    *,
    timeout: float = 900.0,
    store: ConditionStore | None = None,
    sleep: Callable[[float], None] = time.sleep,
    on_pass: Callable[[int, Plan, ApplyResult | None], None] | None = None,
) -> ConvergeReport:
    """One `--once` run: plan+apply until Ready and in sync, refused, or out of time.
    Errors back off exponentially with jitter; expected waits requeue at their own interval."""
    store = store or ConditionStore()
    structlog.contextvars.bind_contextvars(run_id=uuid.uuid4().hex[:12])
    deadline = time.monotonic() + timeout
    failures = 0
    passes = 0
    result: ApplyResult | None = None
    terminal: dict[Key, Outcome] = {}
    while True:
        passes += 1
        pass_ctx = ctx.new_pass()
        structlog.contextvars.bind_contextvars(pass_number=passes, phase="plan")
        try:
            plan = make_plan(controllers, designs, pass_ctx)
        except (ClientError, BotoCoreError) as error:
            if is_fatal(error):
                raise  # no amount of waiting fixes missing credentials or permissions
            failures += 1
            delay = min(30.0, 0.5 * 2 ** failures) * random.uniform(0.5, 1.0)
            log.warning("observe_failed", error=aws_message(error), retry_in=round(delay, 1))
            if time.monotonic() + delay > deadline:
                raise
            sleep(delay)
            continue
        structlog.contextvars.bind_contextvars(phase="apply")
        refused = [Outcome(p.key, "refused", p.message) for p in plan.problems]
        if plan.empty and not plan.not_ready:
            status = derive_status(plan, None, store)
            if on_pass:
                on_pass(passes, plan, None)
            return ConvergeReport(True, False, [], passes, plan, result, status)
        result = apply_plan(plan, controllers, pass_ctx, terminal)
        if on_pass:
            on_pass(passes, plan, result)
        refused = result.with_status("refused")
        terminal.update((o.key, o) for o in refused if o.key not in {p.key for p in plan.problems})
        status = derive_status(plan, result, store)
        if plan.failed and not result.with_status("applied"):
            # A failed rollout does not heal by waiting: say so now, not after --timeout.
            broken = [(k, plan.observations[k].message) for k in plan.failed]
            return ConvergeReport(False, False, refused, passes, plan, result, status, broken)
        failed = result.with_status("failed")
        stuck = not result.with_status("applied", "waiting", "failed") and not plan.not_ready
        if refused and stuck:
            return ConvergeReport(False, False, refused, passes, plan, result, status)
        if failed:
            failures += 1
            delay = min(30.0, 0.5 * 2 ** failures) * random.uniform(0.5, 1.0)
        else:
            failures = 0
            waits = [o.requeue_after for o in result.with_status("waiting") if o.requeue_after]
            delay = 0.0 if result.with_status("applied") else min(waits or [1.0])
        if time.monotonic() + delay > deadline:
            return ConvergeReport(False, True, refused, passes, plan, result, status)
        if delay:
            sleep(delay)
