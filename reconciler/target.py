"""Where the AWS API is: `embedded` (moto started in-process), `aws` (the standard credential
chain), or `http://HOST:PORT` (an emulator already running, e.g. `reconcile emulator`)."""
from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from typing import Any

import botocore.session

from reconciler.aws import ClientFactory, Endpoint
from reconciler.errors import ConfigurationError
from reconciler.emulator.server import EMBEDDED_REGION, FAKE_ACCESS_KEY, FAKE_SECRET_KEY, EmbeddedAWS

TARGET_ENV = "RECONCILE_TARGET"


@dataclass
class Target:
    name: str
    endpoint: Endpoint
    embedded: EmbeddedAWS | None = None
    _factory: ClientFactory | None = field(default=None, repr=False)

    @property
    def factory(self) -> ClientFactory:
        if self._factory is None:
            self._factory = ClientFactory(self.endpoint)
        return self._factory

    def close(self) -> None:
        if self._factory is not None and self._factory.request_count:
            # What this command cost AWS, per operation (`--log-level debug`; bench/ reads it).
            import collections

            import structlog

            # Pairs, not a mapping: an operation's name is no key for the log's redaction to judge.
            structlog.get_logger("reconciler.target").debug(
                "aws_requests", total=self._factory.request_count,
                operations=sorted(collections.Counter(self._factory.requests).items()),
                kinds=sorted(self._factory.requests_by_kind.items()))
        if self.embedded is not None:
            self.embedded.stop()
            self.embedded = None


def emulator_endpoint(url: str) -> Endpoint:
    return Endpoint(EMBEDDED_REGION, url, FAKE_ACCESS_KEY, FAKE_SECRET_KEY, emulated=True)


def resolve(target: str | None, *, quiet: bool = False) -> Target:
    """Turn `--target` (or $RECONCILE_TARGET) into a ready endpoint. Default: `aws` when the
    standard credential chain finds credentials, else `embedded`."""
    choice = target or os.environ.get(TARGET_ENV) or ""
    if not choice:
        choice = "aws" if botocore.session.Session().get_credentials() is not None else "embedded"
    if choice == "embedded":
        server = EmbeddedAWS().start()
        if not quiet:
            print(f"reconcile: using the embedded AWS (moto) at {server.url}, region {EMBEDDED_REGION}; "
                  "nothing is created in a real account", file=sys.stderr)
        return Target("embedded", emulator_endpoint(server.url), embedded=server)
    if choice == "aws":
        session = botocore.session.Session()
        if session.get_credentials() is None:
            raise ConfigurationError(
                "--target aws: no AWS credentials found (set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY)"
            )
        region = session.get_config_variable("region")
        if not region:
            raise ConfigurationError("--target aws: no region configured (set AWS_REGION or AWS_DEFAULT_REGION)")
        return Target("aws", Endpoint(region))
    if choice.startswith(("http://", "https://")):
        return Target(choice, emulator_endpoint(choice.rstrip("/")))
    raise ConfigurationError(f"--target: expected embedded, aws or http://HOST:PORT, got {choice!r}")


def describe(target: Target) -> dict[str, Any]:
    return {"target": target.name, "region": target.endpoint.region, "endpoint": target.endpoint.endpoint_url}
