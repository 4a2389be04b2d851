"""Per-pass shared ELBv2 reads (through `ctx.cache`), so the five ALB kinds together make one
DescribeLoadBalancers, one DescribeTargetGroups, one DescribeListeners per load balancer, one
DescribeRules and one DescribeListenerCertificates per listener, and DescribeTags in batches of
20, however many resources ask."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from controllers.alb import aws
from reconciler.controller import Context
from reconciler.resource import UNKNOWN
from reconciler.ownership import tagged_for  # noqa: F401  (re-exported for this package)

SERVICE = "elbv2"


def client(ctx: Context) -> Any:
    return ctx.client(SERVICE)


def load_balancers(ctx: Context) -> list[dict]:
    return ctx.cache.get((SERVICE, "lbs"), lambda: aws.load_balancers(client(ctx)))


def listeners(ctx: Context, load_balancer_arn: Any) -> list[dict]:
    if not isinstance(load_balancer_arn, str):
        return []
    return ctx.cache.get((SERVICE, "listeners", load_balancer_arn), lambda: aws.listeners(client(ctx), load_balancer_arn))


def rules(ctx: Context, listener_arn: Any) -> list[dict]:
    if not isinstance(listener_arn, str):
        return []
    return ctx.cache.get((SERVICE, "rules", listener_arn), lambda: aws.rules(client(ctx), listener_arn))


def target_groups(ctx: Context) -> list[dict]:
    return ctx.cache.get((SERVICE, "tgs"), lambda: aws.target_groups(client(ctx)))


def listener_certificates(ctx: Context, listener_arn: Any) -> list[dict]:
    if not isinstance(listener_arn, str):
        return []
    return ctx.cache.get((SERVICE, "certs", listener_arn), lambda: aws.listener_certificates(client(ctx), listener_arn))


def tags_of(ctx: Context, arns: Iterable[str]) -> dict[str, dict[str, str]]:
    """Tags of these ARNs, each read once per pass (batched)."""
    known: dict[str, dict[str, str]] = ctx.cache.get((SERVICE, "tags"), dict)
    missing = sorted({a for a in arns if a not in known})
    if missing:
        found = aws.tags(client(ctx), missing)
        known.update({arn: found.get(arn, {}) for arn in missing})
    return {arn: known.get(arn, {}) for arn in arns}


def certificate_tags(ctx: Context, arn: str) -> dict[str, str]:
    return ctx.cache.get((SERVICE, "acm-tags", arn), lambda: aws.certificate_tags(ctx.client("acm"), arn))




def known(value: Any) -> bool:
    return value is not UNKNOWN and value is not None
