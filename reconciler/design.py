"""What controllers build desired state from: the specs of one environment, translated.

Controllers read specs only through the properties here, so the spec model can evolve without
touching them. `specs/` knows nothing of AWS accounts or engines; this is where a loaded spec
meets the account it goes to.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from specs import AwsLocation, LoadedSpec, Translation
from specs.tables import table_name

DEFAULT_CIDR = "10.0.0.0/16"
DEFAULT_LOG_RETENTION_DAYS = 30


@dataclass(frozen=True)
class Cors:
    allow_origins: tuple[str, ...] = ("*",)
    allow_methods: tuple[str, ...] = ("*",)
    allow_headers: tuple[str, ...] = ("*",)
    max_age: int = 0


@dataclass(frozen=True)
class ApiSettings:
    type: str = "REST"  # REST | GraphQL
    restrict_access: bool = False
    cors: Cors = Cors()
    scopes: tuple[str, ...] = ()
    domain: str | None = None  # a custom domain (certificate, API Gateway domain name, records)
    dns: str = "route53"  # route53 | external


@dataclass(frozen=True)
class HostingSettings:
    """The website front door: one shared load balancer, CloudFront, a certificate, DNS."""

    domain: str
    dns: str = "route53"  # route53 | external
    restrict_access: bool = False
    aliases: tuple[str, ...] = ()
    health_check_path: str | None = None  # None: derived from the entrypoint's healthcheck, else "/"

    @property
    def names(self) -> tuple[str, ...]:
        """Every name the site answers to: the domain first, then the aliases."""
        return (self.domain, *self.aliases)


@dataclass(frozen=True)
class StorageGrant:
    table: str
    permissions: tuple[str, ...]  # create | read | update | delete
    create: bool = False
    # (attribute name, S | N | B) of the table created when `create` is true.
    partition_key: tuple[str, str] = ("id", "S")
    sort_key: tuple[str, str] | None = None
    # The table's name in AWS (specs/tables.py): `table` itself unless the reconciler creates it.
    name: str = ""

    def __post_init__(self) -> None:
        if not self.name:
            object.__setattr__(self, "name", self.table)


def _get(model: Any, *names: str, default: Any = None) -> Any:
    """Read a spec attribute whichever Python spelling the model uses (snake or camel)."""
    for name in names:
        if model is not None and hasattr(model, name):
            return getattr(model, name)
    return default


def _table_key(key: Any) -> tuple[str, str] | None:
    return None if key is None else (str(key.name), str(_get(key, "type", default="S")))


@dataclass(frozen=True)
class AppFacts:
    """What the state store (and the command line) says about an app beyond its spec."""

    rollback_pin: str = ""  # `reconcile rollback --to`: deploy this build's images
    suspended: bool = False  # `reconcile suspend`: desired count 0, not reconciled
    skip_secrets: bool = False  # `--skip-secrets`: wire the references, write no value


@dataclass(frozen=True)
class AppDesign:
    loaded: LoadedSpec
    translation: Translation
    facts: AppFacts = AppFacts()

    @property
    def name(self) -> str:
        return self.loaded.model.metadata.name

    @property
    def environment(self) -> str:
        return self.loaded.model.metadata.environment

    @property
    def spec(self) -> Any:
        return self.loaded.model.spec

    @property
    def labels(self) -> dict[str, str]:
        return dict(self.loaded.model.metadata.labels or {})

    @property
    def adopt(self) -> bool:
        return bool(_get(self.spec, "adopt", default=False))

    @property
    def high_availability(self) -> bool:
        return bool(_get(self.spec, "high_availability", "highAvailability", default=False))

    @property
    def az_count(self) -> int:
        """Zones the app's tasks run in: 3 with highAvailability, else 1."""
        return 3 if self.high_availability else 1

    @property
    def needs(self) -> AppNeeds:
        return AppNeeds(self.name, self.az_count, self.front_door == "api", self.front_door == "hosting", self.cidr)

    @property
    def spec_path(self) -> str:
        return os.path.realpath(str(self.loaded.path))

    @property
    def cidr(self) -> str | None:
        network = _get(self.spec, "network")
        cidr = _get(network, "cidr")
        return str(cidr) if cidr else None

    @property
    def log_retention_days(self) -> int:
        logs = _get(self.spec, "logs")
        return int(_get(logs, "retention_days", "retentionDays", default=DEFAULT_LOG_RETENTION_DAYS))

    @property
    def front_door(self) -> str:
        """'api' (API Gateway HTTP API, the default) or 'hosting' (ALB + CloudFront)."""
        return "hosting" if _get(self.spec, "hosting") is not None else "api"

    @cached_property
    def api(self) -> ApiSettings | None:
        if self.front_door != "api":
            return None
        api = _get(self.spec, "api")
        if api is None:
            return ApiSettings()
        cors = _get(api, "cors")
        cors_settings = Cors() if cors is None else Cors(
            tuple(_get(cors, "allow_origins", "allowOrigins", default=("*",))),
            tuple(_get(cors, "allow_methods", "allowMethods", default=("*",))),
            tuple(_get(cors, "allow_headers", "allowHeaders", default=("*",))),
            int(_get(cors, "max_age", "maxAge", default=0) or 0),
        )
        api_type = _get(api, "type", default="REST")
        domain = _get(api, "domain")
        return ApiSettings(str(getattr(api_type, "value", api_type)),
                           bool(_get(api, "restrict_access", "restrictAccess", default=False)), cors_settings,
                           tuple(_get(api, "scopes", default=()) or ()),
                           str(domain) if domain else None, str(_get(api, "dns", default="route53")))

    @cached_property
    def hosting(self) -> HostingSettings | None:
        hosting = _get(self.spec, "hosting")
        if hosting is None:
            return None
        path = _get(hosting, "health_check_path", "healthCheckPath")
        return HostingSettings(str(hosting.domain), str(_get(hosting, "dns", default="route53")),
                               bool(_get(hosting, "restrict_access", "restrictAccess", default=False)),
                               tuple(str(a) for a in _get(hosting, "aliases", default=None) or ()),
                               str(path) if path else None)

    @cached_property
    def delivery(self) -> Any:
        """Images, bundle, build mode and secrets (reconciler.delivery.design.Delivery)."""
        from reconciler.delivery.design import Delivery

        return Delivery(self)

    @cached_property
    def storage(self) -> tuple[StorageGrant, ...]:
        grants = _get(self.spec, "storage", default=None) or []
        return tuple(
            StorageGrant(str(g.table), tuple(str(getattr(p, "value", p)) for p in g.permissions), bool(_get(g, "create", default=False)),
                         _table_key(_get(g, "partition_key", "partitionKey")) or ("id", "S"),
                         _table_key(_get(g, "sort_key", "sortKey")), table_name(self.environment, g))
            for g in grants
        )


@dataclass(frozen=True)
class AppNeeds:
    """What another app of the environment (registered in the state store, not on this command
    line) needs from the shared resources, as last applied from its spec."""

    name: str
    az_count: int = 1
    api: bool = False
    hosting: bool = False
    cidr: str | None = None


# Every environment spans this many zones (fewer only where the region has fewer): subnets cost
# nothing, and a network that never grows or shrinks never forces a replace of what spans it
# (the VPC link, the load balancer) when one app asks for high availability. An app's tasks run
# in the first zone, or in all three with `highAvailability`.
ENVIRONMENT_ZONES = 3


@dataclass(frozen=True)
class EnvironmentDesign:
    name: str
    apps: tuple[AppDesign, ...]
    location: AwsLocation
    # Apps of the environment registered in the state store but not being converged now: shared
    # resources are derived from every app of the environment, not only the specs at hand.
    others: tuple[AppNeeds, ...] = ()
    # The zone IDs the environment's subnets go in, in slot order (empty: not looked up; the first
    # ENVIRONMENT_ZONES of the region are used).
    zones: tuple[str, ...] = ()

    @cached_property
    def high_availability(self) -> bool:
        return any(app.high_availability for app in self.apps) or any(o.az_count > 1 for o in self.others)

    @cached_property
    def zone_count(self) -> int:
        """How many subnets the environment has: one per zone it spans."""
        return min(ENVIRONMENT_ZONES, len(self.zones)) if self.zones else ENVIRONMENT_ZONES

    @cached_property
    def cidr(self) -> str:
        cidrs = sorted({app.cidr for app in self.apps if app.cidr} | {o.cidr for o in self.others if o.cidr})
        return cidrs[0] if cidrs else DEFAULT_CIDR

    @property
    def adopt(self) -> bool:
        return any(app.adopt for app in self.apps)

    @property
    def has_api(self) -> bool:
        return any(app.front_door == "api" for app in self.apps) or any(o.api for o in self.others)

    @property
    def has_hosting(self) -> bool:
        return any(app.front_door == "hosting" for app in self.apps) or any(o.hosting for o in self.others)

    @property
    def app_names(self) -> set[str]:
        return {app.name for app in self.apps} | {o.name for o in self.others}
