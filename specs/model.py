"""The ServerlessContainer spec as pydantic models (no I/O).

YAML keys are camelCase (via aliases); Python code reads snake_case attributes.
Models are strict (a YAML `"2"` is not the integer 2), frozen, and refuse unknown keys.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator
from pydantic.alias_generators import to_camel
from pydantic_core import PydanticCustomError

API_VERSION = "reconcile.dev/v1alpha1"
KIND = "ServerlessContainer"
DEFAULT_ENVIRONMENT = "dev"
DEFAULT_VPC_CIDR = "10.0.0.0/16"

# Fargate's valid task sizes: cpu units -> allowed memory (MiB).
FARGATE_TASK_SIZES: dict[int, tuple[int, ...]] = {
    256: (512, 1024, 2048),
    512: tuple(range(1024, 4096 + 1, 1024)),
    1024: tuple(range(2048, 8192 + 1, 1024)),
    2048: tuple(range(4096, 16384 + 1, 1024)),
    4096: tuple(range(8192, 30720 + 1, 1024)),
    8192: tuple(range(16384, 61440 + 1, 4096)),
    16384: tuple(range(32768, 122880 + 1, 8192)),
}
LOG_RETENTION_DAYS = (
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731,
    1096, 1827, 2192, 2557, 2922, 3288, 3653,
)

_DNS_LABEL = re.compile(r"^[a-z]([a-z0-9-]*[a-z0-9])?$")
_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_TABLE_NAME = re.compile(r"^[A-Za-z0-9_.-]{3,255}$")


def _expect(description: str, accept: Callable[[Any], bool]) -> BeforeValidator:
    """One friendly message for both wrong type and wrong value ("must be an integer ≥ 0")."""

    def check(value: Any) -> Any:
        if not accept(value):
            raise PydanticCustomError("invalid_value", "must be " + description)
        return value

    return BeforeValidator(check)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _dns_label(max_length: int) -> BeforeValidator:
    return _expect(
        f"a DNS label: lowercase letters, digits and '-', starting with a letter, "
        f"not ending with '-', at most {max_length} characters",
        lambda v: isinstance(v, str) and len(v) <= max_length and bool(_DNS_LABEL.match(v)),
    )


Name = Annotated[str, Field(max_length=32, pattern=_DNS_LABEL.pattern), _dns_label(32)]
EnvironmentName = Annotated[str, Field(max_length=16, pattern=_DNS_LABEL.pattern), _dns_label(16)]
NonNegativeInt = Annotated[
    int, Field(ge=0), _expect("an integer ≥ 0", lambda v: _is_int(v) and v >= 0)
]
Port = Annotated[
    int,
    Field(ge=1, le=65535),
    _expect("an integer between 1 and 65535", lambda v: _is_int(v) and 1 <= v <= 65535),
]


class SpecModel(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        extra="forbid",
        frozen=True,
        strict=True,
    )


class Metadata(SpecModel):
    name: Name
    environment: EnvironmentName = DEFAULT_ENVIRONMENT
    labels: dict[str, str] = Field(default_factory=dict)


class EntrypointSpec(SpecModel):
    """The container (and port) that receives traffic."""

    container: Annotated[str, Field(min_length=1)]
    port: Port | None = None


class Cors(SpecModel):
    allow_origins: list[str] = Field(default_factory=lambda: ["*"])
    allow_methods: list[str] = Field(default_factory=lambda: ["*"])
    allow_headers: list[str] = Field(default_factory=lambda: ["*"])
    max_age: NonNegativeInt = 0


class ApiSpec(SpecModel):
    """Front door A: an API Gateway HTTP API in front of the entrypoint container."""

    type: Literal["REST", "GraphQL"] = "REST"
    restrict_access: bool = False
    # With restrictAccess: OAuth scopes a caller's token must carry (any of them), on every route.
    scopes: list[Annotated[str, Field(min_length=1, max_length=256)]] = Field(default_factory=list)
    cors: Cors = Field(default_factory=Cors)


class HostingSpec(SpecModel):
    """Front door B: a load balancer and CDN on the user's own domain."""

    domain: Annotated[
        str,
        _expect(
            "a lowercase domain name such as 'example.com'",
            lambda v: isinstance(v, str) and bool(_DOMAIN.match(v)),
        ),
    ]
    dns: Literal["route53", "external"] = "route53"
    restrict_access: bool = False


class TaskSpec(SpecModel):
    cpu: Annotated[
        int,
        _expect(
            "one of Fargate's cpu sizes: " + ", ".join(map(str, FARGATE_TASK_SIZES)),
            lambda v: _is_int(v) and v in FARGATE_TASK_SIZES,
        ),
    ] = 512
    memory: Annotated[int, _expect("an integer (MiB)", _is_int)] = 1024

    @model_validator(mode="after")
    def _fargate_combination(self) -> TaskSpec:
        allowed = FARGATE_TASK_SIZES[self.cpu]
        if self.memory not in allowed:
            raise PydanticCustomError(
                "fargate_task_size",
                "Fargate does not offer {memory} MiB with {cpu} cpu units; allowed: {allowed}",
                {"at": "memory", "memory": self.memory, "cpu": self.cpu,
                 "allowed": _ranges(allowed)},
            )
        return self


def _ranges(values: tuple[int, ...]) -> str:
    if len(values) <= 3:
        return ", ".join(map(str, values))
    return f"{values[0]}..{values[-1]} in steps of {values[1] - values[0]}"


class TableKey(SpecModel):
    """One key attribute of a table we create: S(tring), N(umber) or B(inary)."""

    name: Annotated[
        str,
        _expect(
            "an attribute name of 1-255 characters",
            lambda v: isinstance(v, str) and 1 <= len(v) <= 255,
        ),
    ]
    type: Literal["S", "N", "B"] = "S"


class StorageGrant(SpecModel):
    """Access to one DynamoDB table (created by us only when `create` is true, with
    `partitionKey`, default `{name: id, type: S}`, and an optional `sortKey`)."""

    table: Annotated[
        str,
        _expect(
            "a DynamoDB table name (3-255 of A-Z a-z 0-9 _ . -)",
            lambda v: isinstance(v, str) and bool(_TABLE_NAME.match(v)),
        ),
    ]
    permissions: Annotated[
        list[Literal["create", "read", "update", "delete"]], Field(min_length=1)
    ]
    create: bool = False
    # The created table's name in AWS; default `<environment>-<table>` (specs/tables.py).
    table_name: Annotated[
        str | None,
        _expect(
            "a DynamoDB table name (3-255 of A-Z a-z 0-9 _ . -)",
            lambda v: v is None or (isinstance(v, str) and bool(_TABLE_NAME.match(v))),
        ),
    ] = None
    partition_key: TableKey | None = None
    sort_key: TableKey | None = None

    @model_validator(mode="after")
    def _keys_only_for_created_tables(self) -> StorageGrant:
        if self.table_name is not None and not self.create:
            raise PydanticCustomError(
                "table_name_without_create",
                "only allowed with 'create: true'; without it 'table' is the existing table's name",
                {"at": "tableName"},
            )
        for field, key in (("partitionKey", self.partition_key), ("sortKey", self.sort_key)):
            if key is not None and not self.create:
                raise PydanticCustomError(
                    "keys_without_create",
                    "only allowed with 'create: true': the keys shape the table the reconciler "
                    "creates (a table it does not create keeps its own keys)",
                    {"at": field},
                )
        partition = self.partition_key.name if self.partition_key else "id"
        if self.sort_key is not None and self.sort_key.name == partition:
            raise PydanticCustomError(
                "sort_key_is_partition_key",
                "must differ from the partition key's name '{name}'",
                {"at": ("sortKey", "name"), "name": partition},
            )
        return self


def _is_vpc_cidr(value: Any) -> bool:
    try:
        network = ipaddress.IPv4Network(value, strict=True)
    except (TypeError, ValueError):
        return False
    return isinstance(value, str) and 16 <= network.prefixlen <= 24


class NetworkSpec(SpecModel):
    cidr: Annotated[
        str, _expect("an IPv4 network with a /16 to /24 prefix, like 10.0.0.0/16", _is_vpc_cidr)
    ]


class LogsSpec(SpecModel):
    retention_days: Annotated[
        int,
        _expect(
            "one of CloudWatch's retention values: " + ", ".join(map(str, LOG_RETENTION_DAYS)),
            lambda v: _is_int(v) and v in LOG_RETENTION_DAYS,
        ),
    ] = 30


_PROFILE = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_.-]*$")  # Compose's own profile-name rule


class ComposeSpec(SpecModel):
    """How the compose files are read, as `docker compose -f FILE... --profile P...` would."""

    files: Annotated[
        list[Annotated[str, Field(min_length=1)]],
        Field(
            min_length=1,
            description="Compose files relative to spec.source, merged in order like "
            "`docker compose -f a -f b` (no override file is then read by default)",
        ),
    ] | None = None
    profiles: Annotated[
        list[
            Annotated[
                str,
                Field(pattern=_PROFILE.pattern),
                _expect("a profile name: letters, digits, '_', '.', '-'",
                        lambda v: isinstance(v, str) and bool(_PROFILE.match(v))),
            ]
        ],
        Field(description="Active profiles: services listing other profiles are left out"),
    ] = Field(default_factory=list)


class Spec(SpecModel):
    source: Annotated[
        str,
        Field(
            min_length=1,
            description="A folder holding a compose file or a Dockerfile, or the compose file "
            "or Dockerfile itself; relative to this spec file",
        ),
    ] = "."
    compose: ComposeSpec = Field(default_factory=ComposeSpec)
    entrypoint: EntrypointSpec | None = None
    replicas: NonNegativeInt | None = None
    high_availability: bool = False
    api: ApiSpec | None = None
    hosting: HostingSpec | None = None
    task: TaskSpec = Field(default_factory=TaskSpec)
    storage: list[StorageGrant] = Field(default_factory=list)
    # None: this spec does not care; the environment's VPC uses DEFAULT_VPC_CIDR unless another
    # spec of the environment sets one (so omitting it never conflicts with a spec that does).
    network: NetworkSpec | None = None
    logs: LogsSpec = Field(default_factory=LogsSpec)
    adopt: bool = False
    # env_file entries outside `source` that may be read anyway (files or folders, relative to
    # this spec file); without it such entries are refused (specs/source_files.py).
    env_files_outside_source: list[Annotated[str, Field(min_length=1)]] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _api_is_the_default_front_door(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("api") is None and data.get("hosting") is None:
            return {**data, "api": {}}
        return data

    @model_validator(mode="after")
    def _one_front_door_and_unique_tables(self) -> Spec:
        if self.api is not None and self.hosting is not None:
            raise PydanticCustomError(
                "front_door_conflict",
                "'api' and 'hosting' cannot both be set: choose one front door",
                {"at": "hosting"},
            )
        tables = [grant.table for grant in self.storage]
        for index, table in enumerate(tables):
            if table in tables[:index]:
                raise PydanticCustomError(
                    "duplicate_table",
                    "table '{table}' is listed twice; give it one entry",
                    {"at": ("storage", index, "table"), "table": table},
                )
        return self


class ServerlessContainer(SpecModel):
    """One deployable app: `kind: ServerlessContainer`."""

    api_version: Literal["reconcile.dev/v1alpha1"] = Field(alias="apiVersion")
    kind: Literal["ServerlessContainer"]
    metadata: Metadata
    spec: Spec = Field(default_factory=Spec)

    @property
    def name(self) -> str:
        return self.metadata.name

    @property
    def environment(self) -> str:
        return self.metadata.environment

    @property
    def vpc_cidr(self) -> str:
        network = self.spec.network
        return network.cidr if network is not None else DEFAULT_VPC_CIDR

    @property
    def key(self) -> tuple[str, str]:
        """(environment, name): unique across all loaded specs."""
        return self.metadata.environment, self.metadata.name


def json_schema() -> dict:
    """JSON Schema of a whole ServerlessContainer document (for editors)."""
    schema = ServerlessContainer.model_json_schema(by_alias=True, mode="validation")
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}
