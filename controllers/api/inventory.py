"""Per-pass shared reads of API Gateway v2 (through `ctx.cache`), so the six API kinds together
make one GetApis, one GetVpcLinks, and one GetRoutes / GetIntegrations / GetStages per API in a
planning pass, however many resources ask (and one GetAuthorizers per restricted API).

Integrations, routes and authorizers cannot be tagged: they belong to their API, and the API
carries the ownership tags. `ApiChildController` gives such kinds the API's tags as their
observed ownership and leaves tags out of their diff.
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from controllers.api import aws
from reconciler.compare import diff_fields
from reconciler.controller import BaseController, Context
from reconciler.design import AppDesign, EnvironmentDesign
from reconciler.resource import UNKNOWN, FieldChange, Observation, Resource

SERVICE = "apigatewayv2"


def client(ctx: Context, *, retries: bool = True) -> Any:
    """`retries=False` for creates AWS takes without a token (see aws.py)."""
    return ctx.client(SERVICE, retries=retries)


def apis_by_id(ctx: Context) -> dict[str, dict]:
    return ctx.cache.get((SERVICE, "apis"), lambda: {a["ApiId"]: a for a in aws.list_apis(client(ctx))})


def vpc_links(ctx: Context) -> list[dict]:
    return ctx.cache.get((SERVICE, "vpc_links"), lambda: aws.list_vpc_links(client(ctx)))


def routes(ctx: Context, api_id: str) -> list[dict]:
    return ctx.cache.get((SERVICE, "routes", api_id), lambda: aws.list_routes(client(ctx), api_id))


def integrations(ctx: Context, api_id: str) -> list[dict]:
    return ctx.cache.get((SERVICE, "integrations", api_id), lambda: aws.list_integrations(client(ctx), api_id))


def authorizers(ctx: Context, api_id: str) -> list[dict]:
    return ctx.cache.get((SERVICE, "authorizers", api_id), lambda: aws.list_authorizers(client(ctx), api_id))


def stages(ctx: Context, api_id: str) -> list[dict]:
    return ctx.cache.get((SERVICE, "stages", api_id), lambda: aws.list_stages(client(ctx), api_id))


def api_of(resource: Resource, ctx: Context) -> dict | None:
    """The API a child resource lives in, or None while it does not exist (ApiId UNKNOWN)."""
    api_id = resource.desired.get("ApiId")
    if api_id is None or api_id is UNKNOWN:
        return None
    return apis_by_id(ctx).get(api_id)


def api_apps(env: EnvironmentDesign) -> Iterator[AppDesign]:
    """The apps of the environment whose front door is an API."""
    return (app for app in env.apps if app.api is not None)


def child_observation(api: Mapping[str, Any], fields: dict[str, Any], outputs: dict[str, Any], state: Any) -> Observation:
    """An untaggable thing inside an API (integration, route, stage, authorizer): it is ours when
    its API is, so it is observed with the API's tags."""
    return Observation(exists=True, fields=fields, outputs=outputs, tags=dict(api.get("Tags") or {}), state=state)


def route_by_key(ctx: Context, api_id: str, route_key: str) -> dict | None:
    return next((r for r in routes(ctx, api_id) if r.get("RouteKey") == route_key), None)


class ApiChildController(BaseController):
    """Kinds living inside an API and untaggable: ownership comes from the API's tags (observe
    reports them as the observation's tags), and the diff leaves tags out."""

    def diff(self, resource: Resource, observation: Observation) -> list[FieldChange]:
        return diff_fields(self.canonical(resource.desired), observation.fields, ignore=self.unobservable)

    def canonical(self, desired: Mapping[str, Any]) -> dict[str, Any]:
        return dict(desired)
