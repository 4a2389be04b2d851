"""Conditions per resource and per spec, derived afresh from every pass (ACK, Flux): `Ready`
and `Synced`, each with status, reason, message and the time it last changed status."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from reconciler.conditions import Condition, ConditionStore
from reconciler.executor import ApplyResult, Outcome
from reconciler.plan import Change, Plan, Problem
from reconciler.resource import Key


@dataclass
class Status:
    """Conditions per resource and per spec after a pass."""

    resources: dict[Key, list[Condition]]
    specs: dict[str, list[Condition]]
    outputs: dict[Key, Mapping[str, Any]]

    def all_ready(self) -> bool:
        return all(c.status for conds in self.specs.values() for c in conds if c.type in ("Ready", "Synced"))


def derive_status(plan: Plan, result: ApplyResult | None, store: ConditionStore) -> Status:
    per_resource: dict[Key, list[Condition]] = {}
    per_spec: dict[str, list[tuple[bool, bool, str]]] = {}
    rollouts: dict[str, list[tuple[str, str]]] = {}
    problems = {p.key: p for p in plan.problems}
    watched = getattr(plan, "observe_only", set())
    for change in plan.changes:
        key = change.key
        assert key is not None
        if key in watched:
            continue  # observed for its outputs; its status is its owner's to tell
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
        rollout = _rollout_conditions(store, subject, observation, wanted and observation.exists and not is_ready)
        per_resource[key] += rollout
        per_spec.setdefault(key.scope, []).append((is_ready, synced, f"{key}: {ready_msg or synced_msg}".rstrip(": ")))
        rollouts.setdefault(key.scope, []).extend((c.type, f"{key}: {c.message}") for c in rollout)
    specs: dict[str, list[Condition]] = {}
    for scope, rows in per_spec.items():
        not_ready = [m for r, _, m in rows if not r]
        not_synced = [m for _, s, m in rows if not s]
        specs[scope] = [
            store.set(scope, "Ready", not not_ready, "AllResourcesReady" if not not_ready else "ResourcesNotReady",
                      "; ".join(not_ready[:5])),
            store.set(scope, "Synced", not not_synced, "InSync" if not not_synced else "OutOfSync", "; ".join(not_synced[:5])),
        ]
        for type_, reason in (("Progressing", "ResourcesProgressing"), ("Degraded", "ResourcesDegraded")):
            messages = [m for t, m in rollouts.get(scope, []) if t == type_]
            condition = store.set(scope, type_, bool(messages), reason, "; ".join(messages[:5]))
            if messages:
                specs[scope].append(condition)
    outputs = {k: o.outputs for k, o in plan.observations.items() if o.exists}
    if result is not None:
        outputs.update(result.produced)
        for key in result.deleted:
            outputs.pop(key, None)
    return Status(per_resource, specs, outputs)


def _rollout_conditions(store: ConditionStore, subject: str, observation: Any, moving: bool) -> list[Condition]:
    """`Progressing` (on its way: a rollout in progress) and `Degraded` (failed in a way waiting
    will not fix: a rollout rolled back), present only while True (kstatus's abnormal-true
    polarity), so a healthy resource shows only Ready and Synced. The store is told either way,
    so the time of the last transition stays true."""
    degraded = moving and observation.failed
    progressing = moving and not observation.failed
    reason = "RolledBack" if observation.failed_revision else "Failed"
    found = [store.set(subject, "Progressing", progressing, "InProgress", observation.message if progressing else ""),
             store.set(subject, "Degraded", degraded, reason, observation.message if degraded else "")]
    return [c for c in found if c.status]


def _synced(change: Change, outcome: Outcome | None, problem: Problem | None, applied: bool) -> tuple[bool, str, str]:
    if problem is not None:
        return False, problem.reason, problem.message
    if change.action == "noop":
        return True, "InSync", ""
    if not applied or outcome is None:
        return False, "ChangesPending", f"{change.action}: {', '.join(c.path for c in change.changes[:6]) or change.reason}"
    if outcome.status == "applied":
        return True, "Applied", ""
    return False, outcome.status.capitalize(), outcome.message
