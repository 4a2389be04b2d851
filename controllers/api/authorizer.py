"""api.authorizer: the JWT authorizer of a restricted API (`api.restrictAccess: true`):
audience = the app's Cognito app client, issuer = its user pool, token from the Authorization
header.

Finding it: authorizers have no tags, and moto 5.2.5 lacks GetAuthorizers (list); on AWS,
GetAuthorizers would also find orphans for cleanup. So the authorizer is the one whose id the
API remembers in its `reconcile.dev/authorizer-id` tag (written right after CreateAuthorizer),
else the one a route of the API references; it is read with GetAuthorizer. Routes alone are not
enough: a fresh API creates the authorizer passes before its routes (they wait for the VPC link
to become AVAILABLE, minutes on AWS), and a route deleted behind our back would take the only
reference with it; each time, a second authorizer would be created and the first leaked.
The remaining window is one call wide (a crash between CreateAuthorizer and TagResource).

Turning restriction off: every API app has this resource; without restriction it is
`ensure="absent"`, so the engine plans a `delete` when ours exists. `delete` detaches the
authorizer from any route still using it, deletes it and drops the tag, whatever order the
engine runs route and authorizer in (AWS refuses to delete an authorizer that routes still use).
The route kind wants the same unauthenticated routes, so the two never pull against each other;
toggling converges in one `--once`.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import structlog

from controllers.api import aws, inventory
from controllers.api.compare import AUTHORIZER_FIELDS, authorizer_fields, canonical_authorizer
from reconciler.controller import Context
from reconciler.design import EnvironmentDesign
from reconciler.ownership import TAG_AUTHORIZER_ID, tags_for
from reconciler.resource import FieldChange, Key, Observation, Ref, Resource

KIND = "api.authorizer"
NAME = "cognito"
IDENTITY_SOURCE = ["$request.header.Authorization"]

log = structlog.get_logger(__name__)


class AuthorizerController(inventory.ApiChildController):
    kind = KIND
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
            found = None if api is None else _find(ctx, api)
            if found is None:
                result[resource.key] = Observation.absent()
                continue
            result[resource.key] = inventory.child_observation(
                api, authorizer_fields(found, api["ApiId"]), {"id": found["AuthorizerId"]},
                {"authorizer": found, "remembered": (api.get("Tags") or {}).get(TAG_AUTHORIZER_ID)},
            )
        return result

    def create(self, resource: Resource, ctx: Context) -> Mapping[str, Any]:
        client = inventory.client(ctx)
        want = resource.desired
        authorizer_id = aws.create_authorizer(client, want["ApiId"], {name: want[name] for name in AUTHORIZER_FIELDS})
        aws.tag(client, aws.api_arn(ctx.partition, ctx.region, want["ApiId"]), {TAG_AUTHORIZER_ID: authorizer_id})
        return {"id": authorizer_id}

    def update(self, resource: Resource, observation: Observation, changes: Sequence[FieldChange],
               ctx: Context) -> Mapping[str, Any]:
        client = inventory.client(ctx)
        want = resource.desired
        authorizer_id = observation.outputs["id"]
        aws.update_authorizer(client, want["ApiId"], authorizer_id, {name: want[name] for name in AUTHORIZER_FIELDS})
        if (observation.state or {}).get("remembered") != authorizer_id:
            aws.tag(client, aws.api_arn(ctx.partition, ctx.region, want["ApiId"]), {TAG_AUTHORIZER_ID: authorizer_id})
        return {"id": authorizer_id}

    def delete(self, key: Key, observation: Observation, ctx: Context) -> None:
        """Restriction turned off, a replace, or the app deleted. Deletes first, then forgets
        the id: a crash in between leaves a dangling tag, which `_find` reads as absent."""
        authorizer_id = observation.outputs.get("id")
        if authorizer_id:
            client = inventory.client(ctx)
            api_id = observation.fields["ApiId"]
            _detach_and_delete(client, api_id, authorizer_id)
            aws.untag(client, aws.api_arn(ctx.partition, ctx.region, api_id), [TAG_AUTHORIZER_ID])


def _find(ctx: Context, api: Mapping[str, Any]) -> dict | None:
    """The remembered authorizer, else the one our routes use (JWT routes first, `$default`
    before others). A dangling id (authorizer deleted behind our back) counts as absent."""
    api_id = api["ApiId"]
    routes = sorted(inventory.routes(ctx, api_id),
                    key=lambda r: (r.get("AuthorizationType") != "JWT", r.get("RouteKey") != "$default"))
    candidates = [(api.get("Tags") or {}).get(TAG_AUTHORIZER_ID)] + [r.get("AuthorizerId") for r in routes]
    for authorizer_id in dict.fromkeys(c for c in candidates if c):
        found = aws.find_authorizer(inventory.client(ctx), api_id, authorizer_id)
        if found is not None:
            return found
    return None


def _detach_and_delete(client: Any, api_id: str, authorizer_id: str) -> None:
    # Read afresh: the plan's routes may already have been changed by the route kind this pass.
    for route in aws.list_routes(client, api_id):
        if route.get("AuthorizerId") == authorizer_id:
            aws.detach_authorizer(client, api_id, route["RouteId"])
            log.info("authorizer_detached", route=route.get("RouteKey"))
    aws.delete_authorizer(client, api_id, authorizer_id)
    log.info("authorizer_deleted", authorizer=authorizer_id)
