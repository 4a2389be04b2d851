"""A whole API app through the engine: network + discovery + the API kinds (+ Cognito when
restricted) converge from empty, the endpoint is an output, restriction toggles on and off in
one converge each, and routes and integrations changed behind our back are restored."""
from __future__ import annotations

from tests.controllers.api.stack import (
    api_spec,
    assert_in_sync,
    integrations,
    only_api,
    outputs,
    routes_by_key,
    run,
)

POOL_ISSUER = "https://cognito-idp.us-east-1.amazonaws.com/"


def test_api_app_converges_from_empty_and_second_plan_is_empty(ctx, tmp_path):
    spec = api_spec(tmp_path)
    report = run(ctx, spec)
    assert_in_sync(ctx, spec)
    api = only_api(ctx)
    assert api["Name"] == "sc-dev-posts-api" and api["ProtocolType"] == "HTTP"
    assert api["CorsConfiguration"]["AllowOrigins"] == ["https://app.example"]
    assert api["CorsConfiguration"]["MaxAge"] == 300
    service_arn = outputs(report, "discovery.service")["arn"]
    link_id = outputs(report, "api.vpc_link", app=None)["id"]
    [integration] = integrations(ctx, api["ApiId"])
    assert integration["IntegrationType"] == "HTTP_PROXY" and integration["IntegrationMethod"] == "ANY"
    assert integration["ConnectionType"] == "VPC_LINK" and integration["ConnectionId"] == link_id
    assert integration["IntegrationUri"] == service_arn and integration["PayloadFormatVersion"] == "1.0"
    routes = routes_by_key(ctx, api["ApiId"])
    assert set(routes) == {"$default"}
    assert routes["$default"]["Target"] == f"integrations/{integration['IntegrationId']}"
    assert routes["$default"]["AuthorizationType"] == "NONE"
    [stage] = ctx.client("apigatewayv2").get_stages(ApiId=api["ApiId"])["Items"]
    assert stage["StageName"] == "$default" and stage["AutoDeploy"] is True
    assert ctx.client("cognito-idp").list_user_pools(MaxResults=60)["UserPools"] == []


def test_endpoint_is_an_output_of_the_http_api(ctx, tmp_path):
    report = run(ctx, api_spec(tmp_path))
    api = only_api(ctx)
    out = outputs(report, "api.http_api")
    assert out == {"id": api["ApiId"], "endpoint": api["ApiEndpoint"]}
    assert out["endpoint"].startswith("https://") and api["ApiId"] in out["endpoint"]


def test_restrict_access_toggled_on_then_off(ctx, tmp_path):
    run(ctx, api_spec(tmp_path))
    apigw = ctx.client("apigatewayv2")

    spec = api_spec(tmp_path, restrict=True)
    report = run(ctx, spec)
    assert_in_sync(ctx, spec)
    api = only_api(ctx)
    routes = routes_by_key(ctx, api["ApiId"])
    assert set(routes) == {"$default"}, "no unauthenticated route (CORS answers preflight requests)"
    default = routes["$default"]
    assert default["AuthorizationType"] == "JWT"
    authorizer = apigw.get_authorizer(ApiId=api["ApiId"], AuthorizerId=default["AuthorizerId"])
    pool = outputs(report, "auth.user_pool")
    client_id = outputs(report, "auth.user_pool_client")["client_id"]
    assert authorizer["AuthorizerType"] == "JWT"
    assert authorizer["IdentitySource"] == ["$request.header.Authorization"]
    assert authorizer["JwtConfiguration"] == {"Audience": [client_id], "Issuer": POOL_ISSUER + pool["id"]}
    described = ctx.client("cognito-idp").describe_user_pool_client(UserPoolId=pool["id"], ClientId=client_id)
    assert "ClientSecret" not in described["UserPoolClient"]

    spec = api_spec(tmp_path, restrict=False)
    report = run(ctx, spec)
    assert_in_sync(ctx, spec)
    routes = routes_by_key(ctx, api["ApiId"])
    assert set(routes) == {"$default"}
    assert routes["$default"]["AuthorizationType"] == "NONE"
    assert not routes["$default"].get("AuthorizerId")
    assert apigw.get_authorizers(ApiId=api["ApiId"])["Items"] == []
    assert outputs(report, "api.http_api")["id"] == api["ApiId"]  # same API throughout


def test_restricted_app_converges_from_empty(ctx, tmp_path):
    spec = api_spec(tmp_path, restrict=True)
    run(ctx, spec)
    assert_in_sync(ctx, spec)
    api = only_api(ctx)
    assert routes_by_key(ctx, api["ApiId"])["$default"]["AuthorizationType"] == "JWT"


def test_deleted_route_is_restored(ctx, tmp_path):
    spec = api_spec(tmp_path, restrict=True)
    run(ctx, spec)
    api = only_api(ctx)
    apigw = ctx.client("apigatewayv2")
    before = routes_by_key(ctx, api["ApiId"])
    apigw.delete_route(ApiId=api["ApiId"], RouteId=before["$default"]["RouteId"])

    run(ctx, spec)
    assert_in_sync(ctx, spec)
    after = routes_by_key(ctx, api["ApiId"])
    assert set(after) == {"$default"}
    assert after["$default"]["Target"] == before["$default"]["Target"]
    assert after["$default"]["AuthorizationType"] == "JWT"
    assert after["$default"]["AuthorizerId"] == before["$default"]["AuthorizerId"]


def test_integration_uri_changed_out_of_band_is_restored(ctx, tmp_path):
    spec = api_spec(tmp_path)
    report = run(ctx, spec)
    api = only_api(ctx)
    [integration] = integrations(ctx, api["ApiId"])
    ctx.client("apigatewayv2").update_integration(
        ApiId=api["ApiId"], IntegrationId=integration["IntegrationId"],
        IntegrationUri="arn:aws:servicediscovery:us-east-1:123456789012:service/srv-elsewhere")

    run(ctx, spec)
    assert_in_sync(ctx, spec)
    [restored] = integrations(ctx, api["ApiId"])
    assert restored["IntegrationId"] == integration["IntegrationId"]  # updated in place
    assert restored["IntegrationUri"] == outputs(report, "discovery.service")["arn"]


def test_restriction_off_deletes_authorizer_and_preflight_route_and_keeps_the_pool_until_delete(ctx, tmp_path):
    # Turning restriction off plans `delete`s of the authorizer and the preflight route, keeps
    # the user pool and its client (users and the client id survive the toggle), and `reconcile
    # delete` then removes the whole front door, the retained pool included, and finishes.
    from reconciler.workflow import delete_apps
    from tests.controllers.api.stack import front_door, plan
    from tests.support import design

    report = run(ctx, api_spec(tmp_path, restrict=True))
    pool_id = outputs(report, "auth.user_pool")["id"]
    client_id = outputs(report, "auth.user_pool_client")["client_id"]

    spec = api_spec(tmp_path, restrict=False)
    actions = {c.name: c.action for c in plan(ctx, spec).changes if c.kind.startswith(("api.authorizer", "api.route", "auth."))}
    assert actions == {
        "api.authorizer/dev/posts-api": "delete",
        "api.route/dev/posts-api/options": "noop",
        "api.route/dev/posts-api/default": "update",
        "auth.user_pool/dev/posts-api": "noop",
        "auth.user_pool_client/dev/posts-api": "noop",
    }
    report = run(ctx, spec)
    assert_in_sync(ctx, spec)
    # Retained resources are not observed when planning (they are never changed), so look in AWS.
    cognito = ctx.client("cognito-idp")
    assert [p["Id"] for p in cognito.list_user_pools(MaxResults=60)["UserPools"]] == [pool_id]
    clients = cognito.list_user_pool_clients(UserPoolId=pool_id, MaxResults=60)["UserPoolClients"]
    assert [c["ClientId"] for c in clients] == [client_id]

    deleted = delete_apps(front_door(), design(spec), ctx, None, timeout=30, sleep=lambda s: None)
    assert deleted.converged, deleted.last_result
    assert "auth.user_pool/dev/posts-api" in deleted.deleted
    assert "api.authorizer/dev/posts-api" not in deleted.deleted  # already gone with the toggle
    apigw = ctx.client("apigatewayv2")
    assert apigw.get_apis()["Items"] == [] and apigw.get_vpc_links()["Items"] == []
    assert cognito.list_user_pools(MaxResults=60)["UserPools"] == []


def test_interrupted_converges_leave_exactly_one_of_everything(ctx, aws, tmp_path, upstream):
    import dataclasses

    from reconciler.engine import apply_plan
    from tests.controllers.api.stack import plan

    spec = api_spec(tmp_path, restrict=True)
    for _ in range(3):  # three runs, each "crashing" halfway through its plan
        current = plan(ctx, spec, upstream.controllers())
        pending = current.pending
        apply_plan(dataclasses.replace(current, changes=pending[: max(1, len(pending) // 2)]), upstream.controllers(), ctx)
    run(ctx, spec, upstream.controllers())
    assert_in_sync(ctx, spec, upstream.controllers())

    apigw, cognito = ctx.client("apigatewayv2"), ctx.client("cognito-idp")
    api = only_api(ctx)
    assert len(apigw.get_vpc_links()["Items"]) == 1
    assert len(integrations(ctx, api["ApiId"])) == 1
    assert sorted(routes_by_key(ctx, api["ApiId"])) == ["$default"]
    assert len(apigw.get_stages(ApiId=api["ApiId"])["Items"]) == 1
    assert aws.requests.count("apigatewayv2.CreateAuthorizer") == 1
    [pool] = cognito.list_user_pools(MaxResults=60)["UserPools"]
    assert len(cognito.list_user_pool_clients(UserPoolId=pool["Id"], MaxResults=60)["UserPoolClients"]) == 1
