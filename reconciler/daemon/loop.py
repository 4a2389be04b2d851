"""`reconcile run`: the continuous reconcile loop.

Work items are apps (one pass converges one app), environments (the leader's: shared
resources) and prunes (apps whose spec left the source set). Each item has its own schedule:
the interval with jitter once Ready; the engine's requeue interval while waiting on AWS; a
jittered exponential backoff after errors; at once when its files change or `reconcile trigger`
asks. A replica works only on the items of the shards it leases (the leader also on the
environments), one pass at a time, so exactly one replica acts on an app at a time.

Threads: the loop (passes), the lease keeper (heartbeat, renewals, takeovers; it wakes the loop
when leases change), the file watcher, the metrics server. SIGTERM/SIGINT: the pass in progress
finishes (a second signal abandons it at its next AWS call: every step is idempotent), leases
are released, exit 0.
"""
from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import structlog
from botocore.exceptions import BotoCoreError, ClientError

from reconciler import workflow
from reconciler.daemon import passes
from reconciler.daemon.leases import LEADER, Leases, shard_of
from reconciler.daemon.metrics import Metrics
from reconciler.daemon.specs_at_hand import SpecsAtHand, read_specs
from reconciler.daemon.triggers import pending_triggers, remove_trigger
from reconciler.engine import ConvergeReport, aws_message
from reconciler.state.store import FenceLost, StateConflict, StateNotReady

log = structlog.get_logger("reconciler.daemon")

Item = tuple[str, str, str]  # ("app" | "env" | "prune", environment, app or "")
READ_ONLY = ("Describe", "List", "Get", "Query", "Scan", "BatchGet", "Search", "Lookup", "Discover")


@dataclass
class Options:
    interval: float = 60.0
    jitter: float = 0.1  # +- this fraction of the interval
    prune: bool = True
    max_backoff: float = 300.0
    settle: float = 1.0  # look again this soon after applying changes


@dataclass
class Schedule:
    due: float
    failures: int = 0
    settled: str = ""  # the generation last converged Ready (changes since are "spec change")
    last: str = ""  # outcome of the last pass


@dataclass
class Daemon:
    source: Any
    pass_context: passes.PassContext
    leases: Leases
    metrics: Metrics
    options: Options = field(default_factory=Options)
    clock: Callable[[], float] = time.monotonic

    def __post_init__(self) -> None:
        self.stop = threading.Event()
        self.abandon = threading.Event()
        self.wake = threading.Event()
        self.files_changed = threading.Event()
        self.schedule: dict[Item, Schedule] = {}
        self.specs = SpecsAtHand()
        self.environments: set[str] = set()
        self.first_round = False
        self.last_tick = self.clock()
        self.lease_ok = self.clock()
        self._guard = threading.local()
        self._triggers: set[str] = set()
        self._trigger_lock = threading.Lock()
        self.pass_context.on_event = self._count_event
        self.pass_context.ctx.aws.keep_requests = False
        self.pass_context.ctx.aws.on("before-call", self._guard_mutation)
        self.pass_context.ctx.aws.on("after-call", self.metrics.after_call)
        self.pass_context.ctx.aws.on("needs-retry", self.metrics.needs_retry)

    # --- the loop -------------------------------------------------------------------------

    def run(self) -> int:
        keeper = threading.Thread(target=self._keep_leases, name="leases", daemon=True)
        keeper.start()
        self.reload()
        next_rescan = self.clock() + self._rescan_every
        try:
            while not self.stop.is_set():
                self.last_tick = self.clock()
                if self.source.refresh() or self.files_changed.is_set() or self.clock() >= next_rescan:
                    self.files_changed.clear()
                    next_rescan = self.clock() + self._rescan_every
                    try:
                        self.reload()
                    except (ClientError, BotoCoreError, StateNotReady) as error:
                        log.warning("specs_not_reloaded", error=aws_message(error))
                        next_rescan = self.clock() + min(self.options.interval, 5.0)
                self._take_triggers()
                item = self._next_item()
                if item is None:
                    self.first_round = self.first_round or bool(self.leases.held_shards())
                    self.wake.wait(self._idle_wait())
                    self.wake.clear()
                    continue
                self._run_item(item)
        finally:
            self.stop.set()
            keeper.join(timeout=self.leases.duration)
            self.leases.release_all()
        return 0

    @property
    def _rescan_every(self) -> float:
        """The specs are read again on every file event; this is the safety net (a missed event,
        an edit the watcher cannot see), not the way changes normally arrive."""
        return max(self.options.interval, 30.0)

    def request_stop(self) -> None:
        if self.stop.is_set():
            self.abandon.set()  # second signal: abandon the pass at its next AWS call
        self.stop.set()
        self.wake.set()

    def _idle_wait(self) -> float:
        now = self.clock()
        owned = [s.due for item, s in self.schedule.items() if self._owner_fences(item)]
        return max(0.05, min([1.0] + [d - now for d in owned]))

    # --- what there is to do --------------------------------------------------------------

    def reload(self) -> None:
        """Re-read the specs; schedule what is new or changed now, and prunes of what left."""
        store = self.pass_context.store
        found = read_specs(self.source.roots(), self.pass_context.location, self.specs)
        self.specs = found
        self.environments |= found.environments
        # Records and inventory keys tell which apps an environment has (conditions are not needed).
        states = {env: store.load_parts(env, ["app#", "res#"]) for env in sorted(self.environments)}
        found.hold(states)
        now = self.clock()
        wanted: set[Item] = set()
        for (env, app), entry in found.apps.items():
            item = ("app", env, app)
            wanted.add(item)
            schedule = self.schedule.get(item)
            if schedule is None:
                record = states.get(env).apps.get(app) if env in states else None
                settled = record.generation if record and record.outcome == "Ready" else ""
                self.schedule[item] = Schedule(now, settled=settled)
            elif entry.changed:
                schedule.due, schedule.failures = min(schedule.due, now), 0  # never later: no starving
        for env in found.environments:
            wanted.add(("env", env, ""))
            self.schedule.setdefault(("env", env, ""), Schedule(now - 1))
        if self.options.prune and found.attributed:
            for env in sorted(self.environments):
                for app in sorted(workflow.known_apps(states[env]) - found.names_in(env)):
                    if f"{env}/{app}" not in found.held:
                        wanted.add(("prune", env, app))
                        self.schedule.setdefault(("prune", env, app), Schedule(now))
        for item in set(self.schedule) - wanted:
            del self.schedule[item]
        self.metrics.apps_total.set(len(found.apps))
        self.metrics.apps.labels("Held").set(len(found.held))
        for problem in found.reported():
            log.warning("spec_held", problem=problem)

    def _next_item(self) -> Item | None:
        now = self.clock()
        due = sorted((s.due, item) for item, s in self.schedule.items() if s.due <= now and self._owner_fences(item))
        self.metrics.queue_depth.set(len(due))
        return due[0][1] if due else None

    def _owner_fences(self, item: Item) -> tuple[Any, ...]:
        kind, env, app = item
        if kind == "env":
            fence = self.leases.fence(LEADER)
            return (fence,) if fence else ()
        fence = self.leases.fence(shard_of(env, app, self.leases.shards))
        if fence is None:
            return ()
        leader = self.leases.fence(LEADER)
        return (fence, leader) if leader else (fence,)

    # --- one pass -------------------------------------------------------------------------

    def _run_item(self, item: Item) -> None:
        kind, env, app = item
        schedule = self.schedule[item]
        fences = self._owner_fences(item)
        leader = any(f.sk == LEADER for f in fences)
        shard = fences[0].sk
        store = self.pass_context.store
        self.leases.busy.add(shard)
        store.fences, self._guard.fences = fences, fences
        started = self.clock()
        label = app or f"env:{env}"
        try:
            report, done = self._pass(kind, env, app, leader, schedule)
            outcome = self._reschedule(schedule, report, done)
        except FenceLost as error:
            log.warning("pass_abandoned_lease_lost", item="/".join(item), error=str(error))
            schedule.due, outcome = self.clock(), "LeaseLost"
        except Exception as error:  # noqa: BLE001 - one app's trouble never stops the others
            schedule.failures += 1
            schedule.due = self.clock() + self._backoff(schedule.failures)
            outcome = "Error"
            known = isinstance(error, (ClientError, BotoCoreError, StateConflict, StateNotReady))
            log.warning("pass_failed", item="/".join(item), retry_in=round(schedule.due - self.clock(), 1),
                        error=aws_message(error) if known else f"{type(error).__name__}: {error}")
        finally:
            store.fences, self._guard.fences = (), ()
            self.leases.busy.discard(shard)
        schedule.last = outcome
        self.metrics.passes.labels(label, outcome).inc()
        self.metrics.pass_seconds.labels(label).observe(self.clock() - started)
        self._count_conditions()
        self.first_round = True

    def _pass(self, kind: str, env: str, app: str, leader: bool, schedule: Schedule) -> tuple[ConvergeReport | None, bool]:
        p = self.pass_context
        p.commit = getattr(self.source, "commit", "")
        if kind == "app":
            entry = self.specs.apps[(env, app)]
            entry.changed = False
            report = passes.app_pass(p, entry.design, entry.generation, leader=leader,
                                     spec_changed=entry.generation != schedule.settled)
            if report.converged:
                schedule.settled = entry.generation
            return report, False
        if kind == "env":
            return passes.environment_pass(p, env), False
        report, gone = passes.prune_pass(p, env, app, leader=leader)
        if gone:
            log.info("app_pruned", environment=env, app=app)
        return report, gone

    def _reschedule(self, schedule: Schedule, report: ConvergeReport | None, done: bool) -> str:
        now = self.clock()
        if done:
            schedule.due = float("inf")
            return "Pruned"
        if report is None or report.converged:
            schedule.failures = 0
            schedule.due = now + self.options.interval * random.uniform(1 - self.options.jitter, 1 + self.options.jitter)
            return "Ready"
        if report.failed or (report.refused and not report.timed_out):
            schedule.failures = 0
            schedule.due = now + self.options.interval
            return "Degraded" if report.failed else "Refused"
        result = report.last_result
        if result is not None and result.with_status("failed"):
            schedule.failures += 1
            schedule.due = now + self._backoff(schedule.failures)
            return "Error"
        schedule.failures = 0
        waits = [o.requeue_after for o in (result.with_status("waiting") if result else []) if o.requeue_after]
        applied = bool(result and result.with_status("applied"))
        schedule.due = now + (self.options.settle if applied else min(waits or [self.options.settle]))
        return "Progressing"

    def _count_event(self, event: dict[str, Any]) -> None:
        self.metrics.changes.labels(event["kind"], event["action"]).inc()
        if event["why"] == "drift":
            self.metrics.drift.labels(event["kind"]).inc()

    def _backoff(self, failures: int) -> float:
        return min(self.options.max_backoff, 1.0 * 2 ** failures) * random.uniform(0.5, 1.0)

    def _count_conditions(self) -> None:
        counts: dict[str, int] = {}
        for (kind, _, _), schedule in self.schedule.items():
            if kind == "app" and schedule.last:
                counts[schedule.last] = counts.get(schedule.last, 0) + 1
        for condition in ("Ready", "Progressing", "Degraded", "Refused", "Error", "LeaseLost"):
            self.metrics.apps.labels(condition).set(counts.get(condition, 0))

    # --- leases, triggers, the AWS guard ---------------------------------------------------

    def _keep_leases(self) -> None:
        while not self.stop.is_set():
            started = self.clock()
            before = set(self.leases.held_shards()) | ({LEADER} if self.leases.leader else set())
            try:
                self.leases.tick()
                self.lease_ok = self.clock()
                found = pending_triggers(self.pass_context.store)
                with self._trigger_lock:
                    self._triggers |= found
            except (ClientError, BotoCoreError) as error:
                log.warning("lease_renewal_failed", error=aws_message(error))
            after = set(self.leases.held_shards()) | ({LEADER} if self.leases.leader else set())
            self.metrics.leases.set(len(self.leases.held_shards()))
            self.metrics.leader.set(1 if self.leases.leader else 0)
            if after != before:
                self.wake.set()
            wait = self.leases.duration / 3 - (self.clock() - started)
            if self.leases.next_expiry is not None:
                wait = min(wait, max(0.05, self.leases.next_expiry - time.time() + 0.05))
            self.stop.wait(max(0.05, wait))

    def _take_triggers(self) -> None:
        with self._trigger_lock:
            found, self._triggers = self._triggers, set()
        for scope in found:
            env, _, app = scope.partition("/")
            item = ("app", env, app)
            if item in self.schedule and self._owner_fences(item):
                self.schedule[item].due = self.clock()
                remove_trigger(self.pass_context.store, scope)
                log.info("pass_triggered", environment=env, app=app)

    def _guard_mutation(self, model: Any = None, **kwargs: Any) -> None:
        """Before every AWS call of a pass: a mutation needs the pass's leases still valid by our
        own clock (a replica paused past its lease must not act), and no abandon request."""
        fences = getattr(self._guard, "fences", ())
        if not fences or model is None or model.name.startswith(READ_ONLY):
            return
        if self.abandon.is_set():
            raise FenceLost("abandoned: stopping")
        for fence in fences:
            if not self.leases.valid(fence.sk):
                raise FenceLost(f"lease {fence.sk} expired before {model.name}")

    # --- health ---------------------------------------------------------------------------

    def healthy(self) -> bool:
        return self.clock() - self.last_tick < max(120.0, 3 * self.options.interval)

    def ready(self) -> tuple[bool, str]:
        if not self.first_round:
            return False, "waiting for the first pass"
        if self.clock() - self.lease_ok > self.leases.duration:
            return False, "cannot renew leases"
        return True, f"ready: {len(self.leases.held_shards())} shards held" + (", leader" if self.leases.leader else "")
