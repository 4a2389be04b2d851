"""Plans are data (terraform, chalice): planning calls only observe and diff, so it makes read
calls only, and `apply` executes the very same object. A dry run renders it and stops."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from reconciler.controller import Context, Controller
from reconciler.design import EnvironmentDesign
from reconciler.graph import kind_dependencies, order_kinds
from reconciler.ownership import owner_problem
from reconciler.resource import UNKNOWN, Action, FieldChange, Key, Observation, Ref, Resource


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


def desired_resources(controllers: Sequence[Controller], designs: Sequence[EnvironmentDesign]) -> dict[str, list[Resource]]:
    by_kind: dict[str, list[Resource]] = {c.kind: [] for c in controllers}
    for env in designs:
        for controller in controllers:
            by_kind[controller.kind].extend(controller.desired(env))
    return by_kind


def resolve(resource: Resource, outputs: Mapping[Key, Mapping[str, Any]]) -> Resource:
    """Replace every Ref by the referenced output, or UNKNOWN while it does not exist yet."""

    def walk(value: Any) -> Any:
        if isinstance(value, Ref):
            found = outputs.get(value.target(resource.key), {}).get(value.output)
            return UNKNOWN if found is None else found
        if isinstance(value, dict):
            return {k: walk(v) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v) for v in value]
        return value

    return resource.with_desired(walk(resource.desired))


def make_plan(
    controllers: Sequence[Controller], designs: Sequence[EnvironmentDesign], ctx: Context,
    *, observe_retained: bool = False,
) -> Plan:
    """Observe every desired resource and decide its action. Resources with ensure="retain"
    are never changed, so they are observed only when asked (teardown deletes them)."""
    by_name = {c.kind: c for c in controllers}
    by_kind = desired_resources(controllers, designs)
    all_resources = [r for rs in by_kind.values() for r in rs]
    order = order_kinds(by_name, kind_dependencies(all_resources))
    outputs: dict[Key, Mapping[str, Any]] = {}
    plan = Plan([], [], {}, {}, order)
    for kind in order:
        controller = by_name[kind]
        resolved = [resolve(r, outputs) for r in by_kind[kind]]
        if not resolved:
            continue
        plan.templates.update((r.key, r) for r in by_kind[kind])
        wanted = [r for r in resolved if observe_retained or r.ensure != "retain"]
        observed = controller.observe(wanted, ctx) if wanted else {}
        for resource in resolved:
            observation = observed.get(resource.key) or Observation.absent()
            plan.observations[resource.key] = observation
            if observation.exists:
                outputs[resource.key] = observation.outputs
        for template in by_kind[kind]:
            # Resolved again now that this kind's own outputs are known: a reference within one
            # kind (a security group naming another) must not read as "known after apply".
            resource = resolve(template, outputs)
            plan.resources[resource.key] = resource
            plan.changes.append(_decide(controller, resource, plan.observations[resource.key], plan))
    return plan


def _decide(controller: Controller, resource: Resource, observation: Observation, plan: Plan) -> Change:
    key = resource.key
    if resource.ensure != "present":
        return _decide_unwanted(resource, observation)
    if not observation.exists:
        fields = dict(resource.desired)
        created = tuple(FieldChange(k, None, v, k in getattr(controller, "sensitive", ())) for k, v in fields.items())
        return Change("create", key.kind, str(key), created, "does not exist", key)
    problem = owner_problem(key, observation.tags)
    if problem and not resource.adopt:
        plan.problems.append(Problem(key, "NotOwned", problem + "; set spec.adopt: true to adopt it"))
        return Change("noop", key.kind, str(key), (), "refused: not ours", key)
    changes = tuple(controller.diff(resource, observation))
    if not changes:
        return Change("noop", key.kind, str(key), (), "in sync", key)
    immutable = {c.path.split(".")[0].split("[")[0] for c in changes} & set(controller.immutable)
    if immutable:
        return Change("replace", key.kind, str(key), changes, f"immutable field changed: {', '.join(sorted(immutable))}", key)
    reason = "adopting" if problem else "drifted from the spec"
    return Change("update", key.kind, str(key), changes, reason, key)


def _decide_unwanted(resource: Resource, observation: Observation) -> Change:
    key = resource.key
    if resource.ensure == "retain" or not observation.exists:
        reason = "kept; deleted only with its app" if observation.exists else "absent, as desired"
        return Change("noop", key.kind, str(key), (), reason, key)
    if owner_problem(key, observation.tags):
        return Change("noop", key.kind, str(key), (), "not wanted, and not ours to delete", key)
    return Change("delete", key.kind, str(key), (), "no longer wanted by the spec", key)
