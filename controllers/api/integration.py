"""api.integration: HTTP_PROXY over the environment's VPC link to the app's Cloud Map service.

Integrations have no tags: ours is the one in our API (the API carries the tags) whose
IntegrationUri is the app's Cloud Map service (else, changed behind our back, any of the API's).
Among several, the one the `$default` route targets wins (it is the one in use), then the one
the inventory recorded, then the lowest id. The others pointing at our service are copies (a CreateIntegration whose answer was lost and
which was sent again: it takes no token) and are deleted once the route uses the one kept.
Changed fields are restored with UpdateIntegration; a deleted integration is created again, and
the routes, which reference its id, follow in the same pass.
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
    recallable = True  # read one by one: skipped while the state store proves it unchanged
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
            found, copies = _ours(resource, ctx, api["ApiId"])
            result[resource.key] = Observation.absent() if found is None else inventory.child_observation(
                api, integration_fields(found, api["ApiId"]), {"id": found["IntegrationId"]}, found)
            result[resource.key].duplicates = copies
        return result

    def create(self, resource: Resource, ctx: Context) -> Mapping[str, Any]:
        want = resource.desired
        request = {name: want[name] for name in INTEGRATION_FIELDS}
        created = aws.create_integration(inventory.client(ctx, retries=False), want["ApiId"], request)
        return {"id": created["IntegrationId"]}

    def update(self, resource: Resource, observation: Observation, changes: Sequence[FieldChange],
               ctx: Context) -> Mapping[str, Any]:
        want = resource.desired
        request = {name: want[name] for name in INTEGRATION_FIELDS}
        aws.update_integration(inventory.client(ctx), want["ApiId"], observation.outputs["id"], request)
        return {"id": observation.outputs["id"]}

    def delete(self, key: Key, observation: Observation, ctx: Context) -> None:
        aws.delete_integration(inventory.client(ctx), observation.fields["ApiId"], observation.outputs["id"])

    def delete_duplicate(self, key: Key, duplicate: Any, ctx: Context) -> None:
        api_id, _, integration_id = str(duplicate).partition("/")
        aws.delete_integration(inventory.client(ctx), api_id, integration_id)


def _ours(resource: Resource, ctx: Context, api_id: str) -> tuple[dict | None, list[str]]:
    candidates = sorted(inventory.integrations(ctx, api_id), key=lambda i: i["IntegrationId"])
    if not candidates:
        return None, []
    default_route = inventory.route_by_key(ctx, api_id, "$default") or {}
    targeted = integration_id_of(default_route.get("Target"))
    uri = resource.desired.get("IntegrationUri")
    mine = [i for i in candidates if isinstance(uri, str) and i.get("IntegrationUri") == uri]
    pool = mine or candidates  # none points at our service: ours, changed behind our back
    recorded = getattr(ctx.recorded(resource.key), "physical_id", None)
    primary = (
        next((i for i in pool if i["IntegrationId"] == targeted), None)
        or next((i for i in pool if i["IntegrationId"] == recorded), None)
        or pool[0]
    )
    used = {integration_id_of(r.get("Target")) for r in inventory.routes(ctx, api_id)}
    copies = [f"{api_id}/{i['IntegrationId']}" for i in mine if i is not primary and i["IntegrationId"] not in used]
    return primary, copies
