"""Per-service call budgets, shared by the whole process (every client of a ClientFactory).

AWS control planes are throttled per account, not per client: API Gateway's management API
allows about 10 requests a second across the account, CreateVpcLink one call per 15 seconds,
DeleteVpcLink one per 30 seconds (API Gateway quotas, "creating, deploying and managing an
API"). botocore's adaptive mode limits one client; a reconciler with several kinds calling one
service, or several apps converging at once, needs one budget per service.

- A service budget is a token bucket: a call waits (briefly) for a token. On a throttling answer
  the service's rate is halved (down to a floor) and recovers step by step as calls succeed
  (AIMD), so throttling slows the whole service instead of every client retrying in a storm.
- An operation budget (CreateVpcLink) is too sparse to wait for inside a call: without a token
  the call is not sent and `BudgetExhausted` (a requeue) says when to try again.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from reconciler.errors import RequeueAfter

THROTTLING_CODES = frozenset({
    "Throttling", "ThrottlingException", "ThrottledException", "RequestLimitExceeded", "TooManyRequestsException",
    "RequestThrottled", "RequestThrottledException", "SlowDown", "ProvisionedThroughputExceededException",
    "LimitExceededException", "PriorRequestNotComplete", "EC2ThrottledException", "BandwidthLimitExceeded",
})


@dataclass(frozen=True)
class Rate:
    per_second: float
    burst: float


# Documented (API Gateway) or conservative (the rest, whose quotas are per action and higher).
SERVICE_RATES: dict[str, Rate] = {
    "apigatewayv2": Rate(10.0, 10.0),
    "apigateway": Rate(10.0, 10.0),
    "cognito-idp": Rate(10.0, 10.0),
    "servicediscovery": Rate(10.0, 20.0),
    "iam": Rate(10.0, 20.0),
    "ecs": Rate(20.0, 40.0),
    "ec2": Rate(20.0, 50.0),
    "elbv2": Rate(20.0, 40.0),
    "acm": Rate(10.0, 20.0),
    "route53": Rate(5.0, 5.0),
    "cloudfront": Rate(5.0, 10.0),
}
OPERATION_RATES: dict[tuple[str, str], Rate] = {
    ("apigatewayv2", "CreateVpcLink"): Rate(1 / 15, 1.0),
    ("apigatewayv2", "DeleteVpcLink"): Rate(1 / 30, 1.0),
    ("apigatewayv2", "CreateDomainName"): Rate(1 / 30, 1.0),
    ("apigatewayv2", "DeleteDomainName"): Rate(1 / 30, 1.0),
}
# Longest a call waits for a service token before it goes anyway (a budget slows, never blocks).
MAX_WAIT = 5.0


class BudgetExhausted(RequeueAfter):
    """A sparse operation budget has no token now: try again after `seconds`."""

    def __init__(self, service: str, operation: str, seconds: float) -> None:
        super().__init__(f"{service}:{operation} is allowed once every {1 / OPERATION_RATES[(service, operation)].per_second:.0f}s "
                         f"per account; next in {seconds:.0f}s", seconds, reason="CallBudget")


class TokenBucket:
    def __init__(self, rate: Rate, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = rate.per_second
        self.nominal = rate.per_second
        self.burst = rate.burst
        self.tokens = rate.burst
        self.clock = clock
        self.updated = clock()

    def _refill(self) -> None:
        now = self.clock()
        self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.rate)
        self.updated = now

    def take(self) -> float:
        """Take a token; the seconds to wait before the call may go (0 when one was there)."""
        self._refill()
        self.tokens -= 1
        return 0.0 if self.tokens >= 0 else -self.tokens / self.rate

    def try_take(self) -> float:
        """Take a token if there is one (0.0); else take nothing and say how long until one."""
        self._refill()
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.rate

    def throttled(self) -> None:
        self.rate = max(self.nominal / 8, self.rate / 2)

    def succeeded(self) -> None:
        self.rate = min(self.nominal, self.rate + self.nominal / 20)


class Budgets:
    """The process's budgets; `before_call` is wired to every client's before-send event."""

    def __init__(self, clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep) -> None:
        self._lock = threading.Lock()
        self._services = {name: TokenBucket(rate, clock) for name, rate in SERVICE_RATES.items()}
        self._operations = {key: TokenBucket(rate, clock) for key, rate in OPERATION_RATES.items()}
        self._sleep = sleep

    def before_call(self, service: str, operation: str) -> None:
        with self._lock:
            sparse = self._operations.get((service, operation))
            if sparse is not None:
                wait = sparse.try_take()
                if wait:
                    raise BudgetExhausted(service, operation, wait)
            bucket = self._services.get(service)
            wait = bucket.take() if bucket is not None else 0.0
        if wait:
            self._sleep(min(wait, MAX_WAIT))

    def after_answer(self, service: str, error_code: str) -> None:
        with self._lock:
            bucket = self._services.get(service)
            if bucket is None:
                return
            if error_code in THROTTLING_CODES:
                bucket.throttled()
            elif not error_code:
                bucket.succeeded()

    def rate(self, service: str) -> float | None:
        bucket = self._services.get(service)
        return None if bucket is None else bucket.rate
