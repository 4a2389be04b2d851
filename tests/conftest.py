"""Shared fixtures: one real moto server per test session, on a free loopback port, reached over
HTTP through the production client factory; reset between tests."""
from __future__ import annotations

import pytest

from reconciler.aws import ClientFactory
from reconciler.controller import Context
from reconciler.emulator.server import EmbeddedAWS
from reconciler.target import emulator_endpoint


@pytest.fixture(scope="session")
def moto_server():
    server = EmbeddedAWS().start()
    yield server
    server.stop()


@pytest.fixture
def aws(moto_server):
    """A fresh account: the moto server reset, a new client factory (no cached facts)."""
    moto_server.reset()
    return ClientFactory(emulator_endpoint(moto_server.url))


@pytest.fixture
def ctx(aws) -> Context:
    return Context(aws)
