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


@contextmanager
def manual_builds(server: EmbeddedAWS) -> Iterator["ManualBuilds"]:
    """The session's background build simulation paused; a fresh one on a fake clock instead."""
    from reconciler.emulator import moto_extensions

    background = server.builds
    if background is not None:
        background.stop()
    manual = ManualBuilds()
    moto_extensions.simulation = manual
    try:
        yield manual
    finally:
        moto_extensions.simulation = background
        if background is not None:
            background.forget()
            background.start()


from reconciler.emulator.build_simulation import BuildSimulation  # noqa: E402


class ManualBuilds(BuildSimulation):
    """`advance(s)` moves the clock one second (one phase) at a time, ticking at each."""

    def __init__(self) -> None:
        self.fake_clock = FakeClock()
        super().__init__(step=1.0, clock=self.fake_clock)

    def advance(self, seconds: int) -> None:
        for _ in range(seconds):
            self.fake_clock.now += 1
            self.tick()
