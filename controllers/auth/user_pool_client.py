"""auth.user_pool_client: the app client web and mobile front ends sign in with, and the audience
of the API's JWT authorizer. A public client: no secret (a browser or a phone cannot keep one),
SRP sign-in and refresh tokens only (ALLOW_USER_SRP_AUTH, ALLOW_REFRESH_TOKEN_AUTH, the current
spellings of USER_SRP_AUTH / REFRESH_TOKEN_AUTH).

Created only while access is restricted and kept while it is open (`ensure="retain"`), like its
pool (see user_pool.py), so front ends keep their client id. App clients have no tags: the
client is ours when it is in our pool (whose tags say so) and carries our name. Found with one
ListUserPoolClients per pool and DescribeUserPoolClient of the same-named client. Changed auth
flows are restored in place; whether a client has a secret is fixed at creation (replace).
Outputs `client_id` (and `id`, the same).
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
from reconciler.ownership import tags_for
from reconciler.resource import UNKNOWN, FieldChange, Key, Observation, Ref, Resource

KIND = "auth.user_pool_client"
AUTH_FLOWS = ["ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_SRP_AUTH"]


class UserPoolClientController(BaseController):
    kind = KIND
    scope = "app"
    immutable = frozenset({"UserPoolId", "GenerateSecret"})
    outputs = frozenset({"client_id", "id"})
    references = frozenset({"auth.user_pool"})
    idempotent_create = False  # client names are not unique and CreateUserPoolClient takes no token

    def identity(self, key: Key) -> dict[str, Any]:
        return {"UserPoolId": Ref("auth.user_pool", "id", app=True),
                "ClientName": naming.user_pool_name(key.environment, key.app or "")}

    def desired(self, env: EnvironmentDesign) -> list[Resource]:
        resources = []
        for app in env.apps:
            if app.api is None:
                continue
            key = Key(KIND, env.name, app.name)
            desired: dict[str, Any] = {
                "UserPoolId": Ref("auth.user_pool", "id", app=True),
                "ClientName": naming.user_pool_name(env.name, app.name),  # named after its pool
                "GenerateSecret": False,
                "ExplicitAuthFlows": list(AUTH_FLOWS),
            }
            ensure = "present" if app.api.restrict_access else "retain"
            resources.append(Resource(key, desired, tags_for(key, app.labels), app.adopt, ensure=ensure))
        return resources

    def observe(self, resources: Sequence[Resource], ctx: Context) -> Mapping[Key, Observation]:
        client = inventory.client(ctx)
        result: dict[Key, Observation] = {}
        for resource in resources:
            pool_id = resource.desired["UserPoolId"]
            pool = None if pool_id is UNKNOWN else inventory.pool_by_id(ctx, pool_id)
            listed = [] if pool is None else aws.list_clients(client, pool_id)
            named = sorted((c for c in listed if c.get("ClientName") == resource.desired["ClientName"]),
                           key=lambda c: c["ClientId"])
            recorded_id = getattr(ctx.recorded(resource.key), "physical_id", None)
            match = next((c for c in named if c["ClientId"] == recorded_id), None) or (named[0] if named else None)
            found = None if match is None else aws.find_client(client, pool_id, match["ClientId"])
            if pool is None or found is None:
                result[resource.key] = Observation.absent()
                continue
            result[resource.key] = Observation(
                exists=True,
                fields={
                    "UserPoolId": found["UserPoolId"],
                    "ClientName": found.get("ClientName"),
                    "GenerateSecret": bool(found.get("ClientSecret")),
                    "ExplicitAuthFlows": sorted(found.get("ExplicitAuthFlows") or []),
                },
                outputs={"client_id": found["ClientId"], "id": found["ClientId"]},
                tags=dict(pool.get("UserPoolTags") or {}),
                state=found,
                # Copies of our client (a create sent twice: CreateUserPoolClient takes no token).
                duplicates=[f"{pool_id}/{c['ClientId']}" for c in named if c is not match],
            )
        return result

    def diff(self, resource: Resource, observation: Observation) -> list[FieldChange]:
        desired = dict(resource.desired)
        desired["ExplicitAuthFlows"] = sorted(desired["ExplicitAuthFlows"])
        return diff_fields(desired, observation.fields)

    def create(self, resource: Resource, ctx: Context) -> Mapping[str, Any]:
        want = resource.desired
        created = retry.unsafe_create.call(
            inventory.client(ctx, retries=False).create_user_pool_client,
            UserPoolId=want["UserPoolId"], ClientName=want["ClientName"],
            GenerateSecret=want["GenerateSecret"], ExplicitAuthFlows=want["ExplicitAuthFlows"],
        )["UserPoolClient"]
        return {"client_id": created["ClientId"], "id": created["ClientId"]}

    def update(self, resource: Resource, observation: Observation, changes: Sequence[FieldChange],
               ctx: Context) -> Mapping[str, Any]:
        client = inventory.client(ctx)
        want = resource.desired
        requested = {"ClientName": want["ClientName"], "ExplicitAuthFlows": want["ExplicitAuthFlows"]}
        client.update_user_pool_client(**aws.merged_client_update(client, observation.state, requested))
        return dict(observation.outputs)

    def delete_duplicate(self, key: Key, duplicate: Any, ctx: Context) -> None:
        pool_id, _, client_id = str(duplicate).partition("/")
        aws.delete_client(inventory.client(ctx), pool_id, client_id)

    def delete(self, key: Key, observation: Observation, ctx: Context) -> None:
        aws.delete_client(inventory.client(ctx), observation.fields["UserPoolId"], observation.outputs["client_id"])
