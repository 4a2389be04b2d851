"""The client configuration writer: aws-exports.js, amplifyconfiguration.json, amplify_outputs.json.
Pure file I/O; what the real aws-amplify library makes of these files is in
test_client_config_amplify.py."""
from __future__ import annotations

import json
import os
import stat

import pytest

from reconciler.client_config import (
    ApiFacts,
    ClientApi,
    ClientConfigConflict,
    ClientConfigError,
    SignIn,
    api_facts,
    client_config,
    preflight,
    write_client_config,
    write_files,
)
from reconciler.resource import Key
from tests.support import design, write_app

URL = "https://abc123.execute-api.us-east-1.amazonaws.com"
POOL = SignIn("us-east-1_AbCdEf123", "3n4b5urk1ft4fl3mg5e62d9ado", "us-east-1")


def config(*apis: ClientApi, region: str = "us-east-1"):
    return client_config(region, list(apis))


def rest(name: str = "posts-api", url: str = URL, sign_in: SignIn | None = None, region: str = "us-east-1") -> ClientApi:
    return ClientApi(name, url, region, "REST", sign_in)


def exports_object(text: str) -> dict:
    return json.loads(text.split("const awsmobile = ", 1)[1].rsplit("};", 1)[0] + "}")


# --- amplifyconfiguration.json: the flat JS keys and the nested mobile categories -------------

def test_missing_json_file_is_created_with_the_js_and_the_mobile_shapes(tmp_path):
    path = tmp_path / "src" / "amplifyconfiguration.json"
    write_client_config(path, config(rest()))
    written = json.loads(path.read_text())
    assert written["aws_project_region"] == "us-east-1"
    assert written["aws_cloud_logic_custom"] == [{"name": "posts-api", "endpoint": URL, "region": "us-east-1"}]
    assert written["api"]["plugins"]["awsAPIPlugin"] == {"posts-api": {
        "endpointType": "REST", "endpoint": URL, "region": "us-east-1", "authorizationType": "NONE"}}
    assert "aws_user_pools_id" not in written and "auth" not in written


def test_restricted_api_brings_its_user_pool_in_every_shape(tmp_path):
    path = tmp_path / "amplifyconfiguration.json"
    write_client_config(path, config(rest("a", sign_in=POOL), rest("b", URL + "/b", region="eu-west-1")))
    written = json.loads(path.read_text())
    assert (written["aws_cognito_region"], written["aws_user_pools_id"], written["aws_user_pools_web_client_id"]) == (
        "us-east-1", POOL.user_pool_id, POOL.client_id)
    assert written["aws_cognito_username_attributes"] == ["EMAIL"]
    plugin = written["api"]["plugins"]["awsAPIPlugin"]
    assert plugin["a"]["authorizationType"] == "AMAZON_COGNITO_USER_POOLS"
    assert plugin["b"]["authorizationType"] == "NONE" and plugin["b"]["region"] == "eu-west-1"
    cognito = written["auth"]["plugins"]["awsCognitoAuthPlugin"]
    assert cognito["CognitoUserPool"]["Default"] == {"PoolId": POOL.user_pool_id, "AppClientId": POOL.client_id, "Region": "us-east-1"}
    assert cognito["Auth"]["Default"]["authenticationFlowType"] == "USER_SRP_AUTH"


def test_json_keeps_every_other_key(tmp_path):
    path = tmp_path / "amplifyconfiguration.json"
    existing = {
        "UserAgent": "aws-amplify-cli/2.0",
        "Version": "1.0",
        "aws_project_region": "eu-central-1",
        "aws_user_files_s3_bucket": "photos",
        "auth": {"plugins": {"awsCognitoAuthPlugin": {"UserAgent": "x", "CognitoUserPool": {"Default": {"Extra": 1}}}}},
        "api": {"plugins": {
            "awsAPIPlugin": {
                "other": {"endpointType": "GraphQL", "endpoint": "https://other"},
                "posts-api": {"endpoint": "https://old", "apiKey": "keep-me"},
            },
            "someOtherPlugin": {"x": 1},
        }},
    }
    path.write_text(json.dumps(existing))
    write_client_config(path, config(rest(sign_in=POOL)))
    written = json.loads(path.read_text())
    assert written["UserAgent"] == "aws-amplify-cli/2.0" and written["Version"] == "1.0"
    assert written["aws_project_region"] == "eu-central-1"  # the project's, not ours
    assert written["aws_user_files_s3_bucket"] == "photos"
    cognito = written["auth"]["plugins"]["awsCognitoAuthPlugin"]
    assert cognito["UserAgent"] == "x" and cognito["CognitoUserPool"]["Default"]["Extra"] == 1
    assert written["api"]["plugins"]["someOtherPlugin"] == {"x": 1}
    plugin = written["api"]["plugins"]["awsAPIPlugin"]
    assert plugin["other"] == existing["api"]["plugins"]["awsAPIPlugin"]["other"]
    assert plugin["posts-api"] == {"endpoint": URL, "apiKey": "keep-me", "endpointType": "REST",
                                   "region": "us-east-1", "authorizationType": "AMAZON_COGNITO_USER_POOLS"}


def test_replacing_another_user_pool_is_reported(tmp_path):
    path = tmp_path / "amplifyconfiguration.json"
    path.write_text(json.dumps({"aws_project_region": "us-east-1", "aws_user_pools_id": "us-east-1_Other"}))
    notes = write_client_config(path, config(rest(sign_in=POOL)))
    assert f"amplifyconfiguration.json: aws_user_pools_id was 'us-east-1_Other', now '{POOL.user_pool_id}'" in notes
    assert write_client_config(path, config(rest(sign_in=POOL))) == []  # our own value: nothing to say


def test_malformed_json_is_reported_by_name_and_left_untouched(tmp_path):
    path = tmp_path / "amplifyconfiguration.json"
    path.write_text('{"api": {')
    with pytest.raises(ClientConfigError, match="amplifyconfiguration.json: not valid JSON"):
        write_client_config(path, config(rest()))
    assert path.read_text() == '{"api": {'
    assert [p.name for p in tmp_path.iterdir()] == ["amplifyconfiguration.json"]  # no temp file left


def test_json_whose_api_is_not_an_object_is_refused(tmp_path):
    path = tmp_path / "amplifyconfiguration.json"
    path.write_text('{"api": []}')
    with pytest.raises(ClientConfigError, match=r"api is not an object"):
        write_client_config(path, config(rest()))
    assert path.read_text() == '{"api": []}'


def test_top_level_array_is_refused(tmp_path):
    path = tmp_path / "amplifyconfiguration.json"
    path.write_text("[]")
    with pytest.raises(ClientConfigError, match="JSON object"):
        write_client_config(path, config(rest()))


def test_a_directory_in_place_of_the_file_is_refused(tmp_path):
    with pytest.raises(ClientConfigError, match="is a directory"):
        write_client_config(tmp_path, config(rest()))


def test_write_replaces_the_file_atomically_and_keeps_its_mode(tmp_path, monkeypatch):
    path = tmp_path / "amplifyconfiguration.json"
    path.write_text("{}")
    os.chmod(path, 0o640)
    replaced = []
    real_replace = os.replace
    monkeypatch.setattr(os, "replace", lambda src, dst: (replaced.append((src, dst)), real_replace(src, dst)))
    write_client_config(path, config(rest()))
    assert len(replaced) == 1 and str(replaced[0][1]) == str(path)
    assert os.path.dirname(replaced[0][0]) == str(tmp_path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["amplifyconfiguration.json"]


# --- aws-exports.js ---------------------------------------------------------------------------

AWS_EXPORTS = """/* eslint-disable */
// WARNING: DO NOT EDIT. This file is automatically generated by AWS Amplify. It will be overwritten.

const awsmobile = {
    "aws_project_region": "us-east-1",
    "aws_cognito_region": "us-east-1",
    "aws_cloud_logic_custom": [
        {
            "name": "other",
            "endpoint": "https://other.example",
            "region": "us-east-1"
        },
        {
            "name": "posts-api",
            "endpoint": "https://old.example",
            "region": "us-west-2",
            "custom_header": "keep"
        }
    ]
};


export default awsmobile;
"""


def test_aws_exports_updates_our_entries_and_keeps_the_rest(tmp_path):
    path = tmp_path / "aws-exports.js"
    path.write_text(AWS_EXPORTS)
    write_client_config(path, config(rest(), rest("new-api", URL + "/n")))
    text = path.read_text()
    assert text.startswith("/* eslint-disable */\n// WARNING: DO NOT EDIT.")
    assert text.rstrip().endswith("export default awsmobile;")
    written = exports_object(text)
    assert written["aws_project_region"] == "us-east-1" and written["aws_cognito_region"] == "us-east-1"
    assert written["aws_cloud_logic_custom"] == [
        {"name": "other", "endpoint": "https://other.example", "region": "us-east-1"},
        {"name": "posts-api", "endpoint": URL, "region": "us-east-1", "custom_header": "keep"},
        {"name": "new-api", "endpoint": URL + "/n", "region": "us-east-1"},
    ]


def test_missing_aws_exports_is_created_with_the_project_region_and_sign_in(tmp_path):
    path = tmp_path / "aws-exports.js"
    write_client_config(path, config(rest(sign_in=POOL)))
    text = path.read_text()
    assert "const awsmobile = {" in text and text.rstrip().endswith("export default awsmobile;")
    assert exports_object(text) == {
        "aws_project_region": "us-east-1",
        "aws_cloud_logic_custom": [{"name": "posts-api", "endpoint": URL, "region": "us-east-1"}],
        "aws_cognito_region": "us-east-1",
        "aws_user_pools_id": POOL.user_pool_id,
        "aws_user_pools_web_client_id": POOL.client_id,
        "aws_cognito_username_attributes": ["EMAIL"],
        "aws_cognito_verification_mechanisms": ["EMAIL"],
    }


def test_second_write_of_the_same_config_changes_nothing(tmp_path):
    for name in ("aws-exports.js", "amplifyconfiguration.json", "amplify_outputs.json"):
        path = tmp_path / name
        write_client_config(path, config(rest(sign_in=POOL)))
        first = path.read_text()
        write_client_config(path, config(rest(sign_in=POOL)))
        assert path.read_text() == first, name


def test_aws_exports_without_the_awsmobile_object_is_refused(tmp_path):
    path = tmp_path / "aws-exports.js"
    path.write_text("module.exports = {};\n")
    with pytest.raises(ClientConfigError, match=r"aws-exports.js: expected `const awsmobile"):
        write_client_config(path, config(rest()))
    assert path.read_text() == "module.exports = {};\n"


def test_aws_exports_with_a_non_json_object_is_refused(tmp_path):
    path = tmp_path / "aws-exports.js"
    original = "const awsmobile = { aws_project_region: 'us-east-1', };\nexport default awsmobile;\n"
    path.write_text(original)
    with pytest.raises(ClientConfigError, match="aws-exports.js: not valid JSON"):
        write_client_config(path, config(rest()))
    assert path.read_text() == original


def test_aws_exports_with_a_non_list_cloud_logic_is_refused(tmp_path):
    path = tmp_path / "aws-exports.js"
    original = 'const awsmobile = {"aws_cloud_logic_custom": {}};\nexport default awsmobile;\n'
    path.write_text(original)
    with pytest.raises(ClientConfigError, match="aws_cloud_logic_custom is not a list"):
        write_client_config(path, config(rest()))
    assert path.read_text() == original


def test_a_graphql_api_is_the_graphql_endpoint_not_a_rest_entry(tmp_path):
    feed = ClientApi("feed", "https://b.example", "us-east-1", "GraphQL", POOL)
    exports = tmp_path / "aws-exports.js"
    exports.write_text('const awsmobile = {"aws_project_region": "us-east-1", "aws_cloud_logic_custom": '
                       '[{"name": "feed", "endpoint": "https://old"}]};\nexport default awsmobile;\n')  # was REST before
    write_client_config(exports, config(rest("posts", "https://a.example"), feed))
    written = exports_object(exports.read_text())
    assert [a["name"] for a in written["aws_cloud_logic_custom"]] == ["posts"]
    assert (written["aws_appsync_graphqlEndpoint"], written["aws_appsync_region"], written["aws_appsync_authenticationType"]) == (
        "https://b.example", "us-east-1", "AMAZON_COGNITO_USER_POOLS")
    mobile = tmp_path / "amplifyconfiguration.json"
    write_client_config(mobile, config(rest("posts", "https://a.example"), feed))
    plugin = json.loads(mobile.read_text())["api"]["plugins"]["awsAPIPlugin"]
    assert plugin["feed"]["endpointType"] == "GraphQL" and plugin["posts"]["endpointType"] == "REST"


# --- amplify_outputs.json (Gen 2) -------------------------------------------------------------

def test_amplify_outputs_has_auth_and_the_apis_under_custom(tmp_path):
    path = tmp_path / "amplify_outputs.json"
    path.write_text(json.dumps({"version": "1.3", "storage": {"bucket_name": "b", "aws_region": "us-east-1"},
                                "custom": {"flags": {"beta": True}, "API": {"other": {"endpoint": "https://o"}}}}))
    write_client_config(path, config(rest(sign_in=POOL)))
    written = json.loads(path.read_text())
    assert written["version"] == "1.3" and written["storage"]["bucket_name"] == "b"
    assert written["custom"]["flags"] == {"beta": True}
    assert written["custom"]["API"] == {"other": {"endpoint": "https://o"},
                                        "posts-api": {"endpoint": URL, "region": "us-east-1", "apiName": "posts-api"}}
    auth = written["auth"]
    assert (auth["aws_region"], auth["user_pool_id"], auth["user_pool_client_id"]) == ("us-east-1", POOL.user_pool_id, POOL.client_id)
    assert auth["username_attributes"] == ["email"]


def test_new_amplify_outputs_is_version_1(tmp_path):
    path = tmp_path / "amplify_outputs.json"
    write_client_config(path, config(rest()))
    assert json.loads(path.read_text()) == {"version": "1", "custom": {"API": {
        "posts-api": {"endpoint": URL, "region": "us-east-1", "apiName": "posts-api"}}}}


# --- what fits one file -----------------------------------------------------------------------

def test_two_restricted_apps_have_two_pools_and_do_not_fit_one_file():
    other = SignIn("us-east-1_Second", "client2", "us-east-1")
    with pytest.raises(ClientConfigConflict, match="restricted APIs a and b each have their own Cognito user pool"):
        config(rest("a", sign_in=POOL), rest("b", sign_in=other))


def test_two_graphql_apis_do_not_fit_one_file():
    with pytest.raises(ClientConfigConflict, match="GraphQL APIs a and b"):
        config(ClientApi("a", URL, "us-east-1", "GraphQL"), ClientApi("b", URL, "us-east-1", "GraphQL"))


def test_same_app_name_in_two_environments_does_not_fit_one_file():
    with pytest.raises(ClientConfigConflict, match="one file per environment"):
        config(rest("a"), rest("a", URL + "/x"))


def test_preflight_refuses_two_restricted_specs_before_any_aws_call(tmp_path):
    restricted = "api:\n  restrictAccess: true\n"
    designs = design(write_app(tmp_path, "a", spec_extra=restricted), write_app(tmp_path, "b", spec_extra=restricted))
    with pytest.raises(ClientConfigError, match=r"out/aws-exports.js: restricted APIs a and b"):
        preflight([str(tmp_path / "out" / "aws-exports.js")], designs)


def test_preflight_refuses_a_malformed_existing_file(tmp_path):
    path = tmp_path / "amplify_outputs.json"
    path.write_text("{")
    with pytest.raises(ClientConfigError, match="amplify_outputs.json: not valid JSON"):
        preflight([str(path)], design(write_app(tmp_path, "a")))
    assert path.read_text() == "{"


# --- facts: from observed outputs to what is written ------------------------------------------

def test_facts_come_from_the_api_pool_and_client_outputs(tmp_path):
    designs = design(write_app(tmp_path, "a", spec_extra="api:\n  restrictAccess: true\n"), write_app(tmp_path, "b"))
    outputs = {
        Key("api.http_api", "dev", "a"): {"endpoint": URL},
        Key("auth.user_pool", "dev", "a"): {"id": POOL.user_pool_id},
        Key("auth.user_pool_client", "dev", "a"): {"client_id": POOL.client_id},
        Key("auth.user_pool", "dev", "b"): {"id": "us-east-1_Retained"},  # kept after a toggle: b is open now
    }
    a, b = api_facts(designs, outputs)
    assert a.client_api() == ClientApi("a", URL, "us-east-1", "REST", POOL)
    assert a.status_fields()["auth"] == {"userPoolId": POOL.user_pool_id, "userPoolClientId": POOL.client_id,
                                         "region": "us-east-1", "hostedUIDomain": None}
    assert a.sign_in_line() == f"sign in: user pool {POOL.user_pool_id}, app client {POOL.client_id}, region us-east-1"
    assert b.missing == ["API endpoint"] and b.user_pool_id is None and "auth" not in b.status_fields()


def test_apis_not_created_yet_are_left_out_and_named(tmp_path):
    ready = ApiFacts("dev/a", "a", "REST", "us-east-1", False, endpoint=URL)
    waiting = ApiFacts("dev/b", "b", "REST", "us-east-1", True, endpoint=URL + "/b")
    path = tmp_path / "aws-exports.js"
    lines, incomplete = write_files([str(path)], [ready, waiting])
    assert incomplete == [waiting]
    assert "dev/b: not written to the client configuration: no user pool, no app client yet" in lines
    assert [a["name"] for a in exports_object(path.read_text())["aws_cloud_logic_custom"]] == ["a"]
