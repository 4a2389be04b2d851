"""api.integration: HTTP_PROXY over the environment's VPC link to the app's Cloud Map service.

Integrations have no tags: ours is the one in our API (the API carries the tags). Among several,
the one whose IntegrationUri is the app's Cloud Map service wins (also after a create
interrupted before the route pointed at it), then the one the `$default` route targets (ours
with its Uri changed behind our back), then the first. Changed
fields are restored with UpdateIntegration; a deleted integration is created again, and the
routes, which reference its id, follow in the same pass.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from controllers.api import aws, inventory
from controllers.api.compare import INTEGRATION_FIELDS, integration_fields, integration_id_of
from reconciler.controller import Context
from reconciler.design import EnvironmentDesign
from reconciler.ownership import tags_for
from reconciler.resource import FieldChange, Key, Observation, Ref, Resource

KIND = "api.integration"


class IntegrationController(inventory.ApiChildController):
    kind = KIND
    scope = "app"
    immutable = frozenset({"ApiId"})
    references = frozenset({"api.http_api", "api.vpc_link", "discovery.service"})
    idempotent_create = False  # CreateIntegration takes no token

    def identity(self, key: Key) -> dict[str, Any]:
        return {"ApiId": Ref("api.http_api", "id", app=True)}

    def desired(self, env: EnvironmentDesign) -> list[Resource]:
        resources = []
        for app in inventory.api_apps(env):
            key = Key(KIND, env.name, app.name)
            desired = {
                "ApiId": Ref("api.http_api", "id", app=True),
                "IntegrationType": "HTTP_PROXY",
                "IntegrationMethod": "ANY",
                "ConnectionType": "VPC_LINK",
                "ConnectionId": Ref("api.vpc_link", "id"),
                "IntegrationUri": Ref("discovery.service", "arn", app=True),
                "PayloadFormatVersion": "1.0",
            }
            resources.append(Resource(key, desired, tags_for(key, app.labels), app.adopt))
        return resources

    def observe(self, resources: Sequence[Resource], ctx: Context) -> Mapping[Key, Observation]:
        result: dict[Key, Observation] = {}
        for resource in resources:
            api = inventory.api_of(resource, ctx)
            if api is None:
                result[resource.key] = Observation.absent()
                continue
            found = _ours(resource, ctx, api["ApiId"])
            result[resource.key] = Observation.absent() if found is None else inventory.child_observation(
                api, integration_fields(found, api["ApiId"]), {"id": found["IntegrationId"]}, found)
        return result

    def create(self, resource: Resource, ctx: Context) -> Mapping[str, Any]:
        want = resource.desired
        request = {name: want[name] for name in INTEGRATION_FIELDS}
        return {"id": aws.create_integration(inventory.client(ctx), want["ApiId"], request)["IntegrationId"]}

    def update(self, resource: Resource, observation: Observation, changes: Sequence[FieldChange],
               ctx: Context) -> Mapping[str, Any]:
        want = resource.desired
        request = {name: want[name] for name in INTEGRATION_FIELDS}
        aws.update_integration(inventory.client(ctx), want["ApiId"], observation.outputs["id"], request)
        return {"id": observation.outputs["id"]}

    def delete(self, key: Key, observation: Observation, ctx: Context) -> None:
        aws.delete_integration(inventory.client(ctx), observation.fields["ApiId"], observation.outputs["id"])


def _ours(resource: Resource, ctx: Context, api_id: str) -> dict | None:
    candidates = inventory.integrations(ctx, api_id)
    if not candidates:
        return None
    default_route = inventory.route_by_key(ctx, api_id, "$default") or {}
    targeted = integration_id_of(default_route.get("Target"))
    uri = resource.desired.get("IntegrationUri")
    return (
        next((i for i in candidates if i.get("IntegrationUri") == uri), None)
        or next((i for i in candidates if i["IntegrationId"] == targeted), None)
        or candidates[0]
    )
