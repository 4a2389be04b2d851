"""Per-pass shared Cognito reads (through `ctx.cache`): one ListUserPools per pass, one
DescribeUserPool per candidate pool, shared by the pool and app-client kinds (a client has no
tags of its own: it belongs to its pool, whose `UserPoolTags` carry ours)."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from controllers.auth import aws
from reconciler.controller import Context
from reconciler.ownership import TAG_APP, TAG_ENVIRONMENT, TAG_KIND, TAG_MANAGED_BY, TAG_NAME, MANAGED_BY_VALUE
from reconciler.resource import Key

SERVICE = "cognito-idp"


def client(ctx: Context) -> Any:
    return ctx.client(SERVICE)


def pools_named(ctx: Context, name: str) -> list[dict]:
    listed = ctx.cache.get((SERVICE, "pools"), lambda: aws.list_user_pools(client(ctx)))
    found = [pool_by_id(ctx, p["Id"]) for p in listed if p.get("Name") == name]
    return [p for p in found if p is not None]


def pool_by_id(ctx: Context, pool_id: str) -> dict | None:
    return ctx.cache.get((SERVICE, "pool", pool_id), lambda: aws.find_user_pool(client(ctx), pool_id))


def tagged_for(key: Key, tags: Mapping[str, str]) -> bool:
    return (
        tags.get(TAG_MANAGED_BY) == MANAGED_BY_VALUE
        and tags.get(TAG_KIND) == key.kind
        and tags.get(TAG_ENVIRONMENT) == key.environment
        and tags.get(TAG_APP) == key.app
        and tags.get(TAG_NAME, "") == key.name
    )

