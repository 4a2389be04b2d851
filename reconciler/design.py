"""What controllers build desired state from: the specs of one environment, translated.

Controllers read specs only through the properties here, so the spec model can evolve without
touching them. `specs/` knows nothing of AWS accounts or engines; this is where a loaded spec
meets the account it goes to.
"""
from __future__ import annotations

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
class AppDesign:
    loaded: LoadedSpec
    translation: Translation

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
        return ApiSettings(str(getattr(api_type, "value", api_type)),
                           bool(_get(api, "restrict_access", "restrictAccess", default=False)), cors_settings)

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
class EnvironmentDesign:
    name: str
    apps: tuple[AppDesign, ...]
    location: AwsLocation

    @cached_property
    def high_availability(self) -> bool:
        return any(app.high_availability for app in self.apps)

    @cached_property
    def az_count(self) -> int:
        return 3 if self.high_availability else 1

    @cached_property
    def cidr(self) -> str:
        cidrs = sorted({app.cidr for app in self.apps if app.cidr})
        return cidrs[0] if cidrs else DEFAULT_CIDR

    @property
    def adopt(self) -> bool:
        return any(app.adopt for app in self.apps)

    @property
    def has_api(self) -> bool:
        return any(app.front_door == "api" for app in self.apps)
