"""Start moto's ThreadedMotoServer on a free loopback port, with the settings our tests and
demos need (moto reads several of them once, at import: so they are set before importing it)."""
from __future__ import annotations

import errno
import logging
import os
import socket
import urllib.request
from typing import Any

from reconciler.errors import ConfigurationError

EMBEDDED_REGION = "us-east-1"
EMBEDDED_ACCOUNT = "123456789012"
FAKE_ACCESS_KEY = "embedded"
FAKE_SECRET_KEY = "embedded"

# Read by moto at import time: certificates issue after 2 s instead of 60 s.
_MOTO_SETTINGS = {"MOTO_ACM_VALIDATION_WAIT": "2"}


def _check_free(host: str, port: int) -> None:
    """Refuse a port already taken with one clear message (werkzeug would print its own and
    exit the server's thread). Bound the way werkzeug binds, so a port in TIME_WAIT is free."""
    if port == 0:
        return
    try:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((host, port))
    except OSError as problem:
        hint = ("; is another `reconcile emulator` running? Stop it or pick another --port"
                if problem.errno == errno.EADDRINUSE else "")
        raise ConfigurationError(f"cannot listen on {host}:{port}: {problem.strerror or problem}{hint}") from None


class EmbeddedAWS:
    """moto server in this process, on 127.0.0.1 unless `host` says otherwise (0.0.0.0 in a
    container). `url` is the endpoint for every service."""

    def __init__(self, port: int = 0, *, host: str = "127.0.0.1", simulate_ecs: bool = True) -> None:
        self.host = host
        self.port = port
        self.simulate_ecs = simulate_ecs
        self._server: Any = None
        self.scheduler: Any = None
        self.url = ""

    def start(self) -> "EmbeddedAWS":
        for name, value in _MOTO_SETTINGS.items():
            os.environ.setdefault(name, value)
        from moto.server import ThreadedMotoServer  # imported late: settings above first

        from reconciler.emulator import extensions

        extensions.apply()

        # werkzeug logs every request to stderr; our commands' stderr is for the user.
        logging.getLogger("werkzeug").setLevel(logging.ERROR)

        _check_free(self.host, self.port)

        class Server(ThreadedMotoServer):
            # moto's start() waits forever when the server cannot be made (werkzeug exits its
            # thread): catch that and wake start() up (moto is pinned; see pyproject.toml).
            bind_error: BaseException | None = None

            def _server_entry(self) -> None:
                try:
                    super()._server_entry()
                except (OSError, SystemExit) as problem:
                    self.bind_error = problem
                    self._server_ready_event.set()

        server = Server(ip_address=self.host, port=self.port, verbose=False)
        server.start()
        if server.bind_error is not None:
            raise ConfigurationError(f"cannot listen on {self.host}:{self.port}: {server.bind_error}")
        self._server = server
        host, port = server.get_host_and_port()
        self.port = port
        # A wildcard address is not one a client can dial: give the loopback URL.
        self.url = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::', '') else host}:{port}"
        if self.simulate_ecs:
            from reconciler.emulator.ecs_scheduler import EcsScheduler

            self.scheduler = EcsScheduler(account_id=EMBEDDED_ACCOUNT, region=EMBEDDED_REGION)
            self.scheduler.start()
        return self

    def reset(self) -> None:
        """Forget every resource (moto's reset API), between tests."""
        request = urllib.request.Request(f"{self.url}/moto-api/reset", method="POST", data=b"")
        urllib.request.urlopen(request, timeout=10).read()
        if self.scheduler is not None:
            self.scheduler.forget()

    def stop(self) -> None:
        if self.scheduler is not None:
            self.scheduler.stop()
        if self._server is not None:
            self._server.stop()
            self._server = None
