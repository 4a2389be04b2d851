"""api.route: one resource per route, named by purpose.

- "default": `$default` -> the integration; JWT with the app's authorizer (and the spec's
  `api.scopes`, if any) when `api.restrictAccess`, else NONE. No route reaches the integration
  unauthenticated when access is restricted.
- "options": `OPTIONS /{proxy+}`, which an earlier release added unauthenticated for CORS
  preflight requests. The API's CORS configuration answers preflight requests itself (API
  Gateway does, before any route), so the route was an unauthenticated path to the backend: it
  is always `ensure="absent"`, and ours is deleted where it exists.

Routes have no tags: they belong to their API (which carries ours). Found by RouteKey in one
GetRoutes per API per pass. A deleted route is created again; a changed target or authorization
is restored with UpdateRoute.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from controllers.api import aws, inventory
from controllers.api.compare import INTEGRATION_PREFIX, route_fields
from reconciler.controller import Context
from reconciler.design import EnvironmentDesign
from reconciler.ownership import tags_for
from reconciler.errors import RequeueAfter
from reconciler.resource import FieldChange, Key, Observation, Ref, Resource

KIND = "api.route"
ROUTES = {"default": "$default", "options": "OPTIONS /{proxy+}"}


class RouteController(inventory.ApiChildController):
    kind = KIND
    recallable = True  # read one by one: skipped while the state store proves it unchanged
    scope = "app"
    immutable = frozenset({"ApiId", "RouteKey"})
    references = frozenset({"api.http_api", "api.integration", "api.authorizer"})
    standard_names = tuple(ROUTES)

    def identity(self, key: Key) -> dict[str, Any]:
        return {"ApiId": Ref("api.http_api", "id", app=True), "RouteKey": ROUTES.get(key.name, key.name)}

    def desired(self, env: EnvironmentDesign) -> list[Resource]:
        resources = []
        for app in inventory.api_apps(env):
            restricted = app.api.restrict_access
            for name, route_key in ROUTES.items():
                key = Key(KIND, env.name, app.name, name)
                api_id = Ref("api.http_api", "id", app=True)
                if name == "options":
                    resources.append(Resource(key, {"ApiId": api_id, "RouteKey": route_key},
                                              tags_for(key, app.labels), app.adopt, ensure="absent"))
                    continue
                desired = {
                    "ApiId": api_id,
                    "RouteKey": route_key,
                    "IntegrationId": Ref("api.integration", "id", app=True),
                    "AuthorizationType": "JWT" if restricted else "NONE",
                    "AuthorizerId": Ref("api.authorizer", "id", app=True) if restricted else None,
                    "AuthorizationScopes": sorted(app.api.scopes) if restricted else [],
                }
                resources.append(Resource(key, desired, tags_for(key, app.labels), app.adopt))
        return resources

    def observe(self, resources: Sequence[Resource], ctx: Context) -> Mapping[Key, Observation]:
        result: dict[Key, Observation] = {}
        for resource in resources:
            api = inventory.api_of(resource, ctx)
            route = None if api is None else inventory.route_by_key(ctx, api["ApiId"], resource.desired["RouteKey"])
            if route is None:
                result[resource.key] = Observation.absent()
                continue
            result[resource.key] = inventory.child_observation(
                api, route_fields(route, api["ApiId"]), {"id": route["RouteId"]}, route)
        return result

    def create(self, resource: Resource, ctx: Context) -> Mapping[str, Any]:
        want = resource.desired
        created = aws.create_route(inventory.client(ctx), want["ApiId"], want["RouteKey"], _request(want))
        if created is None:
            raise RequeueAfter(f"{resource.key}: the API has a {want['RouteKey']} route that is not listed yet "
                               "(a create whose answer was lost); looking again", ctx.pace(5.0))
        return {"id": created["RouteId"]}

    def update(self, resource: Resource, observation: Observation, changes: Sequence[FieldChange],
               ctx: Context) -> Mapping[str, Any]:
        want = resource.desired
        request = _request(want)
        if not want["AuthorizerId"] and observation.fields.get("AuthorizerId"):
            request["AuthorizerId"] = ""  # clears the reference to the authorizer
        route_id = observation.outputs["id"]
        aws.update_route(inventory.client(ctx), want["ApiId"], route_id, request)
        return {"id": route_id}

    def delete(self, key: Key, observation: Observation, ctx: Context) -> None:
        if observation.outputs.get("id"):
            aws.delete_route(inventory.client(ctx), observation.fields["ApiId"], observation.outputs["id"])


def _request(want: Mapping[str, Any]) -> dict[str, Any]:
    request: dict[str, Any] = {"Target": INTEGRATION_PREFIX + want["IntegrationId"],
                               "AuthorizationType": want["AuthorizationType"]}
    if want["AuthorizerId"]:
        request["AuthorizerId"] = want["AuthorizerId"]
        request["AuthorizationScopes"] = list(want.get("AuthorizationScopes") or [])
    return request
