"""auth.user_pool_client: the public app client (no secret, SRP + refresh token) in the pool."""
from __future__ import annotations

import dataclasses

from controllers import auth
from reconciler.engine import apply_plan
from tests.controllers.api.stack import APP, ENV, api_spec, assert_in_sync, outputs, plan, run

NAME = f"sc-{ENV}-{APP}"
FLOWS = ["ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_SRP_AUTH"]


def _clients(ctx, pool_id) -> list[dict]:
    cognito = ctx.client("cognito-idp")
    return [cognito.describe_user_pool_client(UserPoolId=pool_id, ClientId=c["ClientId"])["UserPoolClient"]
            for c in cognito.list_user_pool_clients(UserPoolId=pool_id, MaxResults=60)["UserPoolClients"]]


def test_client_converges_without_secret_and_with_srp_flows(ctx, tmp_path):
    spec = api_spec(tmp_path, restrict=True)
    report = run(ctx, spec, auth.controllers())
    assert_in_sync(ctx, spec, auth.controllers())
    pool_id = outputs(report, "auth.user_pool")["id"]
    [client] = _clients(ctx, pool_id)
    assert client["ClientName"] == NAME and "ClientSecret" not in client
    assert sorted(client["ExplicitAuthFlows"]) == FLOWS
    assert outputs(report, "auth.user_pool_client") == {"client_id": client["ClientId"], "id": client["ClientId"]}


def test_changed_auth_flows_are_restored_in_place_and_other_settings_kept(ctx, tmp_path):
    spec = api_spec(tmp_path, restrict=True)
    report = run(ctx, spec, auth.controllers())
    pool_id = outputs(report, "auth.user_pool")["id"]
    [client] = _clients(ctx, pool_id)
    ctx.client("cognito-idp").update_user_pool_client(
        UserPoolId=pool_id, ClientId=client["ClientId"], ClientName=NAME, RefreshTokenValidity=7,
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])
    run(ctx, spec, auth.controllers())
    assert_in_sync(ctx, spec, auth.controllers())
    [healed] = _clients(ctx, pool_id)
    assert healed["ClientId"] == client["ClientId"] and sorted(healed["ExplicitAuthFlows"]) == FLOWS
    assert healed["RefreshTokenValidity"] == 7  # UpdateUserPoolClient resets what it is not sent


def test_deleted_client_is_recreated(ctx, tmp_path):
    spec = api_spec(tmp_path, restrict=True)
    report = run(ctx, spec, auth.controllers())
    pool_id = outputs(report, "auth.user_pool")["id"]
    [client] = _clients(ctx, pool_id)
    ctx.client("cognito-idp").delete_user_pool_client(UserPoolId=pool_id, ClientId=client["ClientId"])
    report = run(ctx, spec, auth.controllers())
    assert_in_sync(ctx, spec, auth.controllers())
    [new] = _clients(ctx, pool_id)
    assert outputs(report, "auth.user_pool_client")["client_id"] == new["ClientId"] != client["ClientId"]


def test_client_with_a_secret_is_replaced(ctx, tmp_path):
    spec = api_spec(tmp_path, restrict=True)
    report = run(ctx, spec, auth.controllers())
    pool_id = outputs(report, "auth.user_pool")["id"]
    cognito = ctx.client("cognito-idp")
    [client] = _clients(ctx, pool_id)
    cognito.delete_user_pool_client(UserPoolId=pool_id, ClientId=client["ClientId"])
    cognito.create_user_pool_client(UserPoolId=pool_id, ClientName=NAME, GenerateSecret=True, ExplicitAuthFlows=FLOWS)

    [change] = plan(ctx, spec, auth.controllers()).pending
    assert change.action == "replace" and "GenerateSecret" in change.reason
    run(ctx, spec, auth.controllers())
    assert_in_sync(ctx, spec, auth.controllers())
    [replaced] = _clients(ctx, pool_id)
    assert "ClientSecret" not in replaced


def test_client_created_before_a_crash_is_found_again(ctx, tmp_path):
    spec = api_spec(tmp_path, restrict=True)
    run(ctx, spec, [auth.UserPoolController()])
    first = plan(ctx, spec, auth.controllers())
    apply_plan(dataclasses.replace(first, changes=[c for c in first.changes if c.kind == "auth.user_pool_client"]),
               auth.controllers(), ctx)
    report = run(ctx, spec, auth.controllers())
    assert len(_clients(ctx, outputs(report, "auth.user_pool")["id"])) == 1


def test_client_in_a_foreign_pool_is_refused(ctx, tmp_path):
    cognito = ctx.client("cognito-idp")
    pool = cognito.create_user_pool(PoolName=NAME)["UserPool"]
    cognito.create_user_pool_client(UserPoolId=pool["Id"], ClientName=NAME)
    problems = {str(p.key) for p in plan(ctx, api_spec(tmp_path, restrict=True), auth.controllers()).problems}
    assert problems == {f"auth.user_pool/{ENV}/{APP}", f"auth.user_pool_client/{ENV}/{APP}"}
    assert "ExplicitAuthFlows" not in _clients(ctx, pool["Id"])[0]
