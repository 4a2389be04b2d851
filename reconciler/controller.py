"""The protocol every AWS kind implements (crossplane-runtime's managed reconciler, ACK's
resource manager), and the context it works in.

- `desired(env)` builds this kind's desired resources from the specs of one environment.
- `observe(resources, ctx)` is read-only and batched: one Describe/List serves all resources
  of the kind in a pass.
- `diff(resource, observation)` is pure: left-scoped, canonicalised.
- `create(resource, ctx)` / `update(resource, observation, changes, ctx)` return the outputs;
  they submit work and return, they never poll. `update` receives the field changes the engine
  computed: no controller diffs again or branches on `observation.exists`.
  `delete(key, observation, ctx)` treats "already gone" as success.
- `identity(key)`: the least `desired` that lets `observe` find (and `delete` remove) the
  resource of that key, from the key alone. Prune and `reconcile delete` use it for resources
  whose spec is gone.
The engine, not the controller, decides create / update / replace / delete / noop: a change to a
field listed in `immutable` turns an update into a replace.
"""
from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal, Protocol, runtime_checkable

from reconciler.aws import ClientFactory
from reconciler.design import EnvironmentDesign
from reconciler.resource import FieldChange, Key, Observation, Resource


class PassCache:
    """Facts read once per pass and shared between controllers (e.g. the VPC's subnets). Kinds
    are observed concurrently: a second asker waits for the first one's answer instead of
    sending the same request again."""

    def __init__(self) -> None:
        self._values: dict[Any, Any] = {}
        self._lock = threading.Lock()
        self._computing: dict[Any, threading.Lock] = {}

    def get(self, key: Any, compute: Callable[[], Any]) -> Any:
        with self._lock:
            if key in self._values:
                return self._values[key]
            computing = self._computing.setdefault(key, threading.Lock())
        with computing:
            with self._lock:
                if key in self._values:
                    return self._values[key]
            value = compute()
            with self._lock:
                return self._values.setdefault(key, value)

    def invalidate(self, key: Any) -> None:
        with self._lock:
            self._values.pop(key, None)


class Memory(Protocol):
    """What the reconciler recorded of a resource (the state store's inventory)."""

    def recorded(self, key: Key) -> Any: ...


@dataclass
class Context:
    """Handed to observe/create/update/delete: clients, the account's immutable facts, the pass
    cache, and what the state store recorded (`recorded(key)`: an InventoryEntry or None)."""

    aws: ClientFactory
    cache: PassCache = field(default_factory=PassCache)
    memory: Memory | None = None
    # What the state store lets a pass skip reading (reconciler.state.recall.Recall), or None.
    recall: Any = None

    def client(self, service: str, region: str | None = None, *, retries: bool = True) -> Any:
        """A client for `service` in `region` (default: the target's region). CloudFront's
        certificates live in us-east-1 whatever the environment's region. `retries=False` for
        creates AWS takes without a token (see reconciler.retry.unsafe_create)."""
        return self.aws.client(service, region, retries=retries)

    def recorded(self, key: Key) -> Any:
        return self.memory.recorded(key) if self.memory is not None else None

    def pace(self, seconds: float) -> float:
        """A wait that fits AWS (a VPC link takes minutes), scaled for the embedded emulator,
        whose clocks run faster (its VPC links are ready at once, its rollouts take seconds)."""
        return seconds * (0.1 if self.aws.endpoint.emulated else 1.0)

    @property
    def region(self) -> str:
        return self.aws.region

    @property
    def account_id(self) -> str:
        return self.aws.account_id()

    @property
    def partition(self) -> str:
        """`aws`, `aws-cn` or `aws-us-gov`, from the caller identity: never a literal in ARNs."""
        return self.aws.partition()

    def arn(self, service: str, resource: str, *, region: str | None = None, account: bool = True) -> str:
        region = self.region if region is None else region
        return f"arn:{self.partition}:{service}:{region}:{self.account_id if account else ''}:{resource}"

    def availability_zones(self, count: int) -> list[str]:
        """Names of the first `count` usable zones (reconciler.zones: by zone ID)."""
        zones = self.aws.availability_zones()
        return zones[:count]

    def zone_ids(self, count: int) -> list[str]:
        return [zone.zone_id for zone in self.aws.zones()[:count]]

    def new_pass(self) -> "Context":
        return Context(self.aws, memory=self.memory, recall=self.recall)


@runtime_checkable
class Controller(Protocol):
    kind: ClassVar[str]
    scope: ClassVar[Literal["environment", "app"]]
    immutable: ClassVar[frozenset[str]]
    outputs: ClassVar[frozenset[str]]
    references: ClassVar[frozenset[str]]

    def desired(self, env: EnvironmentDesign) -> list[Resource]: ...

    def identity(self, key: Key) -> dict[str, Any]: ...

    def observe(self, resources: Sequence[Resource], ctx: Context) -> Mapping[Key, Observation]: ...

    def diff(self, resource: Resource, observation: Observation) -> list[FieldChange]: ...

    def create(self, resource: Resource, ctx: Context) -> Mapping[str, Any]: ...

    def update(self, resource: Resource, observation: Observation, changes: Sequence[FieldChange],
               ctx: Context) -> Mapping[str, Any]: ...

    def delete(self, key: Key, observation: Observation, ctx: Context) -> None: ...


# Optional, for kinds that can tell which apps still run in an environment (ECS services):
#     def apps_in_environment(self, environment: str, ctx: Context) -> set[str]: ...
# Deleting an app deletes its environment's shared resources only when no kind names another app.


class BaseController:
    """Defaults shared by most kinds. Subclasses set kind/scope and implement the protocol."""

    kind: ClassVar[str] = ""
    scope: ClassVar[Literal["environment", "app"]] = "app"
    immutable: ClassVar[frozenset[str]] = frozenset()
    # The outputs this kind provides, and the kinds its desired state may reference: a Ref to an
    # undeclared output (or kind) is a load-time error, and deletes are ordered by `references`.
    outputs: ClassVar[frozenset[str]] = frozenset({"id"})
    references: ClassVar[frozenset[str]] = frozenset()
    # Sub-names every app (or environment) has for this kind, so that an app whose spec is gone
    # can be found and deleted from its key alone (the IAM roles "execution" and "task").
    # Empty for kinds whose names come from the spec (one log group per container).
    standard_names: ClassVar[tuple[str, ...]] = ("",)
    # The same for the environment-level resources of the kind (default: one, unnamed, for
    # environment-scoped kinds).
    environment_names: ClassVar[tuple[str, ...] | None] = None
    # Top-level desired keys not compared: write-only or not observable (documented per kind).
    unobservable: ClassVar[frozenset[str]] = frozenset()
    sensitive: ClassVar[frozenset[str]] = frozenset()
    # Resources that hold data (tables) are never deleted by us; user pools (which hold users)
    # are kept when only the spec stops wanting them, and deleted with their app.
    retain_on_delete: ClassVar[bool] = False
    retain_on_prune: ClassVar[bool] = False
    # False when a new resource is not usable until observe says so (asynchronous creates).
    ready_after_apply: ClassVar[bool] = True
    # False for creates AWS gives no idempotency and no unique name (CreateVpc, CreateApi): the
    # engine records a create-pending marker (with the creation token) before calling them.
    idempotent_create: ClassVar[bool] = True
    # The desired field that names a deployable revision (ECS service: taskDefinition). A revision
    # whose rollout failed is held: the engine does not set this field to it again until the
    # spec or its source changes (see `reconciler.plan.hold_failed_revision`).
    rollout_field: ClassVar[str] = ""
    # For such creates: how long after one (answered or not) a resource that observe does not
    # show is taken as still appearing (AWS's read-after-create lag), not as missing.
    read_after_create_grace: ClassVar[float] = 60.0
    # How often to look again while a resource is not ready (a VPC link takes minutes).
    poll_interval: ClassVar[float] = 5.0
    # Read one resource at a time (no batch form): a pass may skip the read when the state store
    # proves nothing changed since the last one, with a full read every Nth pass
    # (reconciler.state.recall). Never for kinds whose observation carries live state (rollouts).
    recallable: ClassVar[bool] = False

    def delete_duplicate(self, key: Key, duplicate: Any, ctx: Context) -> None:
        """Delete an extra copy of the resource (`Observation.duplicates`): made by a create whose
        answer was lost and which was sent again. Kinds that can have copies override this."""
        raise NotImplementedError(f"{self.kind} reports no duplicates")

    def identity(self, key: Key) -> dict[str, Any]:
        return {}

    def standard_keys(self, environment: str, app: str | None) -> list[Key]:
        """The keys this kind always has for an app (or, with app None, for the environment)."""
        if app is None:
            names = self.environment_names if self.environment_names is not None else (
                ("",) if self.scope == "environment" else ())
        else:
            names = self.standard_names if self.scope == "app" else ()
        return [Key(self.kind, environment, app, name) for name in names]

    def diff(self, resource: Resource, observation: Observation) -> list[FieldChange]:
        from reconciler.compare import diff_fields

        desired = dict(resource.desired)
        desired["tags"] = resource.tags
        return diff_fields(desired, observation.fields, ignore=self.unobservable, sensitive=self.sensitive)
