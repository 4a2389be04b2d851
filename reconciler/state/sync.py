"""Keeps the state table in step with a run: the executor's Recorder.

- Before creates: a create-pending entry per resource, with its creation token (reused while a
  pending entry exists, so retries and the next process make the same request).
- After every pass: the inventory (what exists now, with physical ids; entries of what is gone
  removed) and the conditions (written only when they changed: times move only on transitions).
- Around a run: the apps' records (requirements, spec path, generation, last outcome).
Only what changed is written, in one transaction per environment when anything did.
"""
from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any

import structlog

from reconciler.conditions import ConditionStore, now_iso
from reconciler.design import EnvironmentDesign
from reconciler.resource import Key, Resource
from reconciler.state.records import (
    CREATED,
    PENDING,
    AppRecord,
    ConditionsRecord,
    EnvironmentState,
    FactsRecord,
    InventoryEntry,
    ResourceStatus,
    StoredCondition,
    app_sort_key,
    conditions_sort_key,
    partition,
)
from reconciler.state.recall import Recall, fingerprint
from reconciler.state.store import Put, Remove, StateConflict, StateStore, applied

log = structlog.get_logger("reconciler.state")

Operations = list[Put | Remove]


OPERATION_PREFIX = "operation:"


def physical_id(outputs: Mapping[str, Any]) -> str:
    """What identifies the resource in AWS; for an asynchronous create not finished yet, the
    operation that makes it (`operation:<id>`: Cloud Map's CreatePrivateDnsNamespace)."""
    for name in ("arn", "id", "name", "client_id"):
        if outputs.get(name):
            return str(outputs[name])
    if outputs.get("operation_id"):
        return OPERATION_PREFIX + str(outputs["operation_id"])
    ids = outputs.get("ids")
    return ",".join(ids) if isinstance(ids, list) else ""


class StateSync:
    def __init__(self, store: StateStore, states: Mapping[str, EnvironmentState], region: str) -> None:
        self.store = store
        self.states: dict[str, EnvironmentState] = dict(states)
        self.region = region
        self.conditions = ConditionStore()
        self._created: dict[Key, str] = {}
        self._refused: set[Key] = set()
        self.recall: Recall | None = None
        for state in self.states.values():
            seed_conditions(self.conditions, state)

    def start_recall(self, controllers: Iterable[Any], *, full_read: bool = False) -> Recall:
        """Let the run's passes skip the reads the state store proves unneeded (see recall.py)."""
        kinds = [c.kind for c in controllers if getattr(c, "recallable", False)]
        self.recall = Recall(self.states, kinds, full_read=full_read)
        return self.recall

    # --- Recorder -------------------------------------------------------------------------

    def before_create(self, resources: Sequence[Resource]) -> dict[Key, str]:
        tokens: dict[Key, str] = {}
        for resource in resources:
            entry = self._state(resource.key.environment).inventory.get(resource.key)
            reuse = entry is not None and entry.status == PENDING and entry.token
            tokens[resource.key] = entry.token if reuse and entry is not None else uuid.uuid4().hex
        for environment in sorted({r.key.environment for r in resources}):

            def pending(state: EnvironmentState, environment: str = environment) -> Operations:
                ops: Operations = []
                for resource in resources:
                    key = resource.key
                    if key.environment != environment:
                        continue
                    entry = state.inventory.get(key)
                    if entry is not None and entry.status == PENDING and entry.token == tokens[key]:
                        continue
                    # The last physical id stays: an asynchronous create's operation can be asked about.
                    marker = InventoryEntry(key, entry.physical_id if entry else "", self.region, PENDING, tokens[key],
                                            now_iso())
                    ops.append(Put(marker.as_item(), entry.version if entry else 0))
                return ops

            self._commit(environment, pending)
        return tokens

    def created(self, resource: Resource, outputs: Mapping[str, Any]) -> None:
        self._created[resource.key] = physical_id(outputs)

    def create_refused(self, resource: Resource) -> None:
        """AWS refused the create (a 4xx): it did not run, nothing can be appearing."""
        self._refused.add(resource.key)

    def recent_create(self, key: Key) -> float | None:
        entry = self._state(key.environment).inventory.get(key)
        if entry is None or entry.status not in (PENDING, CREATED) or not entry.since:
            return None
        return max(0.0, time.time() - _epoch(entry.since))

    def recorded(self, key: Key) -> InventoryEntry | None:
        """The inventory entry of `key` (Context.recorded): its physical id and creation token."""
        state = self.states.get(key.environment)
        return None if state is None else state.inventory.get(key)

    def after_pass(self, plan: Any, result: Any, status: Any) -> None:
        environments = sorted({k.environment for k in plan.resources})
        for environment in environments:
            self._commit(environment, lambda state, e=environment: self._pass_writes(state, e, plan, result, status))
        self._created.clear()
        self._refused.clear()

    def failed_revisions(self, controllers: Iterable[Any]) -> dict[Key, str]:
        return failed_revisions(self.states, controllers)

    # --- around a run ---------------------------------------------------------------------

    def register(self, designs: Iterable[EnvironmentDesign], generations: Mapping[tuple[str, str], str],
                 commits: Mapping[tuple[str, str], str] | None = None) -> None:
        """Record each app's requirements before anything changes, so a run of another app of
        the environment (another process, another CI job) derives the shared resources from it."""
        for env in designs:

            def writes(state: EnvironmentState, env: EnvironmentDesign = env) -> Operations:
                ops: Operations = []
                for app in env.apps:
                    old = state.apps.get(app.name)
                    generation = generations.get((env.name, app.name), "")
                    # A failed revision is held until the spec or its source changes.
                    failed = old.failed_revision if old and old.generation == generation else ""
                    new = AppRecord(env.name, app.name, app.needs, app.spec_path, generation,
                                    old.last_pass if old else "", old.outcome if old else "",
                                    old.suspended if old else False, old.rollback_pin if old else "",
                                    failed, old.version if old else 0,
                                    (commits or {}).get((env.name, app.name), old.commit if old else ""),
                                    old.recalls if old else 0)
                    if old is None or old.content() != new.content():
                        ops.append(Put(new.as_item(), new.version))
                return ops

            self._commit(env.name, writes)

    def finish(self, outcomes: Mapping[tuple[str, str], str], gone: Iterable[tuple[str, str]] = ()) -> None:
        """The apps' last pass and outcome; the records of apps that are gone, removed."""
        gone = set(gone)
        for environment in sorted({e for e, _ in outcomes} | {e for e, _ in gone}):

            def writes(state: EnvironmentState, environment: str = environment) -> Operations:
                ops: Operations = []
                for (env, app), outcome in sorted(outcomes.items()):
                    old = state.apps.get(app)
                    if env != environment or old is None or (env, app) in gone:
                        continue
                    recalled = self.recall is not None and (env, app) in self.recall.recalled_apps
                    new = AppRecord(**{**old.__dict__, "last_pass": now_iso(), "outcome": outcome,
                                       "recalls": old.recalls + 1 if recalled else 0})
                    ops.append(Put(new.as_item(), old.version))
                leaving = {app for env, app in gone if env == environment}
                for app in sorted(leaving):
                    if app in state.apps:
                        ops.append(Remove(partition(environment), app_sort_key(app), state.apps[app].version))
                    if app in state.conditions:
                        ops.append(Remove(partition(environment), conditions_sort_key(app), state.conditions[app].version))
                if leaving and not set(state.apps) - leaving and not state.inventory and None in state.conditions:
                    # The environment is gone with its last app: its shared resources' status too.
                    ops.append(Remove(partition(environment), conditions_sort_key(None), state.conditions[None].version))
                elif state.apps.keys() - leaving:
                    ops.extend(self._facts_writes(state))
                return ops

            self._commit(environment, writes)

    # --- internals ------------------------------------------------------------------------

    def _facts_writes(self, state: EnvironmentState) -> Operations:
        """The account's immutable facts this process learnt, kept for the next command."""
        known = getattr(self.store.aws, "known_facts", dict)()
        old = state.facts
        values = {**(old.values if old else {}), **known}
        if not known or (old is not None and old.values == values):
            return []
        record = FactsRecord(state.environment, values, old.version if old else 0)
        return [Put(record.as_item(), record.version)]

    def _state(self, environment: str) -> EnvironmentState:
        if environment not in self.states:
            self.states[environment] = self.store.load(environment)
        return self.states[environment]

    def _commit(self, environment: str, compute: Callable[[EnvironmentState], Operations], attempts: int = 4) -> None:
        state = self._state(environment)
        for attempt in range(attempts):
            ops = compute(state)
            if not ops:
                return
            try:
                self.store.write(ops)
                self.states[environment] = applied(state, ops)
                return
            except StateConflict:
                log.info("state_write_conflict", environment=environment, attempt=attempt + 1)
                state = self.states[environment] = self.store.load(environment)
        raise StateConflict(f"the state of environment {environment!r} kept changing under us; run again")

    def _pass_writes(self, state: EnvironmentState, environment: str, plan: Any, result: Any, status: Any) -> Operations:
        ops: Operations = []
        deleted = result.deleted if result is not None else set()
        for key, resource in plan.resources.items():
            if key.environment != environment:
                continue
            entry = state.inventory.get(key)
            observation = plan.observations[key]
            if key in self._created:
                new = InventoryEntry(key, self._created[key], self.region, CREATED, entry.token if entry else "",
                                     now_iso(), entry.version if entry else 0)
            elif observation.exists and key not in deleted and not (resource.prune_reason and resource.ensure == "retain"):
                new = InventoryEntry(key, physical_id(observation.outputs), self.region, CREATED,
                                     entry.token if entry else "", entry.since if entry else now_iso(),
                                     entry.version if entry else 0)
            elif entry is not None and key in self._refused:
                ops.append(Remove(entry.as_item()["pk"], entry.as_item()["sk"], entry.version))
                continue
            elif entry is not None and (observation.exists or resource.ensure == "present"):
                # Being deleted (gone once observed gone); or wanted and not listed: appearing
                # (read-after-create lag, a lost answer) or gone behind our back. The executor
                # tells which by the entry's age; the next create rewrites it.
                continue
            elif entry is not None:
                ops.append(Remove(entry.as_item()["pk"], entry.as_item()["sk"], entry.version))
                continue
            else:
                continue
            if entry is None or entry.content() != new.content():
                ops.append(Put(new.as_item(), new.version))
        ops.extend(self._condition_writes(state, environment, status, self._observed_marks(state, plan, result)))
        ops.extend(self._failed_revision_writes(state, environment, plan, status))
        return ops

    def _observed_marks(self, state: EnvironmentState, plan: Any, result: Any) -> dict[Key, dict[str, str]]:
        """For the recallable resources: what their last read found in sync (recall.py). A read
        now in sync and Ready marks it; a recalled one keeps its mark; anything else clears it."""
        if self.recall is None:
            return {}
        marks: dict[Key, dict[str, str]] = {}
        actions = {c.key: c.action for c in plan.changes}
        outcomes = result.outcomes if result is not None else {}
        for key, resource in plan.resources.items():
            if key.kind not in self.recall.kinds or key.app is None or key.environment != state.environment:
                continue
            observation = plan.observations[key]
            old = state.conditions.get(key.app)
            kept = old.resources.get(key) if old is not None else None
            if observation.recalled_at:
                marks[key] = dict(kept.observed) if kept is not None else {}
            elif (observation.exists and observation.ready and not observation.failed and actions.get(key) == "noop"
                  and resource.ensure == "present" and getattr(outcomes.get(key), "status", "unchanged") == "unchanged"):
                try:
                    marks[key] = {"hash": fingerprint(resource), "at": now_iso()}
                except Exception:  # noqa: BLE001 - a value not known yet: no mark, read it next time
                    marks[key] = {}
        return marks

    @staticmethod
    def _failed_revision_writes(state: EnvironmentState, environment: str, plan: Any, status: Any) -> Operations:
        """Record a revision whose rollout failed on its app; forget it once the app is Ready."""
        failed = {k.app: o.failed_revision for k, o in plan.observations.items()
                  if k.environment == environment and k.app and o.failed_revision}
        ops: Operations = []
        for app, record in sorted(state.apps.items()):
            ready = any(c.type == "Ready" and c.status for c in status.specs.get(f"{environment}/{app}", []))
            revision = failed.get(app) or ("" if ready else record.failed_revision)
            if revision != record.failed_revision:
                ops.append(Put(replace(record, failed_revision=revision).as_item(), record.version))
        return ops

    @staticmethod
    def _condition_writes(state: EnvironmentState, environment: str, status: Any,
                          marks: Mapping[Key, dict[str, str]] | None = None) -> Operations:
        scopes: dict[str | None, dict[Key, ResourceStatus]] = {}
        for key, conditions in status.resources.items():
            if key.environment == environment:
                outputs = _plain_outputs(status.outputs.get(key) or {})
                scopes.setdefault(key.app, {})[key] = ResourceStatus(key, _stored(conditions), outputs,
                                                                     (marks or {}).get(key, {}))
        ops: Operations = []
        for app, resources in scopes.items():
            old = state.conditions.get(app)
            scope = f"{environment}/{app}" if app else environment
            record = state.apps.get(app) if app else None
            new = ConditionsRecord(environment, app, _stored(status.specs.get(scope, [])), resources,
                                   record.generation if record else (old.observed_generation if old else ""),
                                   old.version if old else 0)
            if old is None or old.content() != new.content():
                ops.append(Put(new.as_item(), new.version))
        return ops


def failed_revisions(states: Mapping[str, EnvironmentState], controllers: Iterable[Any]) -> dict[Key, str]:
    """The revisions recorded as failed (rolled back), per resource of the kinds that deploy
    revisions: the plan holds them."""
    kinds = [c.kind for c in controllers if getattr(c, "rollout_field", "")]
    return {Key(kind, env, app): record.failed_revision for env, state in states.items()
            for app, record in state.apps.items() if record.failed_revision for kind in kinds}


def seed_conditions(store: ConditionStore, state: EnvironmentState) -> None:
    """Teach a ConditionStore when each recorded condition last changed status."""
    for record in state.conditions.values():
        for type_, condition in record.spec.items():
            store.seed(record.scope, type_, condition.status, condition.last_transition_time)
        for key, resource in record.resources.items():
            for type_, condition in resource.conditions.items():
                store.seed(str(key), type_, condition.status, condition.last_transition_time)


def _plain_outputs(outputs: Mapping[str, Any]) -> dict[str, Any]:
    """Outputs worth keeping for `status` (strings, numbers, lists of strings)."""
    kept: dict[str, Any] = {}
    for name, value in outputs.items():
        if isinstance(value, bool) or value is None:
            continue
        if isinstance(value, (str, int)) or (isinstance(value, list) and all(isinstance(v, str) for v in value)):
            kept[name] = value
    return kept


def _epoch(iso: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(iso).timestamp()


def _stored(conditions: Iterable[Any]) -> dict[str, StoredCondition]:
    return {c.type: StoredCondition(c.status, c.reason, c.message, c.last_transition_time) for c in conditions}
