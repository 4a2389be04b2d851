"""Start moto's ThreadedMotoServer on a free loopback port, with the settings our tests and
demos need (moto reads several of them once, at import: so they are set before importing it)."""
from __future__ import annotations

import logging
import os
import urllib.request
from typing import Any

EMBEDDED_REGION = "us-east-1"
EMBEDDED_ACCOUNT = "123456789012"
FAKE_ACCESS_KEY = "embedded"
FAKE_SECRET_KEY = "embedded"

# Read by moto at import time: certificates issue after 2 s instead of 60 s.
_MOTO_SETTINGS = {"MOTO_ACM_VALIDATION_WAIT": "2"}


class EmbeddedAWS:
    """moto server in this process, on 127.0.0.1. `url` is the endpoint for every service."""

    def __init__(self, port: int = 0, *, simulate_ecs: bool = True, simulate_builds: bool = True) -> None:
        self.port = port
        self.simulate_ecs = simulate_ecs
        self.simulate_builds = simulate_builds
        self._server: Any = None
        self.scheduler: Any = None
        self.builds: Any = None
        self.url = ""

    def start(self) -> "EmbeddedAWS":
        for name, value in _MOTO_SETTINGS.items():
            os.environ.setdefault(name, value)
        from moto.server import ThreadedMotoServer  # imported late: settings above first

        from reconciler.emulator import moto_extensions

        moto_extensions.install()
        # werkzeug logs every request to stderr; our commands' stderr is for the user.
        logging.getLogger("werkzeug").setLevel(logging.ERROR)

        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)
        self._server.start()
        host, port = self._server.get_host_and_port()
        self.port = port
        self.url = f"http://{host}:{port}"
        if self.simulate_ecs:
            from reconciler.emulator.ecs_scheduler import EcsScheduler

            self.scheduler = EcsScheduler(account_id=EMBEDDED_ACCOUNT, region=EMBEDDED_REGION)
            self.scheduler.start()
        if self.simulate_builds:
            from reconciler.emulator.build_simulation import BuildSimulation

            self.builds = BuildSimulation().start()
            moto_extensions.simulation = self.builds
        return self

    def reset(self) -> None:
        """Forget every resource (moto's reset API), between tests."""
        request = urllib.request.Request(f"{self.url}/moto-api/reset", method="POST", data=b"")
        urllib.request.urlopen(request, timeout=10).read()
        if self.scheduler is not None:
            self.scheduler.forget()
        if self.builds is not None:
            self.builds.forget()

    def stop(self) -> None:
        if self.scheduler is not None:
            self.scheduler.stop()
        if self.builds is not None:
            from reconciler.emulator import moto_extensions

            self.builds.stop()
            if moto_extensions.simulation is self.builds:
                moto_extensions.simulation = None
        if self._server is not None:
            self._server.stop()
            self._server = None
