"""An in-memory fake of our own Controller protocol, for engine scenario tests."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Callable

from reconciler.controller import BaseController, Context
from reconciler.design import EnvironmentDesign
from reconciler.ownership import tags_for
from reconciler.resource import UNKNOWN, Key, Observation, Resource


class FakeCloud:
    """What the fake controllers create: {key: {"fields": ..., "tags": ...}}; a log of calls."""

    def __init__(self) -> None:
        self.items: dict[Key, dict[str, Any]] = {}
        self.calls: list[tuple[str, str]] = []


class FakeController(BaseController):
    """A kind whose resources are given as {name: desired}; desired values may be Refs."""

    def __init__(self, kind: str, cloud: FakeCloud, resources: dict[str, dict], *, immutable: frozenset[str] = frozenset(),
                 on_apply: Callable[[Resource], None] | None = None, ready: Callable[[Key], bool] | None = None) -> None:
        self.kind = kind
        self.scope = "environment"
        self.immutable = immutable
        self.cloud = cloud
        self.resources = resources
        self.on_apply = on_apply
        self.ready_fn = ready
        # Declared like a real kind's: what it may reference, and (None) any output name.
        self.references = frozenset(ref.kind for desired in resources.values()
                                    for ref in Resource(Key(kind, "x"), desired).refs())
        self.outputs = None

    def desired(self, env: EnvironmentDesign) -> list[Resource]:
        out = []
        for name, desired in self.resources.items():
            key = Key(self.kind, env.name, None, name)
            out.append(Resource(key, desired, tags_for(key)))
        return out

    def observe(self, resources: Sequence[Resource], ctx: Context) -> Mapping[Key, Observation]:
        self.cloud.calls.append(("observe", self.kind))
        result = {}
        for r in resources:
            item = self.cloud.items.get(r.key)
            if item is None:
                result[r.key] = Observation.absent()
                continue
            ready = self.ready_fn(r.key) if self.ready_fn else True
            result[r.key] = Observation(True, {**item["fields"], "tags": item["tags"]}, {"id": f"id-{r.key.name}", **item["fields"]},
                                        item["tags"], ready=ready)
        return result

    def create(self, resource: Resource, ctx: Context) -> Mapping[str, Any]:
        return self._apply(resource)

    def update(self, resource: Resource, observation: Observation, changes: Any, ctx: Context) -> Mapping[str, Any]:
        assert changes, "the engine called update without changes"
        return self._apply(resource)

    def _apply(self, resource: Resource) -> Mapping[str, Any]:
        assert UNKNOWN not in resource.desired.values(), "engine applied a resource with unresolved references"
        if self.on_apply:
            self.on_apply(resource)
        self.cloud.calls.append(("apply", str(resource.key)))
        self.cloud.items[resource.key] = {"fields": dict(resource.desired), "tags": dict(resource.tags)}
        return {"id": f"id-{resource.key.name}", **resource.desired}

    def delete(self, key: Key, observation: Observation, ctx: Context) -> None:
        self.cloud.calls.append(("delete", str(key)))
        self.cloud.items.pop(key, None)
