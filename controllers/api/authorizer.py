"""api.authorizer: the JWT authorizer of a restricted API (`api.restrictAccess: true`):
audience = the app's Cognito app client, issuer = its user pool, token from the Authorization
header.

Found by listing (GetAuthorizers, one per restricted API per pass) and matching by name, as AWS
allows: no bookkeeping on the API that a lost answer or a crash could leave out of date. Among
several of our name (a CreateAuthorizer whose answer was lost and which was sent again: it takes
no token), the one the routes use wins, then the one the inventory recorded, then the lowest
id; the others are copies, deleted once the routes use the one kept. (moto 5.2.5 lacks
GetAuthorizers; the embedded AWS adds it, answering as AWS documents.)

Turning restriction off: every API app has this resource; without restriction it is
`ensure="absent"`, so the engine plans a `delete` when ours exists, after the routes stop using
it (deletes wait for their dependents). `delete` still detaches the authorizer from any route
that uses it, because AWS refuses to delete an authorizer in use.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import structlog

from controllers.api import aws, inventory
from controllers.api.compare import AUTHORIZER_FIELDS, authorizer_fields, canonical_authorizer
from reconciler.controller import Context
from reconciler.design import EnvironmentDesign
from reconciler.ownership import tags_for
from reconciler.resource import FieldChange, Key, Observation, Ref, Resource

KIND = "api.authorizer"
NAME = "cognito"
IDENTITY_SOURCE = ["$request.header.Authorization"]

log = structlog.get_logger(__name__)


class AuthorizerController(inventory.ApiChildController):
    kind = KIND
    recallable = True  # read one by one: skipped while the state store proves it unchanged
    scope = "app"
    immutable = frozenset({"ApiId"})
    references = frozenset({"api.http_api", "auth.user_pool", "auth.user_pool_client"})
    idempotent_create = False  # CreateAuthorizer takes no token

    def identity(self, key: Key) -> dict[str, Any]:
        return {"ApiId": Ref("api.http_api", "id", app=True)}

    def desired(self, env: EnvironmentDesign) -> list[Resource]:
        resources = []
        for app in inventory.api_apps(env):
            key = Key(KIND, env.name, app.name)
            api_id = Ref("api.http_api", "id", app=True)
            if not app.api.restrict_access:
                # Only what observe needs: no Refs to the auth kinds, whose retained pool and
                # client must not hold up (or order) the delete.
                resources.append(Resource(key, {"ApiId": api_id}, tags_for(key, app.labels), app.adopt,
                                          ensure="absent"))
                continue
            desired: dict[str, Any] = {
                "ApiId": api_id,
                "Name": NAME,
                "AuthorizerType": "JWT",
                "IdentitySource": list(IDENTITY_SOURCE),
                "JwtConfiguration": {
                    "Audience": [Ref("auth.user_pool_client", "client_id", app=True)],
                    "Issuer": Ref("auth.user_pool", "issuer", app=True),
                },
            }
            resources.append(Resource(key, desired, tags_for(key, app.labels), app.adopt))
        return resources

    def canonical(self, desired: Mapping[str, Any]) -> dict[str, Any]:
        return canonical_authorizer(desired)

    def observe(self, resources: Sequence[Resource], ctx: Context) -> Mapping[Key, Observation]:
        result: dict[Key, Observation] = {}
        for resource in resources:
            api = inventory.api_of(resource, ctx)
            found, copies = (None, []) if api is None else _find(ctx, api, ctx.recorded(resource.key))
            if found is None:
                result[resource.key] = Observation.absent()
                continue
            result[resource.key] = inventory.child_observation(
                api, authorizer_fields(found, api["ApiId"]), {"id": found["AuthorizerId"]}, found)
            result[resource.key].duplicates = copies
        return result

    def create(self, resource: Resource, ctx: Context) -> Mapping[str, Any]:
        want = resource.desired
        request = {name: want[name] for name in AUTHORIZER_FIELDS}
        return {"id": aws.create_authorizer(inventory.client(ctx, retries=False), want["ApiId"], request)}

    def update(self, resource: Resource, observation: Observation, changes: Sequence[FieldChange],
               ctx: Context) -> Mapping[str, Any]:
        want = resource.desired
        authorizer_id = observation.outputs["id"]
        aws.update_authorizer(inventory.client(ctx), want["ApiId"], authorizer_id,
                              {name: want[name] for name in AUTHORIZER_FIELDS})
        return {"id": authorizer_id}

    def delete(self, key: Key, observation: Observation, ctx: Context) -> None:
        """Restriction turned off, a replace, or the app deleted."""
        authorizer_id = observation.outputs.get("id")
        if authorizer_id:
            _detach_and_delete(inventory.client(ctx), observation.fields["ApiId"], authorizer_id)

    def delete_duplicate(self, key: Key, duplicate: Any, ctx: Context) -> None:
        api_id, _, authorizer_id = str(duplicate).partition("/")
        _detach_and_delete(inventory.client(ctx), api_id, authorizer_id)


def _find(ctx: Context, api: Mapping[str, Any], recorded: Any) -> tuple[dict | None, list[str]]:
    """Ours (by name) and the ids of its copies: the one the routes use, else the one recorded."""
    api_id = api["ApiId"]
    named = sorted((a for a in inventory.authorizers(ctx, api_id) if a.get("Name") == NAME),
                   key=lambda a: a["AuthorizerId"])
    if not named:
        return None, []
    used = {r.get("AuthorizerId") for r in inventory.routes(ctx, api_id) if r.get("AuthorizerId")}
    recorded_id = getattr(recorded, "physical_id", None)
    primary = (next((a for a in named if a["AuthorizerId"] in used), None)
               or next((a for a in named if a["AuthorizerId"] == recorded_id), None) or named[0])
    copies = [f"{api_id}/{a['AuthorizerId']}" for a in named if a is not primary and a["AuthorizerId"] not in used]
    return primary, copies


def _detach_and_delete(client: Any, api_id: str, authorizer_id: str) -> None:
    # Read afresh: the plan's routes may already have been changed by the route kind this pass.
    for route in aws.list_routes(client, api_id):
        if route.get("AuthorizerId") == authorizer_id:
            aws.detach_authorizer(client, api_id, route["RouteId"])
            log.info("authorizer_detached", route=route.get("RouteKey"))
    aws.delete_authorizer(client, api_id, authorizer_id)
    log.info("authorizer_deleted", authorizer=authorizer_id)
