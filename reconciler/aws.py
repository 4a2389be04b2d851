"""One cached botocore client per (service, region), all built with one botocore Config.

The adaptive rate limiter and connection pool live inside each client, so the cache matters.
Retries for throttling and transport errors happen here (botocore); eventual consistency in
`reconciler.retry`; long waits are the engine's requeue.
"""
from __future__ import annotations

import collections
import contextlib
import contextvars
import functools
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import botocore.session
from botocore.config import Config
from botocore.exceptions import ClientError

from reconciler import model_cache
from reconciler.budget import Budgets

USER_AGENT = "serverless-container-reconciler/0.1"

# The kind on whose behalf requests are sent (set by the plan and the executor): requests are
# counted per kind as well as per operation, so a benchmark can say where they go.
_ATTRIBUTED_KIND: contextvars.ContextVar[str] = contextvars.ContextVar("reconcile_kind", default="")


@contextlib.contextmanager
def on_behalf_of(kind: str) -> Iterator[None]:
    token = _ATTRIBUTED_KIND.set(kind)
    try:
        yield
    finally:
        _ATTRIBUTED_KIND.reset(token)


@dataclass(frozen=True)
class Endpoint:
    """Where AWS is: the real thing (endpoint_url None) or an emulator URL."""

    region: str
    endpoint_url: str | None = None
    access_key: str | None = None
    secret_key: str | None = None
    emulated: bool = False


class ClientFactory:
    """Builds and caches botocore clients; counts the requests they send (for `bench/` and tests)."""

    def __init__(self, endpoint: Endpoint, *, max_attempts: int | None = None, budgets: Budgets | None = None) -> None:
        self.endpoint = endpoint
        attempts = max_attempts or (3 if endpoint.emulated else 8)
        self.budgets = budgets or Budgets()
        self.config = Config(
            region_name=endpoint.region,
            retries={"mode": "standard" if endpoint.emulated else "adaptive", "total_max_attempts": attempts},
            connect_timeout=5,
            read_timeout=30,
            user_agent_extra=USER_AGENT,
            # Cloud Map's DiscoverInstances prefixes "data-" to the host; an emulator URL has none.
            inject_host_prefix=not endpoint.emulated,
        )
        # botocore's session, not boto3's: boto3 adds nothing the clients use and its import
        # (s3transfer) costs every command ~80 ms.
        self._session = botocore.session.Session()
        self._session.set_config_variable("region", endpoint.region)
        if endpoint.access_key is not None:
            self._session.set_credentials(endpoint.access_key, endpoint.secret_key)
        model_cache.install(self._session)
        # Creates AWS takes without an idempotency token must not be resent by botocore after a
        # lost answer (the first may have worked): those calls use clients that never retry.
        self.single_shot_config = self.config.merge(Config(retries={"mode": "standard", "total_max_attempts": 1}))
        self._clients: dict[tuple[str, str, bool], Any] = {}
        self._lock = threading.Lock()
        self.request_count = 0
        self.requests: list[str] = []
        self.requests_by_kind: collections.Counter[str] = collections.Counter()
        # A long-running daemon keeps only the count: the list would grow for ever.
        self.keep_requests = True
        self._hooks: list[tuple[str, Any]] = []
        self._facts: dict[str, Any] = {}

    @property
    def region(self) -> str:
        return self.endpoint.region

    @property
    def events(self) -> Any:
        """The session's event system: handlers registered here reach every client created
        afterwards (how tests put a fault layer on the real clients; the code never knows)."""
        return self._session.get_component("event_emitter")

    def client(self, service: str, region: str | None = None, *, retries: bool = True) -> Any:
        """`retries=False`: a client botocore never resends with (see single_shot_config)."""
        region = region or self.endpoint.region
        cache_key = (service, region, retries)
        with self._lock:
            client = self._clients.get(cache_key)
            if client is None:
                client = self._session.create_client(
                    service, region_name=region, endpoint_url=self.endpoint.endpoint_url,
                    config=self.config if retries else self.single_shot_config,
                )
                # Event names spell the service's id ("cognito-identity-provider"), budgets its
                # client name ("cognito-idp"): the handlers are told which.
                client.meta.events.register("before-send", functools.partial(self._before_send, service))
                client.meta.events.register("needs-retry", functools.partial(self._answered, service))
                for event, handler in self._hooks:
                    client.meta.events.register(event, handler)
                self._clients[cache_key] = client
            return client

    def on(self, event: str, handler: Any) -> None:
        """Register a botocore event handler on every client, made or to be made (the daemon's
        metrics and its lease guard)."""
        with self._lock:
            self._hooks.append((event, handler))
            for client in self._clients.values():
                client.meta.events.register(event, handler)

    def _before_send(self, service: str, request: Any = None, **kwargs: Any) -> None:
        # Runs once per HTTP attempt, retries included: what AWS bills and throttles.
        operation = kwargs.get("event_name", "").rsplit(".", 1)[-1]
        self.budgets.before_call(service, operation)
        with self._lock:
            self.request_count += 1
            if self.keep_requests:
                self.requests.append(f"{service}.{operation}")
                self.requests_by_kind[_ATTRIBUTED_KIND.get() or "(engine)"] += 1

    def _answered(self, service: str, response: Any = None, **kwargs: Any) -> None:
        """Every attempt's answer (botocore asks whether to retry it): feeds the budgets."""
        if response is None:
            return None
        parsed = response[1] if isinstance(response, tuple) and len(response) > 1 else {}
        code = (parsed or {}).get("Error", {}).get("Code", "") if isinstance(parsed, dict) else ""
        self.budgets.after_answer(service, code)
        return None

    def fact(self, name: str, compute: Any) -> Any:
        """Immutable facts (account id, AZ names) read once per process."""
        with self._lock:
            if name in self._facts:
                return self._facts[name]
        value = compute()
        with self._lock:
            self._facts.setdefault(name, value)
            return self._facts[name]

    def known_facts(self) -> dict[str, Any]:
        """The facts read so far (to keep them in the state store)."""
        with self._lock:
            return dict(self._facts)

    def seed_facts(self, values: dict[str, Any]) -> None:
        """Facts recorded earlier (the state store): not read again by this process."""
        with self._lock:
            for name, value in values.items():
                self._facts.setdefault(name, value)

    def identity(self) -> dict[str, str]:
        """GetCallerIdentity, once per process: the account and the partition of its ARN."""
        def read() -> dict[str, str]:
            answer = self.client("sts").get_caller_identity()
            return {"account": answer["Account"], "partition": answer["Arn"].split(":")[1]}

        return self.fact("identity", read)

    def account_id(self) -> str:
        return self.identity()["account"]

    def partition(self) -> str:
        """`aws`, `aws-cn`, `aws-us-gov`: ARNs are built with it, never with a literal."""
        return self.identity()["partition"]

    def zones(self) -> list[Any]:
        """The region's zones an environment may use (reconciler.zones), in zone-ID order."""
        from reconciler.zones import Zone, usable

        def read() -> list[list[str]]:
            zones = self.client("ec2").describe_availability_zones(
                Filters=[{"Name": "state", "Values": ["available"]}, {"Name": "zone-type", "Values": ["availability-zone"]}]
            )["AvailabilityZones"]
            # Plain lists: facts are kept in the state store (reconciler.zones.Zone is not).
            return [[z.zone_id, z.name] for z in usable(self.region, [Zone(z["ZoneId"], z["ZoneName"]) for z in zones])]

        return [Zone(zone_id, name) for zone_id, name in self.fact("zones", read)]

    def availability_zones(self) -> list[str]:
        """The usable zones' names, in zone-ID order."""
        return [zone.name for zone in self.zones()]


def paginate(client: Any, operation: str, result_key: str, **kwargs: Any) -> Iterator[Any]:
    """Items of `result_key` across all pages, through botocore's paginator (no NextToken loops)."""
    for page in client.get_paginator(operation).paginate(**kwargs):
        yield from page.get(result_key, [])


def error_code(error: ClientError) -> str:
    return error.response.get("Error", {}).get("Code", "")


def is_not_found(error: ClientError, *codes: str) -> bool:
    code = error_code(error)
    return code in codes or code.endswith("NotFound") or code.endswith("NotFoundException") or code == "NoSuchEntity"
