"""Plans are data (terraform, chalice): planning calls only observe and diff, so it makes read
calls only, and `apply` executes the very same object. A dry run renders it and stops.

What a plan covers: every resource the specs want (ensure present, absent or retain), plus the
resources to prune (`extra`): made by us according to the inventory, no longer wanted. Both go
through the same observe and decide, so a prune is a `delete` like any other.
"""
from __future__ import annotations

import contextvars
import os
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace
from typing import Any

from reconciler.aws import on_behalf_of

from reconciler.controller import Context, Controller
from reconciler.design import EnvironmentDesign
from reconciler.graph import check_references, delete_order_key, kind_dependencies, order_kinds
from reconciler.ownership import owner_problem
from reconciler.resource import UNKNOWN, Action, FieldChange, Key, Observation, Ref, Resource, changed_fields


# Observe with at most this many threads (1: one kind after the other).
WORKERS_ENV = "RECONCILE_OBSERVE_WORKERS"

# The pseudo-field under which a plan lists extra copies of a resource to delete.
DUPLICATES = "(duplicates)"


@dataclass(frozen=True)
class Change:
    action: Action
    kind: str
    name: str
    changes: tuple[FieldChange, ...] = ()
    reason: str = ""
    key: Key | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Problem:
    """A resource that cannot be reconciled until the spec or the world changes."""

    key: Key
    reason: str
    message: str


@dataclass
class Plan:
    changes: list[Change]
    problems: list[Problem]
    resources: dict[Key, Resource]  # resolved at plan time (UNKNOWN where a dependency is missing)
    observations: dict[Key, Observation]
    order: list[str]
    templates: dict[Key, Resource] = field(default_factory=dict)  # as desired, with their Refs
    # Kind -> the kinds it depends on, directly or not (orders deletes: dependents go first).
    depends: dict[str, set[str]] = field(default_factory=dict)
    # What the reconciler's own state table needs first (created on first use), if anything.
    state_change: Change | None = None
    # Apps whose removal is held back (their spec failed to load): never pruned.
    held: dict[str, str] = field(default_factory=dict)
    # Resources observed (for their outputs and status) but never changed in this run.
    observe_only: set[Key] = field(default_factory=set)

    @property
    def pending(self) -> list[Change]:
        return [c for c in self.changes if c.action != "noop"]

    @property
    def not_ready(self) -> list[Key]:
        return [k for k, o in self.observations.items()
                if o.exists and not o.ready and self.resources[k].ensure == "present"]

    @property
    def failed(self) -> list[Key]:
        return [k for k, o in self.observations.items() if o.exists and o.failed and self.resources[k].ensure == "present"]

    @property
    def empty(self) -> bool:
        return not self.pending and not self.problems


def desired_resources(controllers: Sequence[Controller], designs: Sequence[EnvironmentDesign],
                      extra: Sequence[Resource] = ()) -> dict[str, list[Resource]]:
    """Every kind's resources: what the specs want, then the prunes whose key no spec wants."""
    by_kind: dict[str, list[Resource]] = {c.kind: [] for c in controllers}
    for env in designs:
        for controller in controllers:
            by_kind[controller.kind].extend(controller.desired(env))
    wanted = {r.key for rs in by_kind.values() for r in rs}
    for resource in extra:
        if resource.key not in wanted and resource.key.kind in by_kind:
            by_kind[resource.key.kind].append(resource)
            wanted.add(resource.key)
    return by_kind


def resolve(resource: Resource, outputs: Mapping[Key, Mapping[str, Any]]) -> Resource:
    """Replace every Ref by the referenced output, or UNKNOWN while it does not exist yet."""

    def walk(value: Any) -> Any:
        if isinstance(value, Ref):
            found = outputs.get(value.target(resource.key), {}).get(value.output)
            return UNKNOWN if found is None else value.value(found)
        if isinstance(value, dict):
            return {k: walk(v) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v) for v in value]
        return value

    return resource.with_desired(walk(resource.desired))


def make_plan(
    controllers: Sequence[Controller], designs: Sequence[EnvironmentDesign], ctx: Context,
    *, extra: Sequence[Resource] = (), observe_retained: bool = False,
    failed_revisions: Mapping[Key, str] | None = None, observe_only: Callable[[Key], bool] | None = None,
) -> Plan:
    """Observe every resource and decide its action. Resources with ensure="retain" are never
    changed, so they are observed only when asked (deleting an app deletes them).
    `failed_revisions`: per resource, a revision whose rollout failed, held (not deployed again).
    `observe_only`: resources this run observes but must not change (another replica owns them)."""
    by_name = {c.kind: c for c in controllers}
    by_kind = desired_resources(controllers, designs, extra)
    watched: set[Key] = set()
    if observe_only is not None:
        for kind, resources in by_kind.items():
            watched |= {r.key for r in resources if observe_only(r.key)}
            by_kind[kind] = [replace(r, ensure="retain") if r.key in watched else r for r in resources]
    all_resources = [r for rs in by_kind.values() for r in rs]
    check_references(by_name, all_resources)
    deps = kind_dependencies(controllers, all_resources)
    order = order_kinds(by_name, deps)
    plan = Plan([], [], {}, {}, order, depends=_closure(deps), observe_only=watched)
    outputs = observe_kinds(by_name, by_kind, order, deps, ctx,
                            lambda r: observe_retained or r.ensure != "retain" or r.key in watched, plan.observations)
    for kind in order:
        controller = by_name[kind]
        if not by_kind[kind]:
            continue
        plan.templates.update((r.key, r) for r in by_kind[kind])
        for template in by_kind[kind]:
            # Recorded by an earlier pass, or seen now (a FAILED deployment still listed).
            revision = (failed_revisions or {}).get(template.key) or plan.observations[template.key].failed_revision
            if revision and controller_rollout_field(controller):
                template = hold_failed_revision(controller, template, plan.observations[template.key], revision, outputs)
                plan.templates[template.key] = template
            # Resolved again now that this kind's own outputs are known: a reference within one
            # kind (a security group naming another) must not read as "known after apply".
            resource = resolve(template, outputs)
            plan.resources[resource.key] = resource
            plan.changes.append(_decide(controller, resource, plan.observations[resource.key], plan))
    plan.changes.sort(key=lambda c: delete_order_key(c, order) if c.action == "delete" else (0, 0, ""))
    return plan


def observe_kinds(by_name: Mapping[str, Controller], by_kind: Mapping[str, list[Resource]], order: Sequence[str],
                  deps: Mapping[str, set[str]], ctx: Context, observed: Callable[[Resource], bool],
                  observations: dict[Key, Observation]) -> dict[Key, Mapping[str, Any]]:
    """Observe every kind, each as soon as the kinds it references are observed (its resources
    are resolved against their outputs first), independent kinds concurrently: on AWS a read
    takes 30-100 ms, so 25 of them one after the other take seconds. The pool is as large as
    a client's connection pool; the call budgets (reconciler.budget) are process-wide and
    thread-safe, so concurrency never outruns them. Fills `observations`; returns the outputs."""
    outputs: dict[Key, Mapping[str, Any]] = {}
    kinds = [k for k in order if by_kind.get(k)]

    def observe(kind: str, known: Mapping[Key, Mapping[str, Any]]) -> tuple[list[Resource], Mapping[Key, Observation]]:
        controller = by_name[kind]
        resolved = [resolve(r, known) for r in by_kind[kind]]
        wanted = [r for r in resolved if observed(r)]
        recalled = recall_all(controller, wanted, ctx)
        wanted = [r for r in wanted if r.key not in recalled]
        with on_behalf_of(kind):
            return resolved, {**(controller.observe(wanted, ctx) if wanted else {}), **recalled}

    def record(resolved: list[Resource], found: Mapping[Key, Observation]) -> None:
        for resource in resolved:
            observation = found.get(resource.key) or Observation.absent()
            observations[resource.key] = observation
            if observation.exists:
                outputs[resource.key] = observation.outputs

    workers = observe_workers(ctx)
    if workers <= 1:
        for kind in kinds:
            record(*observe(kind, outputs))
        return outputs
    waiting_on = {k: (deps.get(k, set()) & set(kinds)) - {k} for k in kinds}
    done: set[str] = set()
    running: dict[Future[Any], str] = {}
    failure: BaseException | None = None
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="observe") as pool:
        while (waiting_on or running) and failure is None:
            for kind in [k for k, needed in waiting_on.items() if needed <= done]:
                del waiting_on[kind]
                # Each task runs in a copy of this context: log bindings and request attribution follow it.
                running[pool.submit(contextvars.copy_context().run, observe, kind, dict(outputs))] = kind
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in finished:
                kind = running.pop(future)
                try:
                    record(*future.result())
                except BaseException as error:  # noqa: BLE001 - raised once the others are back
                    failure = failure or error
                done.add(kind)
    if failure is not None:
        raise failure
    return outputs


def recall_all(controller: Controller, resources: Sequence[Resource], ctx: Context) -> dict[Key, Observation]:
    """The resources of a recallable kind this pass need not read (reconciler.state.recall)."""
    recall = getattr(ctx, "recall", None)
    if recall is None or not getattr(controller, "recallable", False):
        return {}
    found = {r.key: recall.observation(r, getattr(controller, "outputs", ())) for r in resources}
    return {k: o for k, o in found.items() if o is not None}


def observe_workers(ctx: Context) -> int:
    """Threads observing at once: the client's connection pool, or 1 (`RECONCILE_OBSERVE_WORKERS=1`)."""
    setting = os.environ.get(WORKERS_ENV, "")
    if setting.isdigit() and int(setting) > 0:
        return int(setting)
    config = getattr(getattr(ctx, "aws", None), "config", None)
    return int(getattr(config, "max_pool_connections", None) or 10)


def controller_rollout_field(controller: Controller) -> str:
    return str(getattr(controller, "rollout_field", "") or "")


def hold_failed_revision(controller: Controller, template: Resource, observation: Observation, revision: str,
                         outputs: Mapping[Key, Mapping[str, Any]]) -> Resource:
    """A revision whose rollout failed and was rolled back is not deployed again: while the spec
    would deploy it (and the service runs another), the field keeps its observed value and the
    resource is reported failed (Degraded), with why. A changed spec or source makes a new
    revision (and clears the record), which deploys as usual."""
    name = controller_rollout_field(controller)
    running = observation.fields.get(name)
    if not observation.exists or running in (None, revision) or resolve(template, outputs).desired.get(name) != revision:
        return template
    why = f" ({observation.message})" if observation.failed and observation.message else ""
    observation.failed, observation.ready = True, False
    observation.failed_revision = revision
    observation.message = (f"rolled back to {str(running).rsplit('/', 1)[-1]}: {revision.rsplit('/', 1)[-1]} failed to "
                           f"deploy{why}; it is not deployed again until the spec or its source changes")
    return template.with_desired({**template.desired, name: running})


def _closure(deps: Mapping[str, set[str]]) -> dict[str, set[str]]:
    closed: dict[str, set[str]] = {}

    def reach(kind: str, seen: set[str]) -> set[str]:
        if kind in closed:
            return closed[kind]
        found: set[str] = set()
        for needed in deps.get(kind, ()):
            if needed not in seen:
                found |= {needed} | reach(needed, seen | {needed})
        closed[kind] = found
        return found

    for kind in deps:
        reach(kind, {kind})
    return closed


def _decide(controller: Controller, resource: Resource, observation: Observation, plan: Plan) -> Change:
    key = resource.key
    if key in plan.observe_only:
        return Change("noop", key.kind, str(key), (), "observed only: another replica changes it", key)
    if resource.ensure != "present":
        return _decide_unwanted(controller, resource, observation)
    if not observation.exists:
        fields = dict(resource.desired)
        created = tuple(FieldChange(k, None, v, k in getattr(controller, "sensitive", ())) for k, v in fields.items())
        return Change("create", key.kind, str(key), created, "does not exist", key)
    if observation.recalled_at:
        return Change("noop", key.kind, str(key), (), f"in sync when last read ({observation.recalled_at})", key)
    problem = owner_problem(key, observation.tags)
    if problem and not resource.adopt:
        plan.problems.append(Problem(key, "NotOwned", problem + "; set spec.adopt: true to adopt it"))
        return Change("noop", key.kind, str(key), (), "refused: not ours", key)
    changes = tuple(controller.diff(resource, observation))
    if observation.duplicates:
        changes += (FieldChange(DUPLICATES, list(map(str, observation.duplicates)), []),)
        if len(changes) == 1:
            return Change("update", key.kind, str(key), changes, "copies made by a create sent twice: deleting them", key)
    if not changes:
        return Change("noop", key.kind, str(key), (), "in sync", key)
    immutable = changed_fields(changes) & set(controller.immutable)
    if immutable:
        return Change("replace", key.kind, str(key), changes, f"immutable field changed: {', '.join(sorted(immutable))}", key)
    reason = "adopting" if problem else "drifted from the spec"
    return Change("update", key.kind, str(key), changes, reason, key)


def _decide_unwanted(controller: Controller, resource: Resource, observation: Observation) -> Change:
    key = resource.key
    if not observation.exists:
        return Change("noop", key.kind, str(key), (), "absent, as desired", key)
    if observation.deleting:
        return Change("noop", key.kind, str(key), (), "being deleted", key)
    if resource.ensure == "retain":
        return Change("noop", key.kind, str(key), (), "kept; deleted only with its app", key)
    if owner_problem(key, observation.tags):
        return Change("noop", key.kind, str(key), (), "not wanted, and not ours to delete", key)
    if resource.prune_reason and getattr(controller, "retain_on_delete", False):
        return Change("noop", key.kind, str(key), (), "kept: it holds data (delete it yourself if you mean to)", key)
    return Change("delete", key.kind, str(key), (), resource.prune_reason or "no longer wanted by the spec", key)
