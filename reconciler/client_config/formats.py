"""The three shapes of Amplify client configuration, each merged into what a file already holds.
Keys were read from the libraries' own parsers, not guessed:

- JavaScript, Gen 1 (`aws-exports.js`, and the flat keys of `amplifyconfiguration.json`): read by
  `parseAWSExports` in @aws-amplify/core (v6) and by the category `configure`s of v5. A config with
  any top-level `aws_*` key must carry `aws_project_region` (v6 throws without it; v5's REST
  category ignores `aws_cloud_logic_custom` without it). REST APIs are `aws_cloud_logic_custom`
  entries `{name, endpoint, region}`; one GraphQL endpoint is `aws_appsync_graphqlEndpoint`,
  `aws_appsync_region`, `aws_appsync_authenticationType`; sign-in is `aws_cognito_region`,
  `aws_user_pools_id`, `aws_user_pools_web_client_id` (+ `aws_cognito_username_attributes`).
- Android and Swift, Gen 1 (`amplifyconfiguration.json`): nested categories,
  `api.plugins.awsAPIPlugin.<name> = {endpointType, endpoint, region, authorizationType}` and
  `auth.plugins.awsCognitoAuthPlugin.CognitoUserPool.Default = {PoolId, AppClientId, Region}`
  (their documented "use existing resources" shape). The JS parser ignores these keys and the
  mobile parsers ignore the flat ones, so one `amplifyconfiguration.json` serves all three.
- Gen 2 (`amplify_outputs.json`, `version` "1"): `auth` (`aws_region`, `user_pool_id`,
  `user_pool_client_id`) and the APIs under `custom.API.<name> = {endpoint, region, apiName}`,
  as the Gen 2 docs show for adding a REST API (`REST: outputs.custom.API` in Amplify.configure).

Our entries are updated in place (their other keys kept); every other key is left as it was.
Replacing a different user pool, app client or GraphQL endpoint is reported in `notes`.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from reconciler.client_config.files import list_of_objects_at, object_at
from reconciler.client_config.model import ClientConfig

COGNITO = "AMAZON_COGNITO_USER_POOLS"
GEN2_VERSION = "1"


def _put(config: dict[str, Any], key: str, value: Any, notes: list[str], where: str) -> None:
    """Set a one-slot key, saying so when it held something else (another tool's pool, say)."""
    old = config.get(key)
    if old not in (None, "", value):
        notes.append(f"{where}{key} was {old!r}, now {value!r}")
    config[key] = value


def merge_js(target: Path, config: dict[str, Any], cc: ClientConfig, notes: list[str]) -> None:
    """The flat keys of aws-exports.js and of the JS amplifyconfiguration.json."""
    where = f"{target.name}: "
    config.setdefault("aws_project_region", cc.region)
    rest = list_of_objects_at(target, config, "aws_cloud_logic_custom")
    graphql_names = {a.name for a in cc.apis if a.is_graphql}
    rest[:] = [entry for entry in rest if entry.get("name") not in graphql_names]  # an API that became GraphQL
    for api in (a for a in cc.apis if not a.is_graphql):
        ours = {"name": api.name, "endpoint": api.endpoint, "region": api.region}
        at = next((i for i, entry in enumerate(rest) if entry.get("name") == api.name), None)
        if at is None:
            rest.append(ours)
        else:
            rest[at] = {**rest[at], **ours}
    if cc.graphql is not None:
        _put(config, "aws_appsync_graphqlEndpoint", cc.graphql.endpoint, notes, where)
        config["aws_appsync_region"] = cc.graphql.region
        config["aws_appsync_authenticationType"] = COGNITO if cc.graphql.restricted else "NONE"
    if cc.sign_in is not None:
        config["aws_cognito_region"] = cc.sign_in.region
        _put(config, "aws_user_pools_id", cc.sign_in.user_pool_id, notes, where)
        _put(config, "aws_user_pools_web_client_id", cc.sign_in.client_id, notes, where)
        # Our pools sign users in with their email (auth.user_pool UsernameAttributes).
        config["aws_cognito_username_attributes"] = ["EMAIL"]
        config.setdefault("aws_cognito_verification_mechanisms", ["EMAIL"])


def merge_mobile(target: Path, config: dict[str, Any], cc: ClientConfig, notes: list[str]) -> None:
    """The nested categories of amplifyconfiguration.json that Android and Swift read."""
    config.setdefault("UserAgent", "aws-amplify-cli/2.0")
    config.setdefault("Version", "1.0")
    plugin = object_at(target, config, "api", "plugins", "awsAPIPlugin")
    for api in cc.apis:
        entry = plugin.get(api.name) if isinstance(plugin.get(api.name), dict) else {}
        plugin[api.name] = {**entry, "endpointType": "GraphQL" if api.is_graphql else "REST", "endpoint": api.endpoint,
                            "region": api.region, "authorizationType": COGNITO if api.restricted else "NONE"}
    if cc.sign_in is None:
        return
    cognito = object_at(target, config, "auth", "plugins", "awsCognitoAuthPlugin")
    object_at(target, cognito, "IdentityManager", "Default")
    pool = object_at(target, cognito, "CognitoUserPool", "Default")
    where = f"{target.name}: auth.plugins.awsCognitoAuthPlugin.CognitoUserPool.Default."
    _put(pool, "PoolId", cc.sign_in.user_pool_id, notes, where)
    _put(pool, "AppClientId", cc.sign_in.client_id, notes, where)
    pool["Region"] = cc.sign_in.region
    auth = object_at(target, cognito, "Auth", "Default")
    auth.setdefault("authenticationFlowType", "USER_SRP_AUTH")  # the flow our app client allows
    auth["usernameAttributes"] = ["EMAIL"]
    auth.setdefault("verificationMechanisms", ["EMAIL"])


def merge_outputs(target: Path, config: dict[str, Any], cc: ClientConfig, notes: list[str]) -> None:
    """amplify_outputs.json (Gen 2)."""
    config.setdefault("version", GEN2_VERSION)
    apis = object_at(target, config, "custom", "API")
    for api in cc.apis:
        entry = apis.get(api.name) if isinstance(apis.get(api.name), dict) else {}
        apis[api.name] = {**entry, "endpoint": api.endpoint, "region": api.region, "apiName": api.name}
    if cc.sign_in is not None:
        auth = object_at(target, config, "auth")
        where = f"{target.name}: auth."
        auth["aws_region"] = cc.sign_in.region
        _put(auth, "user_pool_id", cc.sign_in.user_pool_id, notes, where)
        _put(auth, "user_pool_client_id", cc.sign_in.client_id, notes, where)
        auth["username_attributes"] = ["email"]
        auth.setdefault("standard_required_attributes", ["email"])
        auth.setdefault("user_verification_types", ["email"])
