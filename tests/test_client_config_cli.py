"""Client configuration through the command line, on the moto server: the sign-in ids in
`status -o json` and at the end of `--once`, `reconcile client-config` on a stack not created yet,
and files or specs that cannot work refused before anything is created."""
from __future__ import annotations

import json

import boto3

from reconciler.cli import main
from tests.support import write_app

RESTRICTED = "api:\n  restrictAccess: true\n"


def _client(service: str, url: str):
    return boto3.client(service, endpoint_url=url, region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")


def test_once_and_status_show_the_endpoint_and_the_sign_in_ids(moto_server, tmp_path, capsys):
    moto_server.reset()
    spec = str(write_app(tmp_path, "posts-api", spec_extra=RESTRICTED))
    target = ["--target", moto_server.url]
    assert main(["--once", spec, "--timeout", "120", *target]) == 0
    out = capsys.readouterr().out
    idp = _client("cognito-idp", moto_server.url)
    pool_id = idp.list_user_pools(MaxResults=5)["UserPools"][0]["Id"]
    client_id = idp.list_user_pool_clients(UserPoolId=pool_id)["UserPoolClients"][0]["ClientId"]
    endpoint = _client("apigatewayv2", moto_server.url).get_apis()["Items"][0]["ApiEndpoint"]
    assert f"dev/posts-api: Ready=True Synced=True  endpoint {endpoint}" in out
    assert f"  sign in: user pool {pool_id}, app client {client_id}, region us-east-1" in out

    assert main(["status", spec, "-o", "json", *target]) == 0
    entry = json.loads(capsys.readouterr().out)["specs"]["dev/posts-api"]
    assert entry["endpoint"] == endpoint
    assert entry["api"] == {"name": "posts-api", "type": "REST", "endpoint": endpoint, "region": "us-east-1", "restrictAccess": True}
    assert entry["auth"] == {"userPoolId": pool_id, "userPoolClientId": client_id, "region": "us-east-1", "hostedUIDomain": None}


def test_client_config_before_the_stack_exists_says_what_is_missing_and_writes_nothing(moto_server, tmp_path, capsys):
    moto_server.reset()
    spec = str(write_app(tmp_path, "posts-api", spec_extra=RESTRICTED))
    out = tmp_path / "web" / "aws-exports.js"
    assert main(["client-config", spec, "-o", str(out), "--target", moto_server.url]) == 1
    err = capsys.readouterr().err
    assert "dev/posts-api: not written to the client configuration: no API endpoint, no user pool, no app client yet" in err
    assert "run `reconcile --once`" in err and "Traceback" not in err
    assert not out.exists()


def test_two_restricted_specs_into_one_file_are_refused_before_anything_is_created(moto_server, tmp_path, capsys):
    moto_server.reset()
    specs = [str(write_app(tmp_path, name, spec_extra=RESTRICTED)) for name in ("a-api", "b-api")]
    out = tmp_path / "aws-exports.js"
    assert main(["--once", *specs, "--target", moto_server.url, "--write-client-config", str(out)]) == 1
    err = capsys.readouterr().err
    assert f"{out}: restricted APIs a-api and b-api each have their own Cognito user pool" in err
    assert _client("ec2", moto_server.url).describe_vpcs(Filters=[{"Name": "tag-key", "Values": ["reconcile.dev/managed-by"]}])["Vpcs"] == []
    assert not out.exists()


def test_a_malformed_client_file_is_refused_before_converging(moto_server, tmp_path, capsys):
    moto_server.reset()
    spec = str(write_app(tmp_path, "posts-api"))
    out = tmp_path / "amplify_outputs.json"
    out.write_text('{"version": "1",')
    assert main(["--once", spec, "--target", moto_server.url, "--write-client-config", str(out)]) == 1
    assert f"{out}: not valid JSON" in capsys.readouterr().err
    assert _client("apigatewayv2", moto_server.url).get_apis()["Items"] == []
    assert out.read_text() == '{"version": "1",'
