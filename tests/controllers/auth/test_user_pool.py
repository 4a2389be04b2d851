"""auth.user_pool: one Cognito user pool per restricted API app, tagged with UserPoolTags."""
from __future__ import annotations

import dataclasses

from controllers import auth
from reconciler.engine import apply_plan
from reconciler.ownership import TAG_APP, TAG_KIND, TAG_MANAGED_BY
from tests.controllers.api.stack import APP, ENV, api_spec, assert_in_sync, outputs, plan, run

NAME = f"sc-{ENV}-{APP}"


def _pools(ctx) -> list[dict]:
    cognito = ctx.client("cognito-idp")
    return [cognito.describe_user_pool(UserPoolId=p["Id"])["UserPool"]
            for p in cognito.list_user_pools(MaxResults=60)["UserPools"]]


def test_user_pool_converges_with_email_sign_in_and_our_tags(ctx, tmp_path):
    spec = api_spec(tmp_path, restrict=True)
    report = run(ctx, spec, auth.controllers())
    assert_in_sync(ctx, spec, auth.controllers())
    [pool] = _pools(ctx)
    assert pool["Name"] == NAME
    assert pool["UsernameAttributes"] == ["email"] and pool["AutoVerifiedAttributes"] == ["email"]
    assert pool["UserPoolTags"][TAG_KIND] == "auth.user_pool" and pool["UserPoolTags"][TAG_APP] == APP
    assert outputs(report, "auth.user_pool") == {
        "id": pool["Id"], "arn": pool["Arn"], "name": NAME,
        "issuer": f"https://cognito-idp.us-east-1.amazonaws.com/{pool['Id']}"}


def test_no_pool_while_access_is_open(ctx, tmp_path):
    spec = api_spec(tmp_path)
    assert plan(ctx, spec, auth.controllers()).empty
    run(ctx, spec, auth.controllers())
    assert _pools(ctx) == []


def test_pool_and_client_are_kept_while_access_is_open_and_reused_when_restricted_again(ctx, tmp_path):
    report = run(ctx, api_spec(tmp_path, restrict=True), auth.controllers())
    before = (outputs(report, "auth.user_pool")["id"], outputs(report, "auth.user_pool_client")["client_id"])
    opened = api_spec(tmp_path, restrict=False)
    assert plan(ctx, opened, auth.controllers()).empty  # kept as they are: users survive a toggle
    run(ctx, opened, auth.controllers())
    report = run(ctx, api_spec(tmp_path, restrict=True), auth.controllers())
    after = (outputs(report, "auth.user_pool")["id"], outputs(report, "auth.user_pool_client")["client_id"])
    assert after == before and len(_pools(ctx)) == 1


def test_pool_created_before_a_crash_is_found_again(ctx, tmp_path):
    spec = api_spec(tmp_path, restrict=True)
    first = plan(ctx, spec, auth.controllers())
    apply_plan(dataclasses.replace(first, changes=[c for c in first.changes if c.kind == "auth.user_pool"]),
               auth.controllers(), ctx)
    [made] = _pools(ctx)
    run(ctx, spec, auth.controllers())
    assert [p["Id"] for p in _pools(ctx)] == [made["Id"]]


def test_drifted_settings_and_tags_are_healed_and_other_settings_kept(ctx, tmp_path):
    spec = api_spec(tmp_path, restrict=True)
    run(ctx, spec, auth.controllers())
    [pool] = _pools(ctx)
    cognito = ctx.client("cognito-idp")
    theirs = {k: v for k, v in pool["UserPoolTags"].items() if k != TAG_KIND} | {"team": "web"}
    policy = {"PasswordPolicy": {"MinimumLength": 12, "RequireUppercase": False, "RequireLowercase": True,
                                 "RequireNumbers": True, "RequireSymbols": False, "TemporaryPasswordValidityDays": 3}}
    cognito.update_user_pool(UserPoolId=pool["Id"], AutoVerifiedAttributes=[], UserPoolTags=theirs, Policies=policy)

    [change] = plan(ctx, spec, auth.controllers()).pending
    assert change.action == "update" and {c.path.split(".")[0] for c in change.changes} == {"AutoVerifiedAttributes", "tags"}
    run(ctx, spec, auth.controllers())
    assert_in_sync(ctx, spec, auth.controllers())
    [healed] = _pools(ctx)
    assert healed["Id"] == pool["Id"] and healed["AutoVerifiedAttributes"] == ["email"]
    assert healed["UserPoolTags"][TAG_KIND] == "auth.user_pool" and healed["UserPoolTags"]["team"] == "web"
    assert healed["Policies"] == policy  # UpdateUserPool resets what it is not sent: we send it all back


def test_foreign_pool_is_refused_and_adopted_when_asked(ctx, tmp_path):
    cognito = ctx.client("cognito-idp")
    foreign = cognito.create_user_pool(PoolName=NAME, UserPoolTags={"team": "theirs"})["UserPool"]
    refused = plan(ctx, api_spec(tmp_path, restrict=True), auth.controllers())
    assert f"auth.user_pool/{ENV}/{APP}" in {str(p.key) for p in refused.problems}
    assert _pools(ctx)[0]["UserPoolTags"] == {"team": "theirs"}

    spec = api_spec(tmp_path, restrict=True, adopt=True)
    run(ctx, spec, auth.controllers())
    assert_in_sync(ctx, spec, auth.controllers())
    [adopted] = _pools(ctx)
    assert adopted["Id"] == foreign["Id"]
    assert adopted["UserPoolTags"]["team"] == "theirs" and adopted["UserPoolTags"][TAG_MANAGED_BY]


def test_our_pool_is_preferred_over_a_same_named_foreign_one(ctx, tmp_path):
    spec = api_spec(tmp_path, restrict=True)
    run(ctx, spec, auth.controllers())
    [ours] = _pools(ctx)
    ctx.client("cognito-idp").create_user_pool(PoolName=NAME)  # Cognito allows duplicate names
    assert_in_sync(ctx, spec, auth.controllers())
    report = run(ctx, spec, auth.controllers())
    assert outputs(report, "auth.user_pool")["id"] == ours["Id"]
