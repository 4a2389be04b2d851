"""auth.user_pool: the Cognito user pool behind a restricted API (`api.restrictAccess: true`).

Scope: one pool PER APP, named like the app's other resources (`naming.user_pool_name`). An
environment-wide pool would let one sign-in serve several APIs, but it would outlive any one
app, need reference counting to delete, and tie apps' user bases together; a per-app pool is
deleted with its app and matches the original (one auth resource per restricted API).
Users sign in with their email (UsernameAttributes, set at creation only: AWS cannot change it
later, and replacing a pool would delete its users, so it is not compared), and emails are
verified (AutoVerifiedAttributes, updated in place).

Created only while access is restricted. Turning restriction off keeps the pool (and its app
client) as they are, so users and the client id survive a toggle; the authorizer that used them
is removed by api.authorizer. Every API app has this resource: `ensure="retain"` while access is
open (an existing pool is neither changed nor deleted, an absent one is not created), and
`reconcile delete` removes it with the app.

Found with one ListUserPools per pass (pool names are not unique in Cognito), then
DescribeUserPool of the same-named pools for their `UserPoolTags` (moto 5.2.5 has no
ListTagsForResource for Cognito; see aws.py). Outputs `id`, `arn`, `name` and `issuer`, the
JWT issuer URL the API's authorizer checks (`https://cognito-idp.<region>.amazonaws.com/<id>`).
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from controllers.auth import aws, inventory
from reconciler import naming
from reconciler.compare import diff_fields
from reconciler.controller import BaseController, Context
from reconciler.design import EnvironmentDesign
from reconciler import retry
from reconciler.ownership import creation_tags, tags_for
from reconciler.resource import FieldChange, Key, Observation, Resource

KIND = "auth.user_pool"
CREATE_ONLY = frozenset({"UsernameAttributes"})


def issuer(region: str, pool_id: str) -> str:
    return f"https://cognito-idp.{region}.amazonaws.com/{pool_id}"


class UserPoolController(BaseController):
    kind = KIND
    scope = "app"
    unobservable = CREATE_ONLY
    outputs = frozenset({"id", "arn", "name", "issuer"})
    retain_on_prune = True  # it holds users: kept when the spec stops wanting it, deleted with the app
    idempotent_create = False  # pool names are not unique and CreateUserPool takes no token

    def identity(self, key: Key) -> dict[str, Any]:
        return {"PoolName": naming.user_pool_name(key.environment, key.app or "")}

    def desired(self, env: EnvironmentDesign) -> list[Resource]:
        resources = []
        for app in env.apps:
            if app.api is None:
                continue
            key = Key(KIND, env.name, app.name)
            desired = {
                "PoolName": naming.user_pool_name(env.name, app.name),
                "UsernameAttributes": ["email"],
                "AutoVerifiedAttributes": ["email"],
            }
            ensure = "present" if app.api.restrict_access else "retain"
            resources.append(Resource(key, desired, tags_for(key, app.labels), app.adopt, ensure=ensure))
        return resources

    def observe(self, resources: Sequence[Resource], ctx: Context) -> Mapping[Key, Observation]:
        result: dict[Key, Observation] = {}
        for resource in resources:
            pools = sorted(inventory.pools_named(ctx, resource.desired["PoolName"]), key=lambda p: p["Id"])
            ours = [p for p in pools if inventory.tagged_for(resource.key, p.get("UserPoolTags") or {})]
            pool = inventory.recorded_pool(ours, ctx.recorded(resource.key)) or (ours[0] if ours else None)
            if pool is None:  # a look-alike with our name, if any (refused unless adopted)
                result[resource.key] = Observation.absent() if not pools else _observed(pools[0], ctx.region)
                continue
            result[resource.key] = _observed(pool, ctx.region)
            # Copies made by a create sent twice; one holding users is never taken for a copy.
            result[resource.key].duplicates = [p["Id"] for p in ours if p is not pool and not p.get("EstimatedNumberOfUsers")]
        return result

    def diff(self, resource: Resource, observation: Observation) -> list[FieldChange]:
        desired = {**resource.desired, "tags": resource.tags}
        desired["AutoVerifiedAttributes"] = sorted(desired["AutoVerifiedAttributes"])
        return diff_fields(desired, observation.fields, ignore=self.unobservable)

    def create(self, resource: Resource, ctx: Context) -> Mapping[str, Any]:
        want = resource.desired
        # Sent once (no token, names not unique), tagged with the creation token: a lost answer is
        # found by its tags next pass rather than made twice.
        pool = retry.unsafe_create.call(
            inventory.client(ctx, retries=False).create_user_pool,
            PoolName=want["PoolName"], UsernameAttributes=want["UsernameAttributes"],
            AutoVerifiedAttributes=want["AutoVerifiedAttributes"], UserPoolTags=creation_tags(resource))["UserPool"]
        return _outputs(pool, ctx.region)

    def update(self, resource: Resource, observation: Observation, changes: Sequence[FieldChange],
               ctx: Context) -> Mapping[str, Any]:
        client = inventory.client(ctx)
        changes_requested = {
            "AutoVerifiedAttributes": resource.desired["AutoVerifiedAttributes"],
            "UserPoolTags": {**observation.tags, **resource.tags},  # keeps tags that are not ours
        }
        client.update_user_pool(**aws.merged_pool_update(client, observation.state, changes_requested))
        return dict(observation.outputs)

    def delete(self, key: Key, observation: Observation, ctx: Context) -> None:
        aws.delete_user_pool(inventory.client(ctx), observation.outputs["id"])

    def delete_duplicate(self, key: Key, duplicate: Any, ctx: Context) -> None:
        aws.delete_user_pool(inventory.client(ctx), duplicate)


def _outputs(pool: Mapping[str, Any], region: str) -> dict[str, str]:
    return {"id": pool["Id"], "arn": pool["Arn"], "name": pool.get("Name", ""), "issuer": issuer(region, pool["Id"])}


def _observed(pool: Mapping[str, Any], region: str) -> Observation:
    tags = dict(pool.get("UserPoolTags") or {})
    return Observation(
        exists=True,
        fields={
            "PoolName": pool.get("Name"),
            "AutoVerifiedAttributes": sorted(pool.get("AutoVerifiedAttributes") or []),
            "tags": tags,
        },
        outputs=_outputs(pool, region),
        tags=tags,
        state=pool,
    )
