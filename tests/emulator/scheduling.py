"""A hand-cranked ECS scheduler for tests: the session's background scheduler is paused and a
fresh one, on a fake clock, is stepped by the test (or by converge's `sleep`)."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from reconciler.emulator.ecs_scheduler import EcsScheduler
from reconciler.emulator.server import EMBEDDED_ACCOUNT, EMBEDDED_REGION, EmbeddedAWS


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class ManualScheduler(EcsScheduler):
    """`advance(s)` moves the clock and ticks; usable as converge's `sleep`."""

    def __init__(self, delay: float = 1.0) -> None:
        self.fake_clock = FakeClock()
        super().__init__(account_id=EMBEDDED_ACCOUNT, region=EMBEDDED_REGION, delay=delay, clock=self.fake_clock)

    def advance(self, seconds: float) -> None:
        self.fake_clock.now += seconds
        self.tick()


@contextmanager
def manual_scheduler(server: EmbeddedAWS, delay: float = 1.0) -> Iterator[ManualScheduler]:
    background = server.scheduler
    if background is not None:
        background.stop()
    try:
        yield ManualScheduler(delay)
    finally:
        if background is not None:
            background.forget()
            background.start()
