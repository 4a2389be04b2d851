"""api.authorizer: the Cognito JWT authorizer of a restricted API, found without GetAuthorizers
(moto lacks it) and removed again when restriction is turned off."""
from __future__ import annotations

import dataclasses

import pytest

from reconciler.ownership import TAG_AUTHORIZER_ID
from reconciler.engine import apply_plan
from tests.controllers.api.stack import api_spec, assert_in_sync, only_api, outputs, plan, routes_by_key, run

CREATE = "apigatewayv2.CreateAuthorizer"


def _authorizer(ctx, api_id, authorizer_id):
    return ctx.client("apigatewayv2").get_authorizer(ApiId=api_id, AuthorizerId=authorizer_id)


def test_restricted_api_gets_exactly_one_authorizer_across_passes(ctx, aws, tmp_path, upstream):
    # Routes wait a pass for the VPC link; the authorizer is created in the first pass and
    # must be found again (through the API's tag) rather than created once per pass.
    spec = api_spec(tmp_path, restrict=True)
    report = run(ctx, spec, upstream.controllers())
    assert report.passes > 2
    assert_in_sync(ctx, spec, upstream.controllers())
    assert aws.requests.count(CREATE) == 1
    api = only_api(ctx)
    authorizer_id = routes_by_key(ctx, api["ApiId"])["$default"]["AuthorizerId"]
    assert api["Tags"][TAG_AUTHORIZER_ID] == authorizer_id
    assert outputs(report, "api.authorizer") == {"id": authorizer_id}


def test_open_api_has_no_authorizer(ctx, aws, tmp_path, upstream):
    spec = api_spec(tmp_path)
    run(ctx, spec, upstream.controllers())
    assert CREATE not in aws.requests
    assert TAG_AUTHORIZER_ID not in only_api(ctx)["Tags"]
    assert ctx.client("cognito-idp").list_user_pools(MaxResults=60)["UserPools"] == []


def test_changed_jwt_configuration_is_restored_in_place(ctx, tmp_path, upstream):
    spec = api_spec(tmp_path, restrict=True)
    report = run(ctx, spec, upstream.controllers())
    api_id = only_api(ctx)["ApiId"]
    authorizer_id = outputs(report, "api.authorizer")["id"]
    ctx.client("apigatewayv2").update_authorizer(
        ApiId=api_id, AuthorizerId=authorizer_id, IdentitySource=["$request.header.X-Token"],
        JwtConfiguration={"Audience": ["someone-else"], "Issuer": "https://issuer.example"})
    [change] = plan(ctx, spec, upstream.controllers()).pending
    assert change.kind == "api.authorizer" and change.action == "update"

    run(ctx, spec, upstream.controllers())
    assert_in_sync(ctx, spec, upstream.controllers())
    restored = _authorizer(ctx, api_id, authorizer_id)
    assert restored["IdentitySource"] == ["$request.header.Authorization"]
    assert restored["JwtConfiguration"]["Audience"] == [outputs(report, "auth.user_pool_client")["client_id"]]
    assert restored["JwtConfiguration"]["Issuer"] == outputs(report, "auth.user_pool")["issuer"]


def test_deleted_authorizer_is_recreated_and_routes_follow(ctx, tmp_path, upstream):
    spec = api_spec(tmp_path, restrict=True)
    run(ctx, spec, upstream.controllers())
    api_id = only_api(ctx)["ApiId"]
    old = routes_by_key(ctx, api_id)["$default"]["AuthorizerId"]
    ctx.client("apigatewayv2").delete_authorizer(ApiId=api_id, AuthorizerId=old)

    run(ctx, spec, upstream.controllers())
    assert_in_sync(ctx, spec, upstream.controllers())
    new = routes_by_key(ctx, api_id)["$default"]["AuthorizerId"]
    assert new != old and _authorizer(ctx, api_id, new)["AuthorizerType"] == "JWT"
    assert only_api(ctx)["Tags"][TAG_AUTHORIZER_ID] == new


def test_authorizer_created_before_a_crash_is_reused(ctx, aws, tmp_path, upstream):
    spec = api_spec(tmp_path, restrict=True)
    first = plan(ctx, spec, upstream.controllers())
    early = [c for c in first.changes if not c.kind.startswith(("api.route", "api.integration", "api.stage"))]
    apply_plan(dataclasses.replace(first, changes=early), upstream.controllers(), ctx)  # "crash" before routes
    assert aws.requests.count(CREATE) == 1

    run(ctx, spec, upstream.controllers())
    assert_in_sync(ctx, spec, upstream.controllers())
    assert aws.requests.count(CREATE) == 1


def test_turning_restriction_off_removes_authorizer_and_preflight_route_in_one_converge(ctx, tmp_path, upstream):
    run(ctx, api_spec(tmp_path, restrict=True), upstream.controllers())
    api_id = only_api(ctx)["ApiId"]
    authorizer_id = routes_by_key(ctx, api_id)["$default"]["AuthorizerId"]

    controllers = upstream.controllers()
    spec = api_spec(tmp_path, restrict=False)
    planned = plan(ctx, spec, controllers)
    pending = [(c.name, c.action) for c in planned.pending]
    # Deletes come last, dependents first: the route that uses the authorizer, then the authorizer.
    assert pending == [("api.route/dev/posts-api/default", "update"), ("api.route/dev/posts-api/options", "delete"),
                       ("api.authorizer/dev/posts-api", "delete")]
    report = run(ctx, spec, controllers)
    # The routes change, the authorizer goes once no route of ours is left to use it, then nothing to do.
    assert report.passes == 3
    assert_in_sync(ctx, spec, controllers)
    routes = routes_by_key(ctx, api_id)
    assert list(routes) == ["$default"] and routes["$default"]["AuthorizationType"] == "NONE"
    apigw = ctx.client("apigatewayv2")
    try:
        _authorizer(ctx, api_id, authorizer_id)
        raise AssertionError("authorizer still exists")
    except apigw.exceptions.NotFoundException:
        pass
    assert TAG_AUTHORIZER_ID not in only_api(ctx)["Tags"]
