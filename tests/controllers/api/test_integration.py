"""api.integration: HTTP_PROXY over the VPC link to the app's Cloud Map service."""
from __future__ import annotations

import dataclasses

from reconciler.engine import apply_plan
from tests.controllers.api.stack import api_spec, assert_in_sync, integrations, only_api, plan, routes_by_key, run


def test_integration_converges_over_the_vpc_link_to_the_service(ctx, tmp_path, upstream):
    spec = api_spec(tmp_path)
    report = run(ctx, spec, upstream.controllers())
    assert_in_sync(ctx, spec, upstream.controllers())
    api = only_api(ctx)
    [integration] = integrations(ctx, api["ApiId"])
    link = ctx.client("apigatewayv2").get_vpc_links()["Items"][0]
    assert {k: integration[k] for k in ("IntegrationType", "IntegrationMethod", "ConnectionType", "ConnectionId",
                                        "IntegrationUri", "PayloadFormatVersion")} == {
        "IntegrationType": "HTTP_PROXY", "IntegrationMethod": "ANY", "ConnectionType": "VPC_LINK",
        "ConnectionId": link["VpcLinkId"], "IntegrationUri": upstream.service_arn, "PayloadFormatVersion": "1.0"}
    out = next(v for k, v in report.status.outputs.items() if k.kind == "api.integration")
    assert out == {"id": integration["IntegrationId"]}


def test_changed_uri_and_method_are_restored_in_place(ctx, tmp_path, upstream):
    spec = api_spec(tmp_path)
    run(ctx, spec, upstream.controllers())
    api = only_api(ctx)
    [integration] = integrations(ctx, api["ApiId"])
    ctx.client("apigatewayv2").update_integration(
        ApiId=api["ApiId"], IntegrationId=integration["IntegrationId"], IntegrationMethod="GET",
        IntegrationUri="arn:aws:servicediscovery:us-east-1:123456789012:service/srv-elsewhere")
    [change] = [c for c in plan(ctx, spec, upstream.controllers()).pending]
    assert change.kind == "api.integration" and change.action == "update"
    assert {c.path for c in change.changes} == {"IntegrationMethod", "IntegrationUri"}

    run(ctx, spec, upstream.controllers())
    assert_in_sync(ctx, spec, upstream.controllers())
    [restored] = integrations(ctx, api["ApiId"])
    assert restored["IntegrationId"] == integration["IntegrationId"]
    assert restored["IntegrationMethod"] == "ANY" and restored["IntegrationUri"] == upstream.service_arn


def test_deleted_integration_is_recreated_and_routes_follow(ctx, tmp_path, upstream):
    spec = api_spec(tmp_path, restrict=True)
    run(ctx, spec, upstream.controllers())
    api = only_api(ctx)
    [old] = integrations(ctx, api["ApiId"])
    ctx.client("apigatewayv2").delete_integration(ApiId=api["ApiId"], IntegrationId=old["IntegrationId"])

    run(ctx, spec, upstream.controllers())
    assert_in_sync(ctx, spec, upstream.controllers())
    [new] = integrations(ctx, api["ApiId"])
    assert new["IntegrationId"] != old["IntegrationId"]
    targets = {k: r["Target"] for k, r in routes_by_key(ctx, api["ApiId"]).items()}
    assert targets == {"$default": f"integrations/{new['IntegrationId']}"}


def test_integration_created_before_a_crash_is_reused(ctx, tmp_path, upstream):
    spec = api_spec(tmp_path)
    first = plan(ctx, spec, upstream.controllers())
    early = [c for c in first.changes if c.kind in ("api.vpc_link", "api.http_api")]
    apply_plan(dataclasses.replace(first, changes=early), upstream.controllers(), ctx)
    second = plan(ctx, spec, upstream.controllers())
    only_integration = [c for c in second.changes if c.kind == "api.integration"]
    apply_plan(dataclasses.replace(second, changes=only_integration), upstream.controllers(), ctx)  # "crash" here
    api = only_api(ctx)
    [made] = integrations(ctx, api["ApiId"])

    run(ctx, spec, upstream.controllers())
    assert_in_sync(ctx, spec, upstream.controllers())
    assert [i["IntegrationId"] for i in integrations(ctx, api["ApiId"])] == [made["IntegrationId"]]
    assert routes_by_key(ctx, api["ApiId"])["$default"]["Target"] == f"integrations/{made['IntegrationId']}"


def test_an_extra_integration_in_our_api_does_not_confuse_us(ctx, tmp_path, upstream):
    spec = api_spec(tmp_path)
    run(ctx, spec, upstream.controllers())
    api = only_api(ctx)
    [ours] = integrations(ctx, api["ApiId"])
    ctx.client("apigatewayv2").create_integration(ApiId=api["ApiId"], IntegrationType="HTTP_PROXY",
                                                  IntegrationMethod="GET", IntegrationUri="https://example.com",
                                                  PayloadFormatVersion="1.0")
    assert_in_sync(ctx, spec, upstream.controllers())
    assert routes_by_key(ctx, api["ApiId"])["$default"]["Target"] == f"integrations/{ours['IntegrationId']}"
