"""Per-pass shared Cognito reads (through `ctx.cache`): one ListUserPools per pass, one
DescribeUserPool per candidate pool, shared by the pool and app-client kinds (a client has no
tags of its own: it belongs to its pool, whose `UserPoolTags` carry ours)."""
from __future__ import annotations

from typing import Any

from controllers.auth import aws
from reconciler.controller import Context
from reconciler.ownership import (
    TAG_CREATION_TOKEN,
)
from reconciler.ownership import tagged_for  # noqa: F401  (re-exported for this package)

SERVICE = "cognito-idp"


def client(ctx: Context, *, retries: bool = True) -> Any:
    return ctx.client(SERVICE, retries=retries)


def recorded_pool(pools: list[dict], recorded: Any) -> dict | None:
    """The pool the state store's inventory names: by id, else by creation token."""
    if recorded is None:
        return None
    token = getattr(recorded, "token", "")
    return next((p for p in pools if p["Id"] == getattr(recorded, "physical_id", None)), None) or next(
        (p for p in pools if token and (p.get("UserPoolTags") or {}).get(TAG_CREATION_TOKEN) == token), None)


def pools_named(ctx: Context, name: str) -> list[dict]:
    listed = ctx.cache.get((SERVICE, "pools"), lambda: aws.list_user_pools(client(ctx)))
    found = [pool_by_id(ctx, p["Id"]) for p in listed if p.get("Name") == name]
    return [p for p in found if p is not None]


def pool_by_id(ctx: Context, pool_id: str) -> dict | None:
    return ctx.cache.get((SERVICE, "pool", pool_id), lambda: aws.find_user_pool(client(ctx), pool_id))

