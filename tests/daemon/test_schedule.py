"""Each app's schedule after a pass: the interval with jitter once Ready, the engine's requeue
while AWS works, a short look after applying, a growing jittered backoff after errors, and the
interval (not a hammering) for what waiting cannot fix."""
from __future__ import annotations

from reconciler.daemon.journal import Journal
from reconciler.daemon.leases import Leases
from reconciler.daemon.loop import Daemon, Options, Schedule
from reconciler.daemon.metrics import Metrics
from reconciler.daemon.passes import PassContext
from reconciler.daemon.sources import DirectorySource
from reconciler.engine import ConvergeReport
from reconciler.executor import ApplyResult, Outcome
from reconciler.plan import Plan
from reconciler.resource import Key
from reconciler.state import StateStore
from reconciler.status import Status

KEY = Key("ecs.service", "dev", "web")


class Clock:
    now = 100.0

    def __call__(self) -> float:
        return self.now


def report(*outcomes: Outcome, converged: bool = False, failed: bool = False) -> ConvergeReport:
    result = ApplyResult({o.key: o for o in outcomes})
    return ConvergeReport(converged, not converged, [], 1, Plan([], [], {}, {}, []), result, Status({}, {}, {}),
                          failed=[(KEY, "rolled back")] if failed else [])


def test_each_outcome_sets_when_the_app_is_looked_at_again(ctx, tmp_path):
    store = StateStore(ctx.aws)
    clock = Clock()
    daemon = Daemon(DirectorySource([str(tmp_path)]), PassContext([], ctx, store, None, Journal(None, None, "t")),
                    Leases(store, "t"), Metrics(), Options(interval=60, jitter=0.1, max_backoff=300), clock=clock)
    schedule = Schedule(due=clock.now)

    assert daemon._reschedule(schedule, report(converged=True), False) == "Ready"
    assert 54 <= schedule.due - clock.now <= 66
    assert daemon._reschedule(schedule, report(Outcome(KEY, "waiting", "rollout", 7.5)), False) == "Progressing"
    assert schedule.due - clock.now == 7.5
    daemon._reschedule(schedule, report(Outcome(KEY, "applied")), False)
    assert schedule.due - clock.now == 1.0
    delays = []
    for _ in range(10):
        assert daemon._reschedule(schedule, report(Outcome(KEY, "failed", "Throttling")), False) == "Error"
        delays.append(schedule.due - clock.now)
    assert delays[0] <= 2 and delays[4] >= 16 and max(delays) <= 300, delays
    assert daemon._reschedule(schedule, report(failed=True), False) == "Degraded"
    assert schedule.due - clock.now == 60 and schedule.failures == 0
    assert daemon._reschedule(schedule, None, True) == "Pruned" and schedule.due == float("inf")
