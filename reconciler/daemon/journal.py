"""The event journal: one JSON line per AWS mutation the reconciler made (what, before -> after,
why: spec change, drift, prune, rollback), written to a file or stdout and kept for the last N
per app in the state table (`reconcile events`).

It is a Recorder around the state store's (StateSync): after each pass it reads the applied
changes off the plan and the executor's outcomes, so the engine needs no journal of its own.
Values are redacted (secret-like names and values) and shortened; sensitive fields read
`(sensitive)`.
"""
from __future__ import annotations

import json
import threading
from datetime import datetime, timezone
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TextIO

import structlog

from reconciler.logging import REDACTED, redact
from reconciler.recorder import Recorder
from reconciler.resource import Key, Resource
from reconciler.state.store import Put, StateConflict, StateStore, from_dynamo, to_dynamo

log = structlog.get_logger("reconciler.daemon")

KEEP = 50  # events kept per app in the state table
VALUE_LIMIT = 300  # characters of a before/after value kept in an event


def events_partition(environment: str) -> str:
    return f"events#{environment}"


def _short(value: Any) -> Any:
    value = redact(value)
    text = json.dumps(value, sort_keys=True, default=str)
    return value if len(text) <= VALUE_LIMIT else text[:VALUE_LIMIT] + "..."


def why_of(action: str, reason: str, resource: Resource | None, spec_changed: bool) -> str:
    if action == "delete" and resource is not None and resource.prune_reason:
        return "prune"
    if "rollback" in reason or "rolled back" in reason:
        return "rollback"
    return "spec change" if spec_changed else "drift"


class Journal:
    def __init__(self, sink: TextIO | None, store: StateStore | None, replica: str, *, keep: int = KEEP) -> None:
        self.sink = sink
        self.store = store
        self.replica = replica
        self.keep = keep
        self._lock = threading.Lock()

    def record(self, events: Sequence[dict[str, Any]]) -> None:
        if not events:
            return
        if self.sink is not None:
            with self._lock:
                for event in events:
                    self.sink.write(json.dumps(event, sort_keys=True, default=str) + "\n")
                self.sink.flush()
        if self.store is not None:
            by_scope: dict[tuple[str, str], list[dict[str, Any]]] = {}
            for event in events:
                by_scope.setdefault((event["environment"], event.get("app") or "-"), []).append(event)
            for (environment, app), found in sorted(by_scope.items()):
                self._keep(environment, app, found)

    def _keep(self, environment: str, app: str, events: list[dict[str, Any]]) -> None:
        assert self.store is not None
        lines = [json.dumps(e, sort_keys=True, default=str) for e in events]
        for _ in range(3):
            old = read_events(self.store, environment, app)
            version = old[1]
            kept = (old[0] + lines)[-self.keep:]
            try:
                self.store.write([Put({"pk": events_partition(environment), "sk": app, "type": "events",
                                       "events": kept}, version)])
                return
            except StateConflict:
                continue
        log.warning("journal_not_kept", environment=environment, app=app, events=len(lines))


def read_events(store: StateStore, environment: str, app: str) -> tuple[list[str], int]:
    """The kept event lines of an app ("-": its environment's shared resources) and the item's version."""
    answer = store.client.get_item(TableName=store.name, ConsistentRead=True,
                                   Key=to_dynamo({"pk": events_partition(environment), "sk": app}))
    item = from_dynamo(answer["Item"]) if answer.get("Item") else {}
    return list(item.get("events") or []), int(item.get("version", 0))


class JournalRecorder:
    """Wraps the state store's Recorder; after each pass journals what was applied."""

    def __init__(self, inner: Recorder, journal: Journal, *, spec_changed: Callable[[str, str | None], bool],
                 commit: str = "", on_event: Callable[[dict[str, Any]], None] | None = None) -> None:
        self.inner = inner
        self.journal = journal
        self.spec_changed = spec_changed
        self.commit = commit
        self.on_event = on_event

    def before_create(self, resources: Sequence[Resource]) -> dict[Key, str]:
        return self.inner.before_create(resources)

    def created(self, resource: Resource, outputs: Mapping[str, Any]) -> None:
        self.inner.created(resource, outputs)

    def create_refused(self, resource: Resource) -> None:
        self.inner.create_refused(resource)

    def recent_create(self, key: Key) -> float | None:
        return self.inner.recent_create(key)

    def __getattr__(self, name: str) -> Any:
        # Whatever else the Recorder protocol grows is the state store's business: pass it on.
        return getattr(self.inner, name)

    def after_pass(self, plan: Any, result: Any, status: Any) -> None:
        events = list(self.events_of(plan, result))
        for event in events:
            if self.on_event is not None:
                self.on_event(event)
        self.journal.record(events)
        self.inner.after_pass(plan, result, status)

    def events_of(self, plan: Any, result: Any) -> Iterable[dict[str, Any]]:
        if result is None:
            return
        for change in plan.pending:
            key = change.key
            outcome = result.outcomes.get(key) if key is not None else None
            if key is None or outcome is None or outcome.status != "applied":
                continue
            resource = plan.resources.get(key)
            event = {
                "time": datetime.now(timezone.utc).isoformat(timespec="milliseconds"), "replica": self.journal.replica, "environment": key.environment,
                "app": key.app or "", "kind": key.kind, "resource": str(key), "action": change.action,
                "why": why_of(change.action, change.reason, resource, self.spec_changed(key.environment, key.app)),
                "reason": change.reason,
                "changes": [{"path": c.path, "before": REDACTED if c.sensitive else _short(c.old),
                             "after": REDACTED if c.sensitive else _short(c.new)} for c in change.changes[:20]],
            }
            if self.commit:
                event["commit"] = self.commit
            yield event
