"""What goes away, as resources with ensure="absent" that the ordinary planner and executor
handle (Flux's inventory-driven prune): no second loop, no second set of rules.

- Within an app, always: an inventory entry whose key the spec no longer produces (a compose
  service removed, a storage table no longer listed) -> "no longer in the spec".
- Whole apps: `reconcile delete` ("spec deleted") and `--prune` of apps whose spec left the
  paths ("spec removed"). Their keys are the union of the inventory, the keys every app of a
  kind has (`standard_keys`), and, when the spec is at hand, what it produces.
- The environment's shared resources go only when no app remains in it; until then they are
  observed (their outputs find the app's resources) and never changed: ensure="retain".

Only what carries our tags is deleted (the planner refuses the rest); kinds that hold data are
kept (`retain_on_delete`: tables; `retain_on_prune`: user pools, while their app lives).
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace

from reconciler.controller import Controller
from reconciler.design import AppDesign, AppNeeds, EnvironmentDesign
from reconciler.ownership import tags_for
from reconciler.resource import Key, Resource
from specs import AwsLocation

NO_LONGER_IN_SPEC = "no longer in the spec"
SPEC_REMOVED = "spec removed"
SPEC_DELETED = "spec deleted"
NOT_NEEDED = "no app of the environment needs it any more"


def unwanted(controller: Controller, key: Key, reason: str, template: Resource | None = None) -> Resource:
    """The resource of `key` as something to delete (or to keep, for kinds that hold data)."""
    keep = getattr(controller, "retain_on_delete", False) or (
        reason == NO_LONGER_IN_SPEC and getattr(controller, "retain_on_prune", False))
    if template is not None:
        return replace(template, ensure="retain" if keep else "absent", prune_reason=reason)
    return Resource(key, controller.identity(key), tags_for(key), ensure="retain" if keep else "absent",
                    prune_reason=reason)


def within_apps(controllers: Sequence[Controller], designs: Sequence[EnvironmentDesign],
                inventories: Mapping[str, Iterable[Key]]) -> list[Resource]:
    """Inventory entries of the apps (and environments) being converged that nothing desires now."""
    by_kind = {c.kind: c for c in controllers}
    found: list[Resource] = []
    for env in designs:
        wanted = {r.key for c in controllers for r in c.desired(env)}
        apps = {app.name for app in env.apps}
        for key in inventories.get(env.name, ()):
            if key in wanted or key.kind not in by_kind:
                continue
            if key.app in apps or (key.app is None and env.apps):
                found.append(unwanted(by_kind[key.kind], key, NO_LONGER_IN_SPEC))
    return found


def leaving(controllers: Sequence[Controller], environment: str, apps: Mapping[str, AppDesign | None],
            inventory: Iterable[Key], *, environment_goes: bool, reason: str,
            location: object | None = None, remaining: Sequence[AppNeeds] = ()) -> list[Resource]:
    """Every resource of the leaving apps (spec at hand or not), plus the environment's shared
    resources: absent when no app remains, else kept as they are (observed for their outputs),
    except those no remaining app needs (`remaining`: the load balancer when the last hosting
    app leaves, the VPC link with the last API)."""
    by_kind = {c.kind: c for c in controllers}
    templates: dict[Key, Resource] = {}
    designed = [design for design in apps.values() if design is not None]
    if designed and location is not None:
        env = EnvironmentDesign(environment, tuple(designed), location)  # type: ignore[arg-type]
        for controller in controllers:
            templates.update((r.key, r) for r in controller.desired(env))
    still = EnvironmentDesign(environment, (), location or AwsLocation(), others=tuple(remaining))  # type: ignore[arg-type]
    needed = {r.key for controller in controllers for r in controller.desired(still)} if remaining else set()
    keys = set(templates) | {k for k in inventory if k.app in apps or k.app is None}
    for controller in controllers:
        keys.update(controller.standard_keys(environment, None))
        for app in apps:
            keys.update(controller.standard_keys(environment, app))
    resources: list[Resource] = []
    for key in sorted(keys, key=str):
        controller = by_kind.get(key.kind)
        if controller is None or (key.app is not None and key.app not in apps):
            continue
        if key.app is None and not environment_goes and (key in needed or not remaining):
            template = templates.get(key) or Resource(key, controller.identity(key), tags_for(key))
            resources.append(replace(template, ensure="retain"))
            continue
        if key.app is None and not environment_goes:
            resources.append(unwanted(controller, key, NOT_NEEDED, templates.get(key)))
            continue
        resources.append(unwanted(controller, key, reason, templates.get(key)))
    return resources
