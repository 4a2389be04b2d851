"""What the executor tells the reconciler's memory (the state store) as it works, and the
creation tokens it gets back. The protocol keeps the executor free of DynamoDB; runs without a
state store (engine tests with fakes) use NO_RECORDER."""
from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from reconciler.resource import Key, Resource

_TOKENS = uuid.UUID("8e0f3d8a-4c1e-4f38-9a55-5a6f3c2b7d10")


def derived_token(resource: Resource) -> str:
    """A token from the key and the request (36 characters, the shortest limit among the APIs
    that take one): stable across retries of the same request, new when the request changes."""
    digest = hashlib.sha256(json.dumps(resource.desired, sort_keys=True, default=str).encode()).hexdigest()
    return str(uuid.uuid5(_TOKENS, f"{resource.key}:{digest}"))


class Recorder(Protocol):
    def before_create(self, resources: Sequence[Resource]) -> dict[Key, str]:
        """Called before the creates of one kind, with the resources about to be created.
        Returns each one's creation token (recorded first, where the recorder keeps state)."""
        ...

    def created(self, resource: Resource, outputs: Mapping[str, Any]) -> None: ...

    def create_refused(self, resource: Resource) -> None:
        """AWS answered the create with a refusal (4xx): it did not run."""
        ...

    def recent_create(self, key: Key) -> float | None:
        """Seconds since a create of `key` was recorded (pending, or answered) by an earlier pass
        or process; None when none is."""
        ...

    def after_pass(self, plan: Any, result: Any, status: Any) -> None:
        """After every pass (plan, ApplyResult or None, Status): write what changed."""
        ...


class _NoRecorder:
    def before_create(self, resources: Sequence[Resource]) -> dict[Key, str]:
        return {r.key: derived_token(r) for r in resources}

    def created(self, resource: Resource, outputs: Mapping[str, Any]) -> None:
        pass

    def create_refused(self, resource: Resource) -> None:
        pass

    def recent_create(self, key: Key) -> float | None:
        return None

    def after_pass(self, plan: Any, result: Any, status: Any) -> None:
        pass


NO_RECORDER: Recorder = _NoRecorder()
