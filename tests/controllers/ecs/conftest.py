from __future__ import annotations

import pytest

from tests.emulator.scheduling import manual_scheduler


@pytest.fixture
def scheduler(moto_server, aws):
    """The ECS scheduler simulation on a fake clock, stepped by the test (pass
    `sleep=scheduler.advance` to converge so that waiting moves simulated time)."""
    with manual_scheduler(moto_server) as manual:
        yield manual
