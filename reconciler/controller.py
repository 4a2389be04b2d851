"""The protocol every AWS kind implements (crossplane-runtime's managed reconciler, ACK's
resource manager), and the context it works in.

- `desired(env)` builds this kind's desired resources from the specs of one environment.
- `observe(resources, ctx)` is read-only and batched: one Describe/List serves all resources
  of the kind in a pass.
- `diff(resource, observation)` is pure: left-scoped, canonicalised.
- `apply(resource, observation, ctx)` creates or updates and returns the outputs; it submits work
  and returns, it never polls. `delete(key, observation, ctx)` treats "already gone" as success.
The engine, not the controller, decides create / update / replace / noop: a change to a field
listed in `immutable` turns an update into a replace.
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
    """Facts read once per pass and shared between controllers (e.g. the VPC's subnets)."""

    def __init__(self) -> None:
        self._values: dict[Any, Any] = {}
        self._lock = threading.Lock()

    def get(self, key: Any, compute: Callable[[], Any]) -> Any:
        with self._lock:
            if key in self._values:
                return self._values[key]
        value = compute()
        with self._lock:
            return self._values.setdefault(key, value)

    def invalidate(self, key: Any) -> None:
        with self._lock:
            self._values.pop(key, None)


@dataclass
class Context:
    """Handed to observe/apply/delete: clients, the account's immutable facts, the pass cache."""

    aws: ClientFactory
    cache: PassCache = field(default_factory=PassCache)

    def client(self, service: str) -> Any:
        return self.aws.client(service)

    @property
    def region(self) -> str:
        return self.aws.region

    @property
    def account_id(self) -> str:
        return self.aws.account_id()

    def availability_zones(self, count: int) -> list[str]:
        zones = self.aws.availability_zones()
        return zones[:count]

    def new_pass(self) -> "Context":
        return Context(self.aws)


@runtime_checkable
class Controller(Protocol):
    kind: ClassVar[str]
    scope: ClassVar[Literal["environment", "app"]]
    immutable: ClassVar[frozenset[str]]

    def desired(self, env: EnvironmentDesign) -> list[Resource]: ...

    def observe(self, resources: Sequence[Resource], ctx: Context) -> Mapping[Key, Observation]: ...

    def diff(self, resource: Resource, observation: Observation) -> list[FieldChange]: ...

    def apply(self, resource: Resource, observation: Observation, ctx: Context) -> Mapping[str, Any]: ...

    def delete(self, key: Key, observation: Observation, ctx: Context) -> None: ...


# Optional, for kinds that can tell which apps still run in an environment (ECS services):
#     def apps_in_environment(self, environment: str, ctx: Context) -> set[str]: ...
# Teardown deletes an environment's shared resources only when no kind names another app.


class BaseController:
    """Defaults shared by most kinds. Subclasses set kind/scope and implement the protocol."""

    kind: ClassVar[str] = ""
    scope: ClassVar[Literal["environment", "app"]] = "app"
    immutable: ClassVar[frozenset[str]] = frozenset()
    # Top-level desired keys not compared: write-only or not observable (documented per kind).
    unobservable: ClassVar[frozenset[str]] = frozenset()
    sensitive: ClassVar[frozenset[str]] = frozenset()
    # Resources that hold data (tables) are left in place by `reconcile delete`.
    retain_on_delete: ClassVar[bool] = False

    def diff(self, resource: Resource, observation: Observation) -> list[FieldChange]:
        from reconciler.compare import diff_fields

        desired = dict(resource.desired)
        desired["tags"] = resource.tags
        return diff_fields(desired, observation.fields, ignore=self.unobservable, sensitive=self.sensitive)
