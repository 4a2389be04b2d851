from __future__ import annotations

import pytest

from tests.daemon.harness import DaemonProcess


@pytest.fixture
def url(moto_server):
    moto_server.reset()
    return moto_server.url


@pytest.fixture
def daemons(url, tmp_path):
    """Start daemons with `daemons(*args, name=...)`; every one is killed at the end."""
    started: list[DaemonProcess] = []

    def start(*args: str, **options) -> DaemonProcess:
        daemon = DaemonProcess(url, tmp_path, *args, **options)
        started.append(daemon)
        return daemon

    yield start
    for daemon in started:
        daemon.close()
