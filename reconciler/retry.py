"""Named retry policies for eventual consistency, in one place (tenacity).

AWS control planes are eventually consistent: a resource created a moment ago may answer
NotFound on the next read, and an IAM role created this pass may not be assumable by ECS,
Lambda or CodeBuild for a few seconds. These policies cover those windows only: bounded to a
few seconds, retrying a narrow set of errors. Throttling and transport errors are botocore's
job (reconciler.aws); anything longer is the engine's requeue.

Usage::

    from reconciler import retry
    role = retry.read_after_create.call(iam.get_role, RoleName=name)

    @retry.iam_propagation
    def register(...): ...

Tests make the waits instant with `monkeypatch.setattr(retry, "SLEEP", lambda s: None)`, or
build one Retrying with its own sleep: `policy.retrying(sleep=lambda s: None)(fn, ...)`.
"""
from __future__ import annotations

import functools
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import structlog
from botocore.exceptions import ClientError
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt, stop_after_delay, wait_exponential

from reconciler.aws import error_code, is_not_found

log = structlog.get_logger("reconciler.retry")

# Injectable: every policy sleeps through this name, looked up at call time.
SLEEP: Callable[[float], None] = time.sleep

T = TypeVar("T")


def _sleep(seconds: float) -> None:
    SLEEP(seconds)


@dataclass(frozen=True)
class Policy:
    """A named, bounded retry policy. `should_retry` selects the errors worth waiting out."""

    name: str
    should_retry: Callable[[BaseException], bool]
    max_attempts: int = 6
    max_seconds: float = 8.0
    first_wait: float = 0.25
    max_wait: float = 2.0

    def retrying(self, sleep: Callable[[float], None] | None = None) -> Retrying:
        """A fresh tenacity Retrying (they keep per-call state, so one per call)."""
        return Retrying(
            retry=retry_if_exception(self.should_retry),
            stop=stop_after_attempt(self.max_attempts) | stop_after_delay(self.max_seconds),
            wait=wait_exponential(multiplier=self.first_wait, max=self.max_wait),
            sleep=sleep or _sleep,
            before_sleep=self._log,
            reraise=True,
        )

    def call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        return self.retrying()(fn, *args, **kwargs)

    def __call__(self, fn: Callable[..., T]) -> Callable[..., T]:
        """Use as a decorator."""

        @functools.wraps(fn)
        def wrapped(*args: Any, **kwargs: Any) -> T:
            return self.call(fn, *args, **kwargs)

        return wrapped

    def _log(self, state: RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome else None
        code = error_code(error) if isinstance(error, ClientError) else type(error).__name__
        log.info("retry_scheduled", policy=self.name, attempt=state.attempt_number, error=code,
                 wait=round(state.next_action.sleep, 2) if state.next_action else None)


def not_found(error: BaseException) -> bool:
    """A read right after a create answered NotFound / NoSuchEntity."""
    return isinstance(error, ClientError) and is_not_found(error)


_ASSUME = re.compile(r"(cannot|unable to|could not|not authorized to perform:? sts:)\s*(be\s+)?assume", re.I)
_PROPAGATION_CODES = frozenset({
    "InvalidParameterException",  # ECS: "ECS was unable to assume the role ..."
    "InvalidParameterValueException",  # Lambda: "The role defined for the function cannot be assumed"
    "InvalidInputException",  # CodeBuild / CodePipeline
    "AccessDeniedException",
    "ValidationException",
})


def role_not_assumable_yet(error: BaseException) -> bool:
    """A new IAM role not yet visible to the service that must assume it."""
    if not isinstance(error, ClientError) or error_code(error) not in _PROPAGATION_CODES:
        return False
    message = error.response.get("Error", {}).get("Message", "")
    return bool(_ASSUME.search(message))


def _either(*predicates: Callable[[BaseException], bool]) -> Callable[[BaseException], bool]:
    return lambda error: any(p(error) for p in predicates)


# Read-after-create: a Get/Describe right after a Create answered NotFound.
read_after_create = Policy("read_after_create", not_found)

# IAM propagation: a just-created role is not yet assumable (ECS RegisterTaskDefinition /
# CreateService, Lambda, CodeBuild), or a just-created role is NotFound to IAM itself.
iam_propagation = Policy("iam_propagation", _either(role_not_assumable_yet, not_found), max_attempts=8, max_seconds=12.0)


def throttled(error: BaseException) -> bool:
    """AWS refused the call before running it (throttling): resending it cannot duplicate."""
    from reconciler.budget import THROTTLING_CODES

    return isinstance(error, ClientError) and error_code(error) in THROTTLING_CODES


# A create AWS takes without an idempotency token, sent on a client that never retries by itself
# (`ClientFactory.client(..., retries=False)`): resent only when AWS said it did not run it. A lost
# answer or a 5xx propagates; the next pass finds what the call made by its creation tags.
unsafe_create = Policy("unsafe_create", throttled, max_attempts=5, max_seconds=10.0)
