"""The jobs the CLI runs, with the state store: converge (optionally pruning apps whose spec
left the paths), delete, prune. Each reads the environments' state first (one Query each), so
shared resources are derived from every app registered in an environment, not only the specs
at hand; each is one run of the one executor (`engine.converge`).
"""
from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import structlog
import yaml

from reconciler import prune
from reconciler.controller import Context, Controller
from reconciler.design import AppDesign, AppNeeds, EnvironmentDesign
from reconciler.engine import ConvergeReport, converge
from reconciler.plan import Plan, make_plan
from reconciler.resource import Key, Resource
from reconciler.state import EnvironmentState, InventoryEntry, StateStore
from reconciler.state.rebuild import keys_from_tags
from reconciler.state.records import CREATED
from reconciler.state.sync import StateSync
from specs import SpecError

log = structlog.get_logger("reconciler.workflow")

# While the state table is being created (AWS refuses its use until ACTIVE), look again after:
TABLE_WAIT = 2.0


@dataclass
class Work:
    """What one run covers, decided before it starts."""

    designs: list[EnvironmentDesign]
    states: dict[str, EnvironmentState]
    extra: list[Resource] = field(default_factory=list)
    leaving: set[tuple[str, str]] = field(default_factory=set)  # (environment, app) going away
    held: dict[str, str] = field(default_factory=dict)  # "env/app" -> why it is not pruned
    problems: list[str] = field(default_factory=list)  # the run cannot start: say these
    full_read: bool = False  # read every resource, recall none (`--full-read`; reconciler.state.recall)


def generation(app: AppDesign) -> str:
    """The observed generation: a hash of the spec and what it translates to (sources included)."""
    document = {"spec": app.loaded.model.model_dump(mode="json"), "translation": app.translation.render()}
    return hashlib.sha256(json.dumps(document, sort_keys=True, default=str).encode()).hexdigest()[:16]


# --- reading the state -------------------------------------------------------------------

def load_states(store: StateStore, ctx: Context, environments: Iterable[str], *, write: bool) -> dict[str, EnvironmentState]:
    """Each environment's state; an environment with no record at all has its inventory rebuilt
    from our ownership tags first (and written, when `write`), so a lost table never reads as
    "we own nothing"."""
    states: dict[str, EnvironmentState] = {}
    for environment in sorted(set(environments)):
        state = store.load(environment)
        if state.empty:
            state = _rebuilt(store, ctx, state, write=write)
        states[environment] = state
    return states


def _rebuilt(store: StateStore, ctx: Context, state: EnvironmentState, *, write: bool) -> EnvironmentState:
    found = keys_from_tags(ctx.client("resourcegroupstaggingapi"), state.environment)
    if not found:
        return state
    entries = {key: InventoryEntry(key, arn, ctx.region, CREATED) for key, arn in found.items()}
    log.info("inventory_rebuilt_from_tags", environment=state.environment, resources=len(entries))
    if write:
        from reconciler.state import Put

        store.write([Put(entry.as_item(), 0) for entry in entries.values()])
        return store.load(state.environment)
    return EnvironmentState(state.environment, dict(state.apps), {**state.inventory, **entries}, dict(state.conditions))


def known_apps(state: EnvironmentState) -> set[str]:
    return set(state.apps) | {k.app for k in state.inventory if k.app}


def _needs_of(state: EnvironmentState, app: str) -> AppNeeds:
    record = state.apps.get(app)
    if record is not None and record.requirements is not None:
        return record.requirements
    # Known only from the inventory (rebuilt from tags): an API if it has one, hosted if it has a rule or CDN.
    kinds = {k.kind for k in state.inventory if k.app == app}
    return AppNeeds(app, api="api.http_api" in kinds, hosting=bool(kinds & {"alb.listener_rule", "cdn.distribution"}))


def with_environment_facts(designs: Sequence[EnvironmentDesign], states: Mapping[str, EnvironmentState],
                           ctx: Context, leaving: set[tuple[str, str]] = frozenset()) -> list[EnvironmentDesign]:
    """The designs, each with the other apps registered in its environment and its zones."""
    zones = tuple(ctx.zone_ids(3))  # by zone ID: the same physical zones in every account
    result = []
    for env in designs:
        state = states.get(env.name) or EnvironmentState(env.name)
        here = {app.name for app in env.apps}
        others = tuple(_needs_of(state, name) for name in sorted(known_apps(state) - here)
                       if (env.name, name) not in leaving)
        result.append(replace(env, others=others, zones=zones))
    return result


def zone_problems(designs: Sequence[EnvironmentDesign]) -> list[str]:
    problems = []
    for env in designs:
        for app in env.apps:
            if app.high_availability and env.zone_count < 3:
                problems.append(f"{app.loaded.path}: spec.highAvailability: needs 3 availability zones; "
                                f"region {env.location.region} offers {env.zone_count}")
            if app.hosting is not None and env.zone_count < 2:
                problems.append(f"{app.loaded.path}: spec.hosting: an application load balancer needs subnets in 2 "
                                f"availability zones; region {env.location.region} offers {env.zone_count}")
    return problems


# --- deciding what goes -----------------------------------------------------------------

def held_apps(failures: Sequence[SpecError], states: Mapping[str, EnvironmentState]) -> tuple[dict[str, str], bool]:
    """Apps whose spec failed to load (never taken as removed), and whether every failing file
    could be attributed to an app. A failure we cannot attribute holds every prune."""
    held: dict[str, str] = {}
    all_attributed = True
    recorded = {os.path.realpath(r.spec_path): (env, app) for env, s in states.items()
                for app, r in s.apps.items() if r.spec_path}
    for failure in failures:
        path = os.path.realpath(str(failure.path))
        names = _names_in(path)
        if path in recorded:
            names.append(recorded[path])
        if not names:
            all_attributed = False
        for env, app in names:
            held[f"{env}/{app}"] = f"its spec {failure.path} failed to load"
    return held, all_attributed


def _names_in(path: str) -> list[tuple[str, str]]:
    """(environment, name) of the documents of a spec file that failed validation, if it parses."""
    try:
        with open(path, "rb") as handle:
            text = handle.read(1_000_000).decode("utf-8")
        documents = list(yaml.safe_load_all(text))
    except (OSError, UnicodeDecodeError, yaml.YAMLError, RecursionError):
        return []
    found = []
    for document in documents:
        metadata = document.get("metadata") if isinstance(document, dict) else None
        if isinstance(metadata, dict) and isinstance(metadata.get("name"), str):
            found.append((str(metadata.get("environment") or "dev"), metadata["name"]))
    return found


def removed_apps(designs: Sequence[EnvironmentDesign], states: Mapping[str, EnvironmentState],
                 held: Mapping[str, str]) -> set[tuple[str, str]]:
    """Apps recorded in the environments the designs name, with no spec among them."""
    gone = set()
    for env in designs:
        here = {app.name for app in env.apps}
        for app in known_apps(states.get(env.name) or EnvironmentState(env.name)) - here:
            if f"{env.name}/{app}" not in held:
                gone.add((env.name, app))
    return gone


def prune_resources(controllers: Sequence[Controller], designs: Sequence[EnvironmentDesign],
                    states: Mapping[str, EnvironmentState], removed: set[tuple[str, str]]) -> list[Resource]:
    """Within-app prunes of the apps converged, plus everything of the removed apps."""
    inventories = {env: list(state.inventory) for env, state in states.items()}
    extra = prune.within_apps(controllers, designs, inventories)
    for env in designs:
        apps = {app: None for e, app in removed if e == env.name}
        if apps:
            extra += [r for r in prune.leaving(controllers, env.name, apps, inventories.get(env.name, ()),
                                               environment_goes=False, reason=prune.SPEC_REMOVED)
                      if r.key.app is not None]
    return extra


# --- runs -----------------------------------------------------------------------------------

def wait_for_table(store: StateStore, *, timeout: float, sleep: Callable[[float], None] = time.sleep,
                   clock: Callable[[], float] = time.monotonic, deep: bool = True) -> bool:
    """Create the state table if needed and wait (requeue) until AWS lets us use it. `deep`:
    check all its settings (always, once it had to be created or waited for)."""
    deadline = clock() + timeout
    while True:
        observation = store.ensure(deep=deep)
        deep = deep or not observation.ready
        if observation.ready:
            return True
        if clock() + TABLE_WAIT > deadline:
            return False
        log.info("state_table_waiting", table=store.name, status=observation.status or "CREATING")
        sleep(TABLE_WAIT)


def outcomes_of(report: ConvergeReport, designs: Sequence[EnvironmentDesign]) -> dict[tuple[str, str], str]:
    refused = {o.key.scope for o in report.refused}
    failed = {k.scope for k, _ in report.failed}
    result = {}
    for env in designs:
        for app in env.apps:
            scope = f"{env.name}/{app.name}"
            ready = all(c.status for c in report.status.specs.get(scope, []))
            result[(env.name, app.name)] = ("Failed" if scope in failed else "Refused" if scope in refused
                                            else "Ready" if ready and report.converged else "NotReady")
    return result


def gone_apps(plan: Plan, apps: Iterable[tuple[str, str]]) -> set[tuple[str, str]]:
    """Leaving apps of which nothing we would delete is left."""
    gone = set()
    for env, app in apps:
        keys = [k for k in plan.resources if k.environment == env and k.app == app]
        if all(not plan.observations[k].exists or plan.resources[k].ensure == "retain" for k in keys):
            gone.add((env, app))
    return gone


def run_converge(controllers: Sequence[Controller], designs: Sequence[EnvironmentDesign], ctx: Context,
                 store: StateStore, *, work: Work, timeout: float, sleep: Callable[[float], None] = time.sleep,
                 on_pass: Callable[..., None] | None = None) -> ConvergeReport:
    sync = StateSync(store, work.states, ctx.region)
    sync.register(work.designs, {(env.name, app.name): generation(app) for env in work.designs for app in env.apps})
    ctx = replace(ctx, memory=sync, recall=sync.start_recall(controllers, full_read=work.full_read))
    report = converge(controllers, work.designs, ctx, timeout=timeout, sleep=sleep, on_pass=on_pass,
                      extra=work.extra, recorder=sync, store=sync.conditions,
                      failed_revisions=sync.failed_revisions(controllers))
    gone = gone_apps(report.last_plan, work.leaving) if report.converged else set()
    sync.finish(outcomes_of(report, work.designs), gone)
    return report


def deletion_work(controllers: Sequence[Controller], ctx: Context, states: Mapping[str, EnvironmentState],
                  leaving: Mapping[str, Mapping[str, AppDesign | None]], reason: str) -> list[Resource]:
    """Every resource of the leaving apps; each environment's shared resources too when no app
    remains there (by the state store and by what ECS runs)."""
    extra: list[Resource] = []
    for environment, apps in sorted(leaving.items()):
        state = states.get(environment) or EnvironmentState(environment)
        known = known_apps(state) - set(apps)
        running = _running_apps(controllers, ctx, environment) - set(apps) - known
        location = next((a.loaded and a.translation.location for a in apps.values() if a is not None), None)
        # What the remaining apps need; an app ECS runs that the state store does not know needs everything.
        needs = [_needs_of(state, a) for a in sorted(known)] + [AppNeeds(a, 3, True, True) for a in sorted(running)]
        extra += prune.leaving(controllers, environment, apps, list(state.inventory),
                               environment_goes=not (known | running), reason=reason, location=location, remaining=needs)
    return extra


def _running_apps(controllers: Sequence[Controller], ctx: Context, environment: str) -> set[str]:
    """Apps that kinds able to tell (ECS services) see running in the environment: a safety
    net for apps the state store does not know."""
    apps: set[str] = set()
    for controller in controllers:
        ask = getattr(controller, "apps_in_environment", None)
        if ask is not None:
            apps |= ask(environment, ctx)
    return apps


def run_delete(controllers: Sequence[Controller], ctx: Context, store: StateStore | None,
               states: Mapping[str, EnvironmentState], extra: Sequence[Resource], leaving: set[tuple[str, str]],
               *, timeout: float, sleep: Callable[[float], None] = time.sleep,
               on_pass: Callable[..., None] | None = None) -> ConvergeReport:
    """A plan of deletes, run by the same executor as a converge."""
    sync = StateSync(store, states, ctx.region) if store is not None else None
    kwargs: dict[str, Any] = {"recorder": sync, "store": sync.conditions} if sync else {}
    ctx = replace(ctx, memory=sync) if sync else ctx
    report = converge(controllers, [], ctx, timeout=timeout, sleep=sleep, on_pass=on_pass, extra=extra,
                      observe_retained=True, **kwargs)
    if sync is not None:
        sync.finish({}, gone_apps(report.last_plan, leaving) if report.converged else set())
    return report


def delete_apps(controllers: Sequence[Controller], designs: Sequence[EnvironmentDesign], ctx: Context,
                store: StateStore | None, *, timeout: float, sleep: Callable[[float], None] = time.sleep,
                dry_run: bool = False) -> ConvergeReport | Plan:
    """`reconcile delete`: everything the specs' apps own, in reverse dependency order; each
    environment's shared resources when no app remains in it. A plan when `dry_run`."""
    leaving = {env.name: {app.name: app for app in env.apps} for env in designs}
    if store is not None and not dry_run and not wait_for_table(store, timeout=timeout, sleep=sleep):
        store = None  # the table is not usable: delete by observation and ECS alone
    states = load_states(store, ctx, list(leaving), write=not dry_run) if store is not None else {}
    extra = deletion_work(controllers, ctx, states, leaving, prune.SPEC_DELETED)
    if dry_run:
        return plan_deletion(controllers, ctx, extra)
    gone = {(env, app) for env, apps in leaving.items() for app in apps}
    return run_delete(controllers, ctx, store, states, extra, gone, timeout=timeout, sleep=sleep)


def plan_deletion(controllers: Sequence[Controller], ctx: Context, extra: Sequence[Resource]) -> Plan:
    return make_plan(controllers, [], ctx, extra=extra, observe_retained=True)


def keys_of(resources: Iterable[Resource]) -> set[Key]:
    return {r.key for r in resources}
