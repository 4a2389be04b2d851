"""Recall: skip the reads that have no batch form when the state store proves nothing changed.

Some kinds are read one resource at a time (IAM GetRole/GetRolePolicy, DescribeTaskDefinition,
API Gateway GetIntegrations/GetRoutes/GetStages, a bucket's five settings...): most of a no-op
pass's requests. A kind that declares `recallable = True` is not read in a pass when

- the last read of the resource (recorded with its conditions in the state store) found it in
  sync and Ready, for a desired state with the same fingerprint as now (the spec, its translation
  and every resolved reference: a changed spec, a new image, a recreated parent all change it);
- and the app is not due for a full read: every `every`-th pass of an app reads everything
  (`RECONCILE_FULL_READ_EVERY`, default 10; 1 turns recall off; `--full-read` forces one), so drift
  behind our back is still found, a few passes later instead of at once.

A recalled resource is planned as "in sync" with the outputs recorded at its last read; `status`
says how old that read is. Only app-level resources are recalled (the pass count is the app's).
"""
from __future__ import annotations

import hashlib
import json
import os
import threading
from collections.abc import Iterable, Mapping
from typing import Any

from reconciler.resource import UNKNOWN, Observation, Resource
from reconciler.state.records import EnvironmentState

EVERY_ENV = "RECONCILE_FULL_READ_EVERY"
DEFAULT_EVERY = 10


def full_read_every() -> int:
    setting = os.environ.get(EVERY_ENV, "")
    return max(1, int(setting)) if setting.isdigit() else DEFAULT_EVERY


def fingerprint(resource: Resource) -> str:
    """What the last read was compared with: the resolved desired state, its tags and adoption."""
    document = {"desired": resource.desired, "tags": resource.tags, "adopt": resource.adopt}
    text = json.dumps(document, sort_keys=True, default=_plain)
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def _plain(value: Any) -> Any:
    if value is UNKNOWN:
        raise _Unknown
    return str(value)


class _Unknown(Exception):
    """A desired value not known yet: nothing to compare with, read it."""


class Recall:
    """The recall decisions of one run, from the states it read (shared by its passes)."""

    def __init__(self, states: Mapping[str, EnvironmentState], kinds: Iterable[str], *, every: int | None = None,
                 full_read: bool = False) -> None:
        self.states = states
        self.kinds = frozenset(kinds)
        self.every = every if every is not None else full_read_every()
        self.full_read = full_read or self.every <= 1
        self._lock = threading.Lock()
        self.recalled_apps: set[tuple[str, str]] = set()

    def due(self, environment: str, app: str) -> bool:
        """Does this pass of the app read everything?"""
        state = self.states.get(environment)
        record = state.apps.get(app) if state is not None else None
        return self.full_read or record is None or record.recalls + 1 >= self.every

    def observation(self, resource: Resource, declared_outputs: Iterable[str] = ()) -> Observation | None:
        """The recalled observation of `resource`, or None when it must be read."""
        key = resource.key
        if key.kind not in self.kinds or key.app is None or resource.ensure != "present":
            return None
        if self.due(key.environment, key.app):
            return None
        state = self.states.get(key.environment)
        record = state.conditions.get(key.app) if state is not None else None
        status = record.resources.get(key) if record is not None else None
        if status is None or not status.observed or not all(c.status for c in status.conditions.values()):
            return None
        if any(status.outputs.get(name) is None for name in declared_outputs):
            return None  # an output a dependent may need was not kept: read it
        try:
            if status.observed.get("hash") != fingerprint(resource):
                return None
        except _Unknown:
            return None
        with self._lock:
            self.recalled_apps.add((key.environment, key.app))
        return Observation(exists=True, outputs=dict(status.outputs), tags=dict(resource.tags),
                           recalled_at=status.observed.get("at", ""))
