"""The engine's vocabulary: resource keys, typed output references, desired and observed state.

Controllers build `Resource`s (desired) and `Observation`s (observed); the engine orders them,
resolves `Ref`s, and decides create / update / replace / noop.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any, Literal


@dataclass(frozen=True, order=True)
class Key:
    """Identity of one managed resource: its kind, its environment, its app (None = shared by the
    environment) and a sub-name when a kind has several per app (one log group per container)."""

    kind: str
    environment: str
    app: str | None = None
    name: str = ""

    def __str__(self) -> str:
        parts = [self.kind, self.environment]
        if self.app:
            parts.append(self.app)
        if self.name:
            parts.append(self.name)
        return "/".join(parts)

    @property
    def scope(self) -> str:
        """The spec (`env/app`) or environment this resource belongs to."""
        return f"{self.environment}/{self.app}" if self.app else self.environment


@dataclass(frozen=True)
class Ref:
    """A typed reference to an output of another resource, resolved by the engine.

    `app=True` points at the resource of the same app as the referrer; otherwise at the
    environment-level one. The graph of kinds is built from these. `template` (with one `{}`)
    places the output in a string: an image URI `<repository>:{}` from a build's tag.
    """

    kind: str
    output: str
    name: str = ""
    app: bool = False
    template: str = ""

    def target(self, owner: Key) -> Key:
        return Key(self.kind, owner.environment, owner.app if self.app else None, self.name)

    def value(self, found: Any) -> Any:
        """The referenced output as placed where the Ref stands."""
        return self.template.replace("{}", str(found)) if self.template else found


class _Unknown:
    """Marks a value known only after apply (a reference to a resource not created yet)."""

    _instance: "_Unknown | None" = None

    def __new__(cls) -> "_Unknown":
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "(known after apply)"

    def __deepcopy__(self, memo: Any) -> "_Unknown":
        return self

    def __reduce__(self) -> str:
        return "UNKNOWN"


UNKNOWN = _Unknown()


Ensure = Literal["present", "absent", "retain"]


@dataclass(frozen=True)
class Resource:
    """Desired state of one resource. `desired` is in the AWS API's shape and may hold `Ref`s
    (before resolution) or `UNKNOWN` (after resolution, while a dependency does not exist)."""

    key: Key
    desired: dict[str, Any]
    tags: dict[str, str] = field(default_factory=dict)
    adopt: bool = False
    # "present": make it exist as desired. "absent": the spec wants none; delete it if it is ours
    # (an authorizer after restrictAccess is turned off). "retain": neither created nor changed,
    # deleted only with its app (a user pool holding users while access is open).
    ensure: Ensure = "present"
    # Set by the engine for a create: the creation token recorded in the state store before the
    # call (idempotency token, creation tag), stable across retries and processes.
    token: str = ""
    # Set for a resource the spec no longer wants but the inventory says we made: why it goes
    # ("no longer in the spec", "spec removed"). Such resources have ensure="absent".
    prune_reason: str = ""

    def with_desired(self, desired: dict[str, Any]) -> "Resource":
        return replace(self, desired=desired)

    def refs(self) -> list[Ref]:
        found: list[Ref] = []
        _walk_refs(self.desired, found)
        return found

    @property
    def has_unknowns(self) -> bool:
        return _contains_unknown(self.desired)


def _walk_refs(value: Any, found: list[Ref]) -> None:
    if isinstance(value, Ref):
        found.append(value)
    elif isinstance(value, dict):
        for item in value.values():
            _walk_refs(item, found)
    elif isinstance(value, (list, tuple)):
        for item in value:
            _walk_refs(item, found)


def _contains_unknown(value: Any) -> bool:
    if value is UNKNOWN:
        return True
    if isinstance(value, dict):
        return any(_contains_unknown(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(_contains_unknown(v) for v in value)
    return False


@dataclass
class Observation:
    """What a controller saw. `fields` has the shape of `desired` (canonicalised by the controller);
    `outputs` are what other kinds may reference (ids, ARNs, DNS names); `state` is the controller's
    own raw data, handed back to apply/delete."""

    exists: bool
    fields: dict[str, Any] = field(default_factory=dict)
    outputs: dict[str, Any] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    ready: bool = True
    message: str = ""
    state: Any = None
    # Exists but broken in a way waiting will not fix (an ECS rollout FAILED): reported at once.
    failed: bool = False
    # For kinds that deploy revisions (`rollout_field`): the revision whose rollout failed (the
    # circuit breaker rolled it back), recorded in the state store and not deployed again until
    # the spec or its source changes.
    failed_revision: str = ""
    # Being deleted (a VPC link DELETING): never deleted again, gone once observed gone.
    deleting: bool = False
    # Extra copies carrying our tags for this one resource (a create whose answer was lost and
    # which was sent again): the engine keeps the one observed (in use) and deletes these.
    duplicates: list[Any] = field(default_factory=list)
    # Not read in this pass: recalled from the state store, where the last read (at this time,
    # ISO) found it as desired, and nothing desired has changed since (see reconciler.state.recall).
    recalled_at: str = ""

    @classmethod
    def absent(cls, message: str = "does not exist") -> "Observation":
        return cls(exists=False, ready=False, message=message)


@dataclass(frozen=True)
class FieldChange:
    """One field that differs: `path` like `desiredCount` or `ingress[0].port`."""

    path: str
    old: Any
    new: Any
    sensitive: bool = False

    @property
    def field(self) -> str:
        """The top-level field the change is in: `ingress` for `ingress[0].port`."""
        return top_level(self.path)


def top_level(path: str) -> str:
    """The one place field paths are parsed: `a.b[0].c` -> `a`."""
    return path.split(".", 1)[0].split("[", 1)[0]


def changed_fields(changes: "Iterable[FieldChange]") -> set[str]:
    return {change.field for change in changes}


Action = Literal["create", "update", "replace", "delete", "noop"]
