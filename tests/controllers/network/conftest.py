"""Helpers for the network kinds' tests: specs written to tmp_path, designs through specs/,
everything driven through the engine against the real moto server."""
from __future__ import annotations

from collections.abc import Callable

import pytest

from controllers.network import network_controllers
from reconciler.aws import ClientFactory
from reconciler.target import emulator_endpoint
from tests.support import design, write_app


@pytest.fixture(scope="module")
def _factory(moto_server) -> ClientFactory:
    return ClientFactory(emulator_endpoint(moto_server.url))


@pytest.fixture
def aws(moto_server, _factory) -> ClientFactory:
    """tests/conftest.py's `aws` (moto reset before each test), but one client factory per
    module: building an EC2 client parses botocore's largest service model (0.4-0.9 s), and
    what the factory caches (clients, account id, AZ names) survives a moto reset unchanged.
    Request counts are compared as deltas."""
    moto_server.reset()
    return _factory


@pytest.fixture
def ec2(aws):
    """The same client the controllers use: changes 'behind our back' go through it."""
    return aws.client("ec2")


@pytest.fixture
def net():
    return network_controllers()


@pytest.fixture
def designs(tmp_path) -> Callable[..., list]:
    """designs(("posts-api", "highAvailability: true\\n"), ...) -> [EnvironmentDesign]."""

    def build(*apps: tuple[str, str] | str) -> list:
        paths = []
        for app in apps or ("posts-api",):
            name, extra = (app, "") if isinstance(app, str) else app
            paths.append(write_app(tmp_path, name, spec_extra=extra))
        return design(*paths)

    return build
