"""api.stage: the auto-deploying `$default` stage."""
from __future__ import annotations

from reconciler.ownership import TAG_KIND
from tests.controllers.api.stack import api_spec, assert_in_sync, only_api, plan, run


def _stages(ctx, api_id):
    return ctx.client("apigatewayv2").get_stages(ApiId=api_id)["Items"]


def test_default_stage_auto_deploys_and_is_tagged(ctx, tmp_path, upstream):
    spec = api_spec(tmp_path)
    run(ctx, spec, upstream.controllers())
    assert_in_sync(ctx, spec, upstream.controllers())
    [stage] = _stages(ctx, only_api(ctx)["ApiId"])
    assert stage["StageName"] == "$default" and stage["AutoDeploy"] is True
    assert stage["Tags"][TAG_KIND] == "api.stage"


def test_deleted_stage_is_restored(ctx, tmp_path, upstream):
    spec = api_spec(tmp_path)
    run(ctx, spec, upstream.controllers())
    api_id = only_api(ctx)["ApiId"]
    ctx.client("apigatewayv2").delete_stage(ApiId=api_id, StageName="$default")
    run(ctx, spec, upstream.controllers())
    assert_in_sync(ctx, spec, upstream.controllers())
    assert [s["StageName"] for s in _stages(ctx, api_id)] == ["$default"]


def test_stage_without_auto_deploy_is_replaced(ctx, tmp_path, upstream):
    # moto lacks UpdateStage, so this drift is made by re-creating the stage with AutoDeploy off.
    spec = api_spec(tmp_path)
    run(ctx, spec, upstream.controllers())
    api_id = only_api(ctx)["ApiId"]
    apigw = ctx.client("apigatewayv2")
    tags = _stages(ctx, api_id)[0]["Tags"]
    apigw.delete_stage(ApiId=api_id, StageName="$default")
    apigw.create_stage(ApiId=api_id, StageName="$default", AutoDeploy=False, Tags=tags)

    [change] = plan(ctx, spec, upstream.controllers()).pending
    assert change.kind == "api.stage" and change.action == "replace" and "AutoDeploy" in change.reason
    run(ctx, spec, upstream.controllers())
    assert_in_sync(ctx, spec, upstream.controllers())
    [stage] = _stages(ctx, api_id)
    assert stage["AutoDeploy"] is True
