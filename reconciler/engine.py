"""The converge loop: plan, apply, derive conditions, record, and decide when to look again.
One loop for every job: converge (`--once`), prune, and `reconcile delete` (whose plans are
plans of deletes). Errors back off exponentially with jitter; expected waits requeue at their
own interval; a refusal stops the loop only when nothing else can move."""
from __future__ import annotations

import random
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import structlog
from botocore.exceptions import BotoCoreError, ClientError

from reconciler.conditions import ConditionStore
from reconciler.controller import Context, Controller
from reconciler.design import EnvironmentDesign
from reconciler.executor import ApplyResult, Outcome, apply_plan, aws_message, is_fatal
from reconciler.plan import Plan, make_plan
from reconciler.recorder import NO_RECORDER, Recorder
from reconciler.resource import Key, Resource
from reconciler.status import Status, derive_status

__all__ = ["ApplyResult", "ConvergeReport", "Outcome", "Status", "apply_plan", "aws_message", "backoff",
           "converge", "derive_status", "is_fatal"]

log = structlog.get_logger("reconciler.engine")

MAX_BACKOFF = 30.0


def backoff(failures: int) -> float:
    """The one backoff policy: jittered exponential, capped."""
    return min(MAX_BACKOFF, 0.5 * 2 ** failures) * random.uniform(0.5, 1.0)


def _pace(ctx: Context, seconds: float) -> float:
    pace = getattr(ctx, "pace", None)
    return pace(seconds) if pace is not None else seconds


@dataclass
class ConvergeReport:
    converged: bool
    timed_out: bool
    refused: list[Outcome]
    passes: int
    last_plan: Plan
    last_result: ApplyResult | None
    status: Status
    failed: list[tuple[Key, str]] = field(default_factory=list)  # broken, waiting will not help
    applied: list[tuple[str, str]] = field(default_factory=list)  # (action, name) of every change made, in order
    # Waiting on a person (AwaitingUser), with nothing else left to move: (key, what to do).
    awaiting: list[tuple[Key, str]] = field(default_factory=list)

    @property
    def deleted(self) -> list[str]:
        return [name for action, name in self.applied if action == "delete"]


def converge(
    controllers: Sequence[Controller],
    designs: Sequence[EnvironmentDesign],
    ctx: Context,
    *,
    timeout: float = 900.0,
    store: ConditionStore | None = None,
    sleep: Callable[[float], None] = time.sleep,
    on_pass: Callable[[int, Plan, ApplyResult | None], None] | None = None,
    extra: Sequence[Resource] = (),
    recorder: Recorder = NO_RECORDER,
    clock: Callable[[], float] = time.monotonic,
    observe_retained: bool = False,
    failed_revisions: Mapping[Key, str] | None = None,
    observe_only: Callable[[Key], bool] | None = None,
) -> ConvergeReport:
    """Plan+apply until Ready and in sync, refused, failed, or out of time. `extra`: resources
    to prune (ensure absent), planned with the rest. `failed_revisions` and `observe_only`: see
    `make_plan`. A `timeout` of 0 makes exactly one pass (the daemon schedules the next)."""
    store = store or ConditionStore()
    structlog.contextvars.bind_contextvars(run_id=uuid.uuid4().hex[:12])
    deadline = clock() + timeout
    failures = 0
    passes = 0
    result: ApplyResult | None = None
    terminal: dict[Key, Outcome] = {}
    applied: list[tuple[str, str]] = []
    while True:
        passes += 1
        pass_ctx = ctx.new_pass()
        structlog.contextvars.bind_contextvars(pass_number=passes, phase="plan")
        try:
            plan = make_plan(controllers, designs, pass_ctx, extra=extra, observe_retained=observe_retained,
                             failed_revisions=failed_revisions, observe_only=observe_only)
        except (ClientError, BotoCoreError) as error:
            if is_fatal(error):
                raise  # no amount of waiting fixes missing credentials or permissions
            failures += 1
            delay = backoff(failures)
            log.warning("observe_failed", error=aws_message(error), retry_in=round(delay, 1))
            if clock() + delay > deadline:
                raise
            sleep(delay)
            continue
        structlog.contextvars.bind_contextvars(phase="apply")
        if plan.empty and not plan.not_ready:
            status = derive_status(plan, None, store)
            recorder.after_pass(plan, None, status)
            if on_pass:
                on_pass(passes, plan, None)
            return ConvergeReport(True, False, [], passes, plan, result, status, applied=applied)
        result = apply_plan(plan, controllers, pass_ctx, terminal, recorder)
        applied += [(c.action, c.name) for c in plan.pending
                    if c.key is not None and result.outcomes.get(c.key, Outcome(c.key, "")).status == "applied"]
        status = derive_status(plan, result, store)
        recorder.after_pass(plan, result, status)
        if on_pass:
            on_pass(passes, plan, result)
        refused = result.with_status("refused")
        terminal.update((o.key, o) for o in refused if o.key not in {p.key for p in plan.problems})
        if plan.failed and not result.with_status("applied"):
            # A failed rollout does not heal by waiting: say so now, not after --timeout.
            broken = [(k, plan.observations[k].message) for k in plan.failed]
            return ConvergeReport(False, False, refused, passes, plan, result, status, broken, applied)
        stuck = not result.with_status("applied", "waiting", "failed") and not plan.not_ready
        if refused and stuck:
            return ConvergeReport(False, False, refused, passes, plan, result, status, applied=applied)
        awaiting = result.with_status("awaiting")
        if awaiting and not result.with_status("applied", "failed") and not plan.not_ready:
            # Only a person can move this on (DNS records at their registrar): say so now.
            return ConvergeReport(False, False, refused, passes, plan, result, status, applied=applied,
                                  awaiting=[(o.key, o.message) for o in awaiting])
        if result.with_status("failed"):
            failures += 1
            delay = backoff(failures)
        else:
            failures = 0
            waits = [o.requeue_after for o in result.with_status("waiting", "awaiting") if o.requeue_after]
            # Not ready yet (a rollout, a VPC link coming up): look again at the kind's pace.
            by_kind = {c.kind: c for c in controllers}
            polls = [_pace(ctx, getattr(by_kind[k.kind], "poll_interval", 1.0)) for k in plan.not_ready]
            delay = 0.0 if result.with_status("applied") else min(waits + polls or [1.0])
        if clock() + delay > deadline:
            return ConvergeReport(False, True, refused, passes, plan, result, status, applied=applied)
        if delay:
            sleep(delay)
