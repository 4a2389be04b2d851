"""Executes a plan: creates, updates and replaces in dependency order, resolving references
against outputs as they appear; then deletes, dependents first, each waiting until what depends
on it is gone. Every outcome is classified (applied / waiting / failed / refused / blocked);
converge, `reconcile delete` and prune all run through here.

The engine decides the action: `create` gets the resource (with its creation token), `update`
the field changes, `delete` the observation. No controller branches on what exists.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from itertools import groupby
from typing import Any

import structlog
from botocore.exceptions import BotoCoreError, ClientError

from reconciler.aws import on_behalf_of
from reconciler.controller import Context, Controller
from reconciler.errors import AwaitingUser, RequeueAfter, TerminalError
from reconciler.plan import DUPLICATES, Change, Plan, resolve
from reconciler.recorder import NO_RECORDER, Recorder
from reconciler.resource import UNKNOWN, Key, Resource

log = structlog.get_logger("reconciler.engine")

# How long a resource waits for a dependency (or a dependent's deletion) before looking again.
DEPENDENCY_WAIT = 2.0


@dataclass
class Outcome:
    key: Key
    # applied | unchanged | waiting | blocked (by a refused dependency) | failed | refused |
    # awaiting (a person must act outside AWS: AwaitingUser)
    status: str
    message: str = ""
    requeue_after: float | None = None


@dataclass
class ApplyResult:
    outcomes: dict[Key, Outcome] = field(default_factory=dict)
    # Outputs of what this pass created or updated (the plan's observations predate them).
    produced: dict[Key, Mapping[str, Any]] = field(default_factory=dict)
    deleted: set[Key] = field(default_factory=set)

    def with_status(self, *statuses: str) -> list[Outcome]:
        return [o for o in self.outcomes.values() if o.status in statuses]


FATAL_CODES = ("AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "UnrecognizedClientException",
               "InvalidClientTokenId", "ExpiredToken", "ExpiredTokenException", "AuthFailure", "SignatureDoesNotMatch",
               "UnauthorizedException", "NotAuthorized")


def is_fatal(error: Exception) -> bool:
    """Errors that waiting cannot fix: credentials or permissions."""
    return isinstance(error, ClientError) and error.response.get("Error", {}).get("Code", "") in FATAL_CODES


def aws_message(error: Exception) -> str:
    if isinstance(error, ClientError):
        err = error.response.get("Error", {})
        return f"{error.operation_name}: {err.get('Code', 'Error')}: {err.get('Message', '')}".strip()
    return str(error)


class _Run:
    """One execution of a plan: its outputs and readiness as they change."""

    def __init__(self, plan: Plan, controllers: Sequence[Controller], ctx: Context, recorder: Recorder) -> None:
        self.plan = plan
        self.by_kind = {c.kind: c for c in controllers}
        self.ctx = ctx
        self.recorder = recorder
        self.outputs: dict[Key, Mapping[str, Any]] = {k: o.outputs for k, o in plan.observations.items() if o.exists}
        self.ready: dict[Key, bool] = {k: o.exists and o.ready for k, o in plan.observations.items()}
        self.result = ApplyResult()
        self.not_ready = set(plan.not_ready)

    def template(self, key: Key) -> Resource:
        return self.plan.templates.get(key, self.plan.resources[key])

    # --- forward: create / update / replace, kind by kind --------------------------------

    def forward(self, changes: Sequence[Change]) -> None:
        for _, group in groupby(changes, key=lambda c: c.kind):
            runnable = [c for c in group if self._runnable(c) and not self._appearing(c)]
            creates = [self._resolved(c.key) for c in runnable if c.action == "create"]
            tokens = self.recorder.before_create(creates) if creates else {}
            for change in runnable:
                self._guarded(change, lambda c=change: self._forward_one(c, tokens.get(c.key, "")))

    def _appearing(self, change: Change) -> bool:
        """A create AWS has no token for, made (or tried) moments ago by an earlier pass or
        process, whose resource observe does not show yet: AWS's read-after-create lag, or an
        answer that was lost. Creating again would make a copy: wait for it to appear."""
        key = change.key
        assert key is not None
        controller = self.by_kind[key.kind]
        if change.action != "create" or getattr(controller, "idempotent_create", True):
            return False
        age = self.recorder.recent_create(key)
        grace = self.ctx.pace(getattr(controller, "read_after_create_grace", 60.0))
        if age is None or age >= grace:
            return False
        self.result.outcomes[key] = Outcome(
            key, "waiting", f"created {age:.0f}s ago and not listed yet: waiting for AWS to show it "
                            f"(up to {grace:.0f}s) before creating it again", min(grace - age, self.ctx.pace(5.0)) or 0.1)
        return True

    def _runnable(self, change: Change) -> bool:
        key = change.key
        assert key is not None
        if key in self.result.outcomes:
            return False
        if change.action == "noop":
            self.result.outcomes[key] = Outcome(key, "unchanged")
            return False
        blocked = self._blocked_by_dependency(self.template(key))
        if blocked:
            status = "blocked" if "(refused" in blocked or "(blocked" in blocked else "waiting"
            self.result.outcomes[key] = Outcome(key, status, blocked, DEPENDENCY_WAIT)
            return False
        missing = [f"{ref.target(key)}.{ref.output}" for ref in self.template(key).refs()
                   if self.outputs.get(ref.target(key), {}).get(ref.output) is None]
        if missing:
            # An output that is not there yet: DependencyNotReady, never an apply with a hole in it.
            self.result.outcomes[key] = Outcome(key, "waiting", "waiting for " + ", ".join(sorted(set(missing))),
                                                DEPENDENCY_WAIT)
            return False
        return True

    def _resolved(self, key: Key) -> Resource:
        return resolve(self.template(key), self.outputs)

    def _forward_one(self, change: Change, token: str) -> None:
        key = change.key
        assert key is not None
        controller = self.by_kind[key.kind]
        observation = self.plan.observations[key]
        bound = log.bind(kind=key.kind, app=key.app, resource=str(key), action=change.action)
        if change.action == "replace":
            # Delete now, create once observe shows it gone: many deletes are asynchronous
            # (Cloud Map namespaces, ECS services draining), and a create too soon conflicts.
            controller.delete(key, observation, self.ctx)
            self.ready[key] = False
            self.result.outcomes[key] = Outcome(key, "waiting", "replacing: waiting for the old one to be deleted", 1.0)
            bound.info("resource_deleted_for_replace", changed=[c.path for c in change.changes])
            return
        resource = self._resolved(key)
        if change.action == "create":
            try:
                produced = dict(controller.create(replace(resource, token=token), self.ctx))
            except ClientError as error:
                if 400 <= error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) < 500:
                    self.recorder.create_refused(resource)
                raise
            self.ready[key] = bool(getattr(controller, "ready_after_apply", True))
            self.recorder.created(resource, produced)
        elif all(c.path == DUPLICATES for c in change.changes):
            produced = {}  # nothing to change: only copies to delete (after the forward changes)
        else:
            changes = tuple(c for c in change.changes if c.path != DUPLICATES)
            if any(c.new is UNKNOWN for c in changes):
                # Planned before a dependency existed: compare again with what it resolves to now.
                changes = tuple(controller.diff(resource, observation))
                if not changes:
                    self.result.outcomes[key] = Outcome(key, "unchanged")
                    return
            produced = dict(controller.update(resource, observation, changes, self.ctx))
        self.outputs[key] = {**(observation.outputs if observation.exists else {}), **produced}
        self.result.produced[key] = self.outputs[key]
        self.result.outcomes[key] = Outcome(key, "applied")
        visible = [c.path for c in change.changes if not c.sensitive]
        bound.info(f"resource_{'created' if change.action == 'create' else 'updated'}", changed=visible or None)

    def _blocked_by_dependency(self, resource: Resource) -> str:
        """Why a dependency keeps this resource waiting (DependencyNotReady), or '' when none does."""
        for ref in resource.refs():
            target = ref.target(resource.key)
            outcome = self.result.outcomes.get(target)
            if outcome is not None and outcome.status in ("failed", "refused", "waiting", "blocked", "awaiting"):
                return f"waiting for {target} ({outcome.status})"
            if target in self.plan.resources and not self.ready.get(target, False):
                return f"waiting for {target} to be ready"
        return ""

    # --- copies: made by a create sent twice -------------------------------------------

    def duplicates(self) -> None:
        """Delete the extra copies of resources that are otherwise settled (the one observed is
        the one in use; dependents were built on it)."""
        for key, observation in self.plan.observations.items():
            outcome = self.result.outcomes.get(key)
            if not observation.duplicates or self.plan.resources[key].ensure != "present":
                continue
            if outcome is None or outcome.status not in ("applied", "unchanged"):
                continue
            controller = self.by_kind[key.kind]
            for copy in observation.duplicates:
                change = Change("delete", key.kind, f"{key} (copy {copy})", (), "duplicate", key)
                self._guarded(change, lambda c=copy: controller.delete_duplicate(key, c, self.ctx))
                log.warning("duplicate_deleted", kind=key.kind, resource=str(key), kept=_kept(observation), deleted=copy)

    # --- deletes: dependents first ------------------------------------------------------

    def deletes(self, changes: Sequence[Change]) -> None:
        for change in changes:
            key = change.key
            assert key is not None
            if key in self.result.outcomes:
                continue
            waiting = self._delete_waits_for(key)
            if waiting:
                self.result.outcomes[key] = Outcome(key, "waiting", waiting, DEPENDENCY_WAIT)
                continue
            self._guarded(change, lambda c=change: self._delete_one(c))

    def _delete_one(self, change: Change) -> None:
        key = change.key
        assert key is not None
        self.by_kind[key.kind].delete(key, self.plan.observations[key], self.ctx)
        self.outputs.pop(key, None)
        self.result.deleted.add(key)
        self.result.outcomes[key] = Outcome(key, "applied")
        log.info("resource_deleted", kind=key.kind, app=key.app, resource=str(key), reason=change.reason)

    def _delete_waits_for(self, key: Key) -> str:
        """A delete waits while something that depends on it is still there and going too (it
        is gone once observed gone, so deletes that AWS runs asynchronously are covered), and a
        prune inside an app waits until the rest of the app has settled (the old revision's
        tasks may still write to the log group being pruned)."""
        for other, resource in self.plan.resources.items():
            # Only what is going counts (a retained resource stays: waiting for it would never end).
            if other == key or resource.ensure != "absent" or not self.plan.observations[other].exists:
                continue
            if key.kind in self.plan.depends.get(other.kind, ()) and _within(other, key):
                return f"waiting for {other} to be deleted first"
        if self.plan.resources[key].prune_reason and key.app is not None:
            for other, resource in self.plan.resources.items():
                if other.app != key.app or other.environment != key.environment or resource.ensure != "present":
                    continue
                outcome = self.result.outcomes.get(other)
                if (outcome is not None and outcome.status != "unchanged") or other in self.not_ready:
                    return f"waiting for the rest of {key.scope} to settle before pruning"
        return ""

    # --- outcome classes ------------------------------------------------------------------

    def _guarded(self, change: Change, step: Any) -> None:
        key = change.key
        assert key is not None
        bound = log.bind(kind=key.kind, app=key.app, resource=str(key), action=change.action)
        try:
            with on_behalf_of(key.kind):
                step()
        except TerminalError as error:
            self.result.outcomes[key] = Outcome(key, "refused", error.message)
            bound.error("resource_refused", reason=error.reason, message=error.message)
        except AwaitingUser as waiting:
            self.result.outcomes[key] = Outcome(key, "awaiting", waiting.message, waiting.seconds)
            bound.info("resource_awaiting_user", message=waiting.message)
        except RequeueAfter as waiting:
            self.result.outcomes[key] = Outcome(key, "waiting", waiting.message, waiting.seconds)
            bound.info("resource_waiting", reason=waiting.reason, message=waiting.message)
        except (ClientError, BotoCoreError) as error:
            if is_fatal(error):
                # Permissions do not come back by waiting: terminal at once, naming what was refused.
                message = f"{aws_message(error)} (while changing {key}); grant it, then run again"
                self.result.outcomes[key] = Outcome(key, "refused", message)
                bound.error("resource_refused", reason="AccessDenied", message=message)
                return
            self.result.outcomes[key] = Outcome(key, "failed", aws_message(error))
            bound.warning("resource_failed", error=aws_message(error))


def _kept(observation: Any) -> str:
    return str(observation.outputs.get("id") or observation.outputs.get("arn") or "")


def _within(dependent: Key, dependency: Key) -> bool:
    """Does `dependent` live where it could use `dependency` (same environment; same app, or
    the dependency is the environment's)?"""
    if dependent.environment != dependency.environment:
        return False
    return dependency.app is None or dependent.app == dependency.app


def apply_plan(plan: Plan, controllers: Sequence[Controller], ctx: Context,
               refused: Mapping[Key, Outcome] | None = None, recorder: Recorder = NO_RECORDER) -> ApplyResult:
    """Apply the plan's changes. `refused`: terminal outcomes of earlier passes of this run, not
    retried (TerminalError means the spec must change first)."""
    run = _Run(plan, controllers, ctx, recorder)
    for problem in plan.problems:
        run.result.outcomes[problem.key] = Outcome(problem.key, "refused", problem.message)
    for key, outcome in (refused or {}).items():
        if key in plan.resources:
            run.result.outcomes[key] = outcome
    run.forward([c for c in plan.changes if c.action != "delete"])
    run.duplicates()
    run.deletes([c for c in plan.changes if c.action == "delete"])
    return run.result
