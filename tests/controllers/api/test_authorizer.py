"""api.authorizer: the Cognito JWT authorizer of a restricted API, found by listing
(GetAuthorizers: the embedded AWS adds it to moto) and removed again when restriction is turned off."""
from __future__ import annotations

import dataclasses

import pytest

from reconciler.engine import apply_plan
from tests.controllers.api.stack import api_spec, assert_in_sync, only_api, outputs, plan, routes_by_key, run

CREATE = "apigatewayv2.CreateAuthorizer"


def _authorizer(ctx, api_id, authorizer_id):
    return ctx.client("apigatewayv2").get_authorizer(ApiId=api_id, AuthorizerId=authorizer_id)


def test_restricted_api_gets_exactly_one_authorizer_across_passes(ctx, aws, tmp_path, upstream):
    # Routes wait a pass for the VPC link; the authorizer is created in the first pass and
    # must be found again (by listing) rather than created once per pass.
    spec = api_spec(tmp_path, restrict=True)
    report = run(ctx, spec, upstream.controllers())
    assert report.passes > 2
    assert_in_sync(ctx, spec, upstream.controllers())
    assert aws.requests.count(CREATE) == 1
    api = only_api(ctx)
    authorizer_id = routes_by_key(ctx, api["ApiId"])["$default"]["AuthorizerId"]
    assert [a["AuthorizerId"] for a in ctx.client("apigatewayv2").get_authorizers(ApiId=api["ApiId"])["Items"]] == [authorizer_id]
    assert outputs(report, "api.authorizer") == {"id": authorizer_id}


def test_open_api_has_no_authorizer(ctx, aws, tmp_path, upstream):
    spec = api_spec(tmp_path)
    run(ctx, spec, upstream.controllers())
    assert CREATE not in aws.requests
    assert ctx.client("apigatewayv2").get_authorizers(ApiId=only_api(ctx)["ApiId"])["Items"] == []
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
    assert pending == [("api.route/dev/posts-api/default", "update"), ("api.authorizer/dev/posts-api", "delete")]
    report = run(ctx, spec, controllers)
    # The route stops using the authorizer, which then goes (deletes wait for dependents), then nothing to do.
    assert report.passes <= 3
    assert_in_sync(ctx, spec, controllers)
    routes = routes_by_key(ctx, api_id)
    assert list(routes) == ["$default"] and routes["$default"]["AuthorizationType"] == "NONE"
    apigw = ctx.client("apigatewayv2")
    try:
        _authorizer(ctx, api_id, authorizer_id)
        raise AssertionError("authorizer still exists")
    except apigw.exceptions.NotFoundException:
        pass
    assert ctx.client("apigatewayv2").get_authorizers(ApiId=api_id)["Items"] == []


def test_a_copy_made_by_a_create_sent_twice_is_deleted_and_the_one_in_use_kept(ctx, tmp_path, upstream):
    spec = api_spec(tmp_path, restrict=True)
    report = run(ctx, spec, upstream.controllers())
    api_id = only_api(ctx)["ApiId"]
    kept = outputs(report, "api.authorizer")["id"]
    used = routes_by_key(ctx, api_id)["$default"]["AuthorizerId"]
    first = _authorizer(ctx, api_id, kept)
    # What a CreateAuthorizer whose answer was lost, sent again, leaves behind.
    ctx.client("apigatewayv2").create_authorizer(ApiId=api_id, **{k: first[k] for k in (
        "Name", "AuthorizerType", "IdentitySource", "JwtConfiguration")})
    planned = plan(ctx, spec, upstream.controllers()).pending
    assert [(c.kind, c.action, c.reason) for c in planned] == [
        ("api.authorizer", "update", "copies made by a create sent twice: deleting them")]
    run(ctx, spec, upstream.controllers())
    assert [a["AuthorizerId"] for a in ctx.client("apigatewayv2").get_authorizers(ApiId=api_id)["Items"]] == [used]
    assert_in_sync(ctx, spec, upstream.controllers())
