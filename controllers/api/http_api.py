"""api.http_api: one API Gateway HTTP API per API app, with the spec's CORS settings.

Observed with one GetApis per pass (it returns tags). Matched by our tags first, then by name
(a same-named API without our tags is a look-alike the engine refuses unless adopted). Outputs
`id` and `endpoint` (ApiEndpoint, which is the invoke URL of the `$default` stage).
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from controllers.api import aws, inventory
from controllers.api.compare import canonical_cors, pick
from reconciler import naming
from reconciler.compare import diff_fields
from reconciler.controller import BaseController, Context
from reconciler.design import AppDesign, EnvironmentDesign
from reconciler.ownership import creation_tags, stale_tags, tags_for
from reconciler.resource import FieldChange, Key, Observation, Resource, changed_fields

KIND = "api.http_api"


def cors_configuration(app: AppDesign) -> dict[str, Any]:
    assert app.api is not None
    cors = app.api.cors
    return {
        "AllowOrigins": list(cors.allow_origins),
        "AllowMethods": list(cors.allow_methods),
        "AllowHeaders": list(cors.allow_headers),
        "MaxAge": cors.max_age,
    }


class HttpApiController(BaseController):
    kind = KIND
    scope = "app"
    immutable = frozenset({"ProtocolType"})
    outputs = frozenset({"id", "endpoint"})
    idempotent_create = False  # API names are not unique and CreateApi takes no token

    def identity(self, key: Key) -> dict[str, Any]:
        return {"Name": naming.api_name(key.environment, key.app or "")}

    def desired(self, env: EnvironmentDesign) -> list[Resource]:
        resources = []
        for app in inventory.api_apps(env):
            key = Key(KIND, env.name, app.name)
            desired = {
                "Name": naming.api_name(env.name, app.name),
                "ProtocolType": "HTTP",
                "CorsConfiguration": cors_configuration(app),
            }
            resources.append(Resource(key, desired, tags_for(key, app.labels), app.adopt))
        return resources

    def observe(self, resources: Sequence[Resource], ctx: Context) -> Mapping[Key, Observation]:
        apis = list(inventory.apis_by_id(ctx).values())
        result: dict[Key, Observation] = {}
        for resource in resources:
            api, copies = pick(resource.key, resource.desired["Name"], apis, "ApiId", ctx.recorded(resource.key))
            result[resource.key] = Observation.absent() if api is None else _observed(api, copies)
        return result

    def diff(self, resource: Resource, observation: Observation) -> list[FieldChange]:
        desired = {**resource.desired, "tags": resource.tags}
        desired["CorsConfiguration"] = canonical_cors(desired["CorsConfiguration"])
        return diff_fields(desired, observation.fields)

    def create(self, resource: Resource, ctx: Context) -> Mapping[str, Any]:
        want = resource.desired
        api = aws.create_api(inventory.client(ctx, retries=False), want["Name"], want["ProtocolType"],
                             want["CorsConfiguration"], creation_tags(resource))
        return {"id": api["ApiId"], "endpoint": api["ApiEndpoint"]}

    def update(self, resource: Resource, observation: Observation, changes: Sequence[FieldChange],
               ctx: Context) -> Mapping[str, Any]:
        client = inventory.client(ctx)
        api_id = observation.outputs["id"]
        changed = changed_fields(changes)
        if changed & {"Name", "CorsConfiguration"}:
            aws.update_api(client, api_id, resource.desired["Name"], resource.desired["CorsConfiguration"])
        if "tags" in changed:
            aws.tag(client, aws.api_arn(ctx.partition, ctx.region, api_id), stale_tags(resource.tags, observation.tags))
        return dict(observation.outputs)

    def delete(self, key: Key, observation: Observation, ctx: Context) -> None:
        aws.delete_api(inventory.client(ctx), observation.outputs["id"])

    def delete_duplicate(self, key: Key, duplicate: Any, ctx: Context) -> None:
        aws.delete_api(inventory.client(ctx), duplicate)


def _observed(api: Mapping[str, Any], copies: list[str]) -> Observation:
    tags = dict(api.get("Tags") or {})
    return Observation(
        exists=True,
        fields={
            "Name": api.get("Name"),
            "ProtocolType": api.get("ProtocolType"),
            "CorsConfiguration": canonical_cors(api.get("CorsConfiguration")),
            "tags": tags,
        },
        outputs={"id": api["ApiId"], "endpoint": api.get("ApiEndpoint")},
        tags=tags,
        state=api,
        duplicates=copies,
    )
