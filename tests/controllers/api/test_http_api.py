"""api.http_api: the HTTP API with the spec's CORS settings, its tags, its endpoint."""
from __future__ import annotations

import dataclasses

from reconciler.engine import apply_plan
from reconciler.ownership import TAG_APP, TAG_KIND, TAG_MANAGED_BY
from tests.controllers.api.stack import APP, ENV, api_spec, assert_in_sync, integrations, only_api, plan, run

NAME = f"sc-{ENV}-{APP}"


def test_http_api_converges_with_cors_and_tags(ctx, tmp_path, upstream):
    spec = api_spec(tmp_path)
    run(ctx, spec, upstream.controllers())
    assert_in_sync(ctx, spec, upstream.controllers())
    api = only_api(ctx)
    assert api["Name"] == NAME and api["ProtocolType"] == "HTTP"
    assert api["CorsConfiguration"] == {"AllowOrigins": ["https://app.example"], "AllowMethods": ["GET", "POST"],
                                        "AllowHeaders": ["Content-Type", "Authorization"], "MaxAge": 300}
    assert api["Tags"][TAG_APP] == APP and api["Tags"][TAG_MANAGED_BY]


def test_cors_and_name_drift_is_healed_in_place(ctx, tmp_path, upstream):
    spec = api_spec(tmp_path)
    run(ctx, spec, upstream.controllers())
    api = only_api(ctx)
    ctx.client("apigatewayv2").update_api(ApiId=api["ApiId"], Name="renamed",
                                          CorsConfiguration={"AllowOrigins": ["*"], "AllowMethods": ["*"], "MaxAge": 0})
    run(ctx, spec, upstream.controllers())
    assert_in_sync(ctx, spec, upstream.controllers())
    healed = only_api(ctx)
    assert healed["ApiId"] == api["ApiId"] and healed["Name"] == NAME
    assert healed["CorsConfiguration"]["AllowOrigins"] == ["https://app.example"]
    assert healed["CorsConfiguration"]["AllowHeaders"] == ["Content-Type", "Authorization"]


def test_removed_tags_are_put_back_and_foreign_tags_kept(ctx, tmp_path, upstream):
    spec = api_spec(tmp_path)
    run(ctx, spec, upstream.controllers())
    api = only_api(ctx)
    apigw = ctx.client("apigatewayv2")
    arn = f"arn:aws:apigateway:us-east-1::/apis/{api['ApiId']}"
    apigw.untag_resource(ResourceArn=arn, TagKeys=[TAG_KIND, "Name"])
    apigw.tag_resource(ResourceArn=arn, Tags={"cost-center": "42"})
    run(ctx, spec, upstream.controllers())
    assert_in_sync(ctx, spec, upstream.controllers())
    tags = only_api(ctx)["Tags"]
    assert tags[TAG_KIND] == "api.http_api" and tags["Name"] == f"{ENV}-{APP}" and tags["cost-center"] == "42"


def test_cors_change_in_the_spec_updates_the_api(ctx, tmp_path, upstream):
    run(ctx, api_spec(tmp_path), upstream.controllers())
    before = only_api(ctx)
    spec = api_spec(tmp_path, origins=("https://a.example", "https://b.example"))
    [change] = [c for c in plan(ctx, spec, upstream.controllers()).pending if c.kind == "api.http_api"]
    assert change.action == "update"
    run(ctx, spec, upstream.controllers())
    after = only_api(ctx)
    assert after["ApiId"] == before["ApiId"]
    assert sorted(after["CorsConfiguration"]["AllowOrigins"]) == ["https://a.example", "https://b.example"]


def test_interrupted_converge_leaves_one_api(ctx, tmp_path, upstream):
    spec = api_spec(tmp_path)
    first = plan(ctx, spec, upstream.controllers())
    partial = dataclasses.replace(first, changes=[c for c in first.changes if c.kind == "api.http_api"])
    apply_plan(partial, upstream.controllers(), ctx)  # "crash" after the API was created
    created = only_api(ctx)

    run(ctx, spec, upstream.controllers())
    assert_in_sync(ctx, spec, upstream.controllers())
    assert only_api(ctx)["ApiId"] == created["ApiId"]
    assert len(integrations(ctx, created["ApiId"])) == 1


def test_foreign_api_is_refused_with_everything_in_it_and_adopted_when_asked(ctx, tmp_path, upstream):
    apigw = ctx.client("apigatewayv2")
    foreign = apigw.create_api(Name=NAME, ProtocolType="HTTP", Tags={"team": "theirs"})
    refused = plan(ctx, api_spec(tmp_path), upstream.controllers())
    assert f"api.http_api/{ENV}/{APP}" in [str(p.key) for p in refused.problems]
    assert only_api(ctx)["Tags"] == {"team": "theirs"} and "CorsConfiguration" not in only_api(ctx)

    spec = api_spec(tmp_path, adopt=True)
    run(ctx, spec, upstream.controllers())
    assert_in_sync(ctx, spec, upstream.controllers())
    adopted = only_api(ctx)
    assert adopted["ApiId"] == foreign["ApiId"]
    assert adopted["Tags"]["team"] == "theirs" and adopted["Tags"][TAG_APP] == APP
    assert adopted["CorsConfiguration"]["AllowOrigins"] == ["https://app.example"]


def test_a_plan_reads_each_api_collection_once(ctx, aws, tmp_path, upstream):
    spec = api_spec(tmp_path, restrict=True)
    run(ctx, spec, upstream.controllers())
    start = len(aws.requests)
    plan(ctx, spec, upstream.controllers())
    reads = [r for r in aws.requests[start:] if r.startswith("apigatewayv2.")]
    assert sorted(reads) == ["apigatewayv2.GetApis", "apigatewayv2.GetAuthorizers", "apigatewayv2.GetIntegrations",
                             "apigatewayv2.GetRoutes", "apigatewayv2.GetStages", "apigatewayv2.GetVpcLinks"]
