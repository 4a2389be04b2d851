"""One pass of each kind of work the daemon schedules, each one plan + apply of the one executor
(`engine.converge` with timeout 0), with the state store and the journal:

- an app: its spec converged (its environment's shared resources changed only by the leader;
  other replicas observe them for their outputs);
- an environment (leader): the shared resources, derived from every app registered in it;
- a prune: an app whose spec left the source set, deleted in reverse order (only what carries
  our tags; the environment's shared resources too, by the leader, once no app remains).
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from reconciler import prune, workflow
from reconciler.controller import Context, Controller
from reconciler.daemon.journal import Journal, JournalRecorder
from reconciler.design import AppDesign, EnvironmentDesign
from reconciler.engine import ConvergeReport, converge
from reconciler.resource import Key, Resource
from reconciler.state import EnvironmentState, StateStore
from reconciler.state.sync import StateSync
from specs import AwsLocation


@dataclass
class PassContext:
    controllers: Sequence[Controller]
    ctx: Context
    store: StateStore
    location: AwsLocation
    journal: Journal
    commit: str = ""
    on_event: Callable[[dict[str, Any]], None] | None = None


def _one_pass(p: PassContext, designs: Sequence[EnvironmentDesign], sync: StateSync, *, extra: Sequence[Resource],
              spec_changed: Callable[[str, str | None], bool], leader: bool, observe_retained: bool = False) -> ConvergeReport:
    recorder = JournalRecorder(sync, p.journal, spec_changed=spec_changed, commit=p.commit, on_event=p.on_event)
    ctx = replace(p.ctx.new_pass(), recall=sync.recall)
    return converge(p.controllers, designs, ctx, timeout=0.0, extra=extra, recorder=recorder,
                    store=sync.conditions, failed_revisions=sync.failed_revisions(p.controllers),
                    observe_only=None if leader else _environment_level, observe_retained=observe_retained)


def _environment_level(key: Key) -> bool:
    return key.app is None


def scoped_states(p: PassContext, environment: str, app: str | None) -> dict[str, EnvironmentState]:
    """Every app's record, and the inventory and conditions of this app (None: none) and of the
    environment; the whole environment (rebuilt from tags if need be) when nothing is recorded."""
    scope = [f"res#{app}#"] if app else []
    state = p.store.load_parts(environment, ["app#", "res#-#", *scope], [f"cond#{app}"] * bool(app) + ["cond#-"])
    if state.empty:
        return workflow.load_states(p.store, p.ctx, [environment], write=True)
    return {environment: state}


def app_pass(p: PassContext, app: AppDesign, generation: str, *, leader: bool, spec_changed: bool) -> ConvergeReport:
    env = app.environment
    states = scoped_states(p, env, app.name)
    designs = workflow.with_environment_facts([EnvironmentDesign(env, (app,), p.location)], states, p.ctx)
    extra = [r for r in workflow.prune_resources(p.controllers, designs, states, set())
             if r.key.app == app.name or (leader and r.key.app is None)]
    sync = StateSync(p.store, states, p.ctx.region)
    sync.register(designs, {(env, app.name): generation}, {(env, app.name): p.commit})
    sync.start_recall(p.controllers)
    report = _one_pass(p, designs, sync, extra=extra, leader=leader, spec_changed=lambda e, a: spec_changed)
    sync.finish(workflow.outcomes_of(report, designs))
    return report


def environment_pass(p: PassContext, environment: str) -> ConvergeReport | None:
    """The shared resources of an environment (leader only), from every app registered in it.
    None when no app is registered there (nothing to build; a prune takes it away)."""
    states = scoped_states(p, environment, None)
    state = states[environment]
    if not workflow.known_apps(state):
        return None
    designs = workflow.with_environment_facts([EnvironmentDesign(environment, (), p.location)], states, p.ctx)
    wanted = {r.key for c in p.controllers for r in c.desired(designs[0])}
    by_kind = {c.kind: c for c in p.controllers}
    extra = [prune.unwanted(by_kind[k.kind], k, prune.NO_LONGER_IN_SPEC) for k in state.inventory
             if k.app is None and k not in wanted and k.kind in by_kind]
    sync = StateSync(p.store, states, p.ctx.region)
    return _one_pass(p, designs, sync, extra=extra, leader=True, spec_changed=lambda e, a: False)


def prune_pass(p: PassContext, environment: str, app: str, *, leader: bool) -> tuple[ConvergeReport, bool]:
    """One pass deleting an app whose spec is gone. Returns the report and whether it is gone."""
    states = workflow.load_states(p.store, p.ctx, [environment], write=True)
    state = states[environment]
    leaving = {environment: {app: None}}
    if leader:
        extra = workflow.deletion_work(p.controllers, p.ctx, states, leaving, prune.SPEC_REMOVED)
    else:
        # The environment's shared resources stay (observed, for their outputs): the leader's.
        extra = prune.leaving(p.controllers, environment, {app: None}, list(state.inventory),
                              environment_goes=False, reason=prune.SPEC_REMOVED)
    sync = StateSync(p.store, states, p.ctx.region)
    report = _one_pass(p, [], sync, extra=extra, leader=leader, spec_changed=lambda e, a: False,
                       observe_retained=True)
    gone = workflow.gone_apps(report.last_plan, {(environment, app)}) if report.converged else set()
    sync.finish({}, gone)
    return report, bool(gone)
