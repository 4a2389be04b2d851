"""The app facts the state store keeps for delivery (rollback pin, suspended), read into the
designs before a run, and written by `reconcile rollback` / `suspend` / `resume`."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from reconciler.design import AppFacts, EnvironmentDesign
from reconciler.state import EnvironmentState, Put, StateStore
from reconciler.state.records import AppRecord

SUSPENDED = "suspended (`reconcile resume SPEC` brings it back)"


def apply(designs: Sequence[EnvironmentDesign], states: Mapping[str, EnvironmentState], *,
          skip_secrets: bool = False) -> tuple[list[EnvironmentDesign], dict[str, str]]:
    """The designs with each app's facts; suspended apps left out (they are not reconciled), and
    every suspended app of these environments, spec at hand or not, returned as "env/app" -> why
    (held: never pruned; suspending is an operator's explicit "leave it alone")."""
    result: list[EnvironmentDesign] = []
    suspended: dict[str, str] = {}
    for env in designs:
        state = states.get(env.name) or EnvironmentState(env.name)
        apps = []
        for app in env.apps:
            record = state.apps.get(app.name)
            if record is not None and record.suspended:
                suspended[f"{env.name}/{app.name}"] = SUSPENDED
                continue
            facts = AppFacts(record.rollback_pin if record else "", False, skip_secrets)
            apps.append(replace(app, facts=facts) if facts != app.facts else app)
        result.append(replace(env, apps=tuple(apps)))
        suspended.update((f"{env.name}/{name}", SUSPENDED) for name, record in state.apps.items() if record.suspended)
    return result, suspended


def record(store: StateStore, environment: str, app: str) -> AppRecord | None:
    return store.load(environment).apps.get(app)


def update_record(store: StateStore, environment: str, app: str, **changes: object) -> AppRecord:
    """Change fields of an app's record (conditional on its version; re-read on a lost race)."""
    written: list[AppRecord] = []

    def compute(state: EnvironmentState) -> list[Put]:
        old = state.apps.get(app)
        if old is None:
            raise LookupError(f"{environment}/{app} has no record in the state table {store.name}: "
                              "converge it first (`reconcile --once SPEC`)")
        new = replace(old, **changes)  # type: ignore[arg-type]
        written[:] = [new]
        return [] if new.content() == old.content() else [Put(new.as_item(), old.version)]

    store.update(environment, compute)
    return written[0]
