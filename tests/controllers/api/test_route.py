"""api.route: `$default` (JWT when restricted), and no unauthenticated path to the backend when
access is restricted: the API's CORS configuration answers preflight requests, and the
`OPTIONS /{proxy+}` route an earlier release made is deleted."""
from __future__ import annotations

from tests.controllers.api.stack import APP, ENV, api_spec, assert_in_sync, integrations, only_api, plan, routes_by_key, run

OPTIONS = "OPTIONS /{proxy+}"


def test_open_api_has_only_an_unauthenticated_default_route(ctx, tmp_path, upstream):
    spec = api_spec(tmp_path)
    report = run(ctx, spec, upstream.controllers())
    assert_in_sync(ctx, spec, upstream.controllers())
    api = only_api(ctx)
    [integration] = integrations(ctx, api["ApiId"])
    routes = routes_by_key(ctx, api["ApiId"])
    assert list(routes) == ["$default"]
    assert routes["$default"]["Target"] == f"integrations/{integration['IntegrationId']}"
    assert routes["$default"]["AuthorizationType"] == "NONE"
    out = {k.name: v for k, v in report.status.outputs.items() if k.kind == "api.route"}
    assert out == {"default": {"id": routes["$default"]["RouteId"]}}  # no preflight route: nothing to output


def test_changed_target_is_restored(ctx, tmp_path, upstream):
    spec = api_spec(tmp_path)
    run(ctx, spec, upstream.controllers())
    api_id = only_api(ctx)["ApiId"]
    apigw = ctx.client("apigatewayv2")
    [ours] = integrations(ctx, api_id)
    other = apigw.create_integration(ApiId=api_id, IntegrationType="HTTP_PROXY", IntegrationMethod="ANY",
                                     IntegrationUri="https://example.com", PayloadFormatVersion="1.0")
    route = routes_by_key(ctx, api_id)["$default"]
    apigw.update_route(ApiId=api_id, RouteId=route["RouteId"], Target=f"integrations/{other['IntegrationId']}")

    pending = plan(ctx, spec, upstream.controllers()).pending
    assert [(c.kind, c.action) for c in pending] == [("api.route", "update")]
    run(ctx, spec, upstream.controllers())
    assert_in_sync(ctx, spec, upstream.controllers())
    restored = routes_by_key(ctx, api_id)["$default"]
    assert restored["RouteId"] == route["RouteId"]
    assert restored["Target"] == f"integrations/{ours['IntegrationId']}"


def test_authorization_removed_out_of_band_is_restored(ctx, tmp_path, upstream):
    spec = api_spec(tmp_path, restrict=True)
    run(ctx, spec, upstream.controllers())
    api_id = only_api(ctx)["ApiId"]
    before = routes_by_key(ctx, api_id)["$default"]
    ctx.client("apigatewayv2").update_route(ApiId=api_id, RouteId=before["RouteId"], AuthorizationType="NONE",
                                            AuthorizerId="")
    run(ctx, spec, upstream.controllers())
    assert_in_sync(ctx, spec, upstream.controllers())
    after = routes_by_key(ctx, api_id)["$default"]
    assert after["AuthorizationType"] == "JWT" and after["AuthorizerId"] == before["AuthorizerId"]


def test_authorization_added_out_of_band_is_removed(ctx, tmp_path, upstream):
    spec = api_spec(tmp_path)
    run(ctx, spec, upstream.controllers())
    api_id = only_api(ctx)["ApiId"]
    apigw = ctx.client("apigatewayv2")
    theirs = apigw.create_authorizer(ApiId=api_id, AuthorizerType="JWT", Name="theirs",
                                     IdentitySource=["$request.header.Authorization"],
                                     JwtConfiguration={"Audience": ["x"], "Issuer": "https://issuer.example"})
    route = routes_by_key(ctx, api_id)["$default"]
    apigw.update_route(ApiId=api_id, RouteId=route["RouteId"], AuthorizationType="JWT",
                       AuthorizerId=theirs["AuthorizerId"])
    run(ctx, spec, upstream.controllers())
    assert_in_sync(ctx, spec, upstream.controllers())
    assert routes_by_key(ctx, api_id)["$default"]["AuthorizationType"] == "NONE"


def test_a_restricted_api_has_no_unauthenticated_route_and_an_old_preflight_route_goes(ctx, tmp_path, upstream):
    spec = api_spec(tmp_path, restrict=True)
    run(ctx, spec, upstream.controllers())
    api_id = only_api(ctx)["ApiId"]
    routes = routes_by_key(ctx, api_id)
    assert list(routes) == ["$default"] and routes["$default"]["AuthorizationType"] == "JWT"
    assert only_api(ctx)["CorsConfiguration"]["AllowMethods"], "CORS answers the preflight requests"
    # What the first release made: an unauthenticated OPTIONS route to the integration.
    ctx.client("apigatewayv2").create_route(ApiId=api_id, RouteKey=OPTIONS, Target=routes["$default"]["Target"],
                                            AuthorizationType="NONE")
    assert [(c.name, c.action) for c in plan(ctx, spec, upstream.controllers()).pending] == [
        (f"api.route/{ENV}/{APP}/options", "delete")]
    run(ctx, spec, upstream.controllers())
    assert list(routes_by_key(ctx, api_id)) == ["$default"]
    assert_in_sync(ctx, spec, upstream.controllers())


def test_scopes_are_required_on_every_route_of_a_restricted_api(ctx, tmp_path, upstream):
    spec = api_spec(tmp_path, restrict=True, extra="  scopes: [posts/read]\n")
    run(ctx, spec, upstream.controllers())
    default = routes_by_key(ctx, only_api(ctx)["ApiId"])["$default"]
    assert default["AuthorizationType"] == "JWT" and default["AuthorizationScopes"] == ["posts/read"]
    assert_in_sync(ctx, spec, upstream.controllers())


def test_routes_of_a_foreign_api_are_refused(ctx, tmp_path, upstream):
    apigw = ctx.client("apigatewayv2")
    api = apigw.create_api(Name=f"sc-{ENV}-{APP}", ProtocolType="HTTP")
    apigw.create_route(ApiId=api["ApiId"], RouteKey="$default")
    problems = {str(p.key) for p in plan(ctx, api_spec(tmp_path), upstream.controllers()).problems}
    assert {f"api.http_api/{ENV}/{APP}", f"api.route/{ENV}/{APP}/default"} <= problems
    assert "Target" not in routes_by_key(ctx, api["ApiId"])["$default"]
