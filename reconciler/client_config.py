"""Front-end configuration: write the apps' API endpoints where an Amplify-style client reads them.

- `amplifyconfiguration.json` (any path not ending in `aws-exports.js`):
  `api.plugins.awsAPIPlugin.<app> = {endpointType, endpoint, region, authorizationType}`.
- `aws-exports.js`: `aws_cloud_logic_custom` (a list of `{name, endpoint, region}`) inside
  `const awsmobile = {...}; export default awsmobile;`.

Every other key (and other apps' entries, and other keys of our entries) is preserved; a missing
file is created. The write is atomic (a temporary file in the same folder, then os.replace), so
a reader never sees half a file. An existing file that cannot be parsed is never overwritten:
ClientConfigError names it. Pure file I/O: no AWS calls.
"""
from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any

from reconciler.errors import ConfigurationError

EXPORTS_SUFFIX = "aws-exports.js"
COGNITO = "AMAZON_COGNITO_USER_POOLS"

_EXPORTS = re.compile(r"(?P<head>.*?\bconst\s+awsmobile\s*=\s*)(?P<body>\{.*\})(?P<tail>\s*;\s*export\s+default\s+awsmobile\s*;?.*)",
                      re.DOTALL)
_NEW_EXPORTS = ("/* eslint-disable */\n"
                "// Written by serverless-container-reconciler: API endpoints are updated, other keys are kept.\n\n"
                "const awsmobile = {body};\n\n\nexport default awsmobile;\n")


class ClientConfigError(ConfigurationError):
    """An existing client configuration file we cannot read safely (left untouched)."""


def write_client_config(path: str | os.PathLike[str], endpoints: Mapping[str, str], region: str,
                        restricted: Collection[str] = (), graphql: Collection[str] = ()) -> Path:
    """Record each app's endpoint URL (`endpoints`: app name -> URL) in the file at `path`.
    Apps in `restricted` are marked as signing in with Cognito user pools; apps in `graphql` are
    GraphQL endpoints (aws-exports.js has a REST list only: they are left out of it, as Amplify
    did). Returns the path."""
    target = Path(path)
    text = target.read_text(encoding="utf-8") if target.exists() else None
    if target.name.endswith(EXPORTS_SUFFIX):
        rest = {app: url for app, url in endpoints.items() if app not in set(graphql)}
        updated = _update_exports(target, text, rest, region)
    else:
        updated = _update_amplify_json(target, text, endpoints, region, set(restricted), set(graphql))
    _atomic_write(target, updated)
    return target


def _update_amplify_json(target: Path, text: str | None, endpoints: Mapping[str, str], region: str,
                         restricted: set[str], graphql: set[str]) -> str:
    config = _parse_json(target, text) if text and text.strip() else {}
    plugin = _object_at(target, config, "api", "plugins", "awsAPIPlugin")
    for app, url in endpoints.items():
        entry = plugin.get(app) if isinstance(plugin.get(app), dict) else {}
        plugin[app] = {**entry, "endpointType": "GraphQL" if app in graphql else "REST", "endpoint": url, "region": region,
                       "authorizationType": COGNITO if app in restricted else "NONE"}
    return json.dumps(config, indent=4) + "\n"


def _update_exports(target: Path, text: str | None, endpoints: Mapping[str, str], region: str) -> str:
    if text is None or not text.strip():
        head, config, tail = None, {}, None
    else:
        match = _EXPORTS.fullmatch(text)
        if match is None:
            raise ClientConfigError(f"{target}: expected `const awsmobile = {{...}}; export default awsmobile;`; "
                                    "the file was left unchanged")
        head, config, tail = match["head"], _parse_json(target, match["body"]), match["tail"]
    apis = config.get("aws_cloud_logic_custom", [])
    if not isinstance(apis, list) or not all(isinstance(a, dict) for a in apis):
        raise ClientConfigError(f"{target}: aws_cloud_logic_custom is not a list of objects; the file was left unchanged")
    for app, url in endpoints.items():
        ours = {"name": app, "endpoint": url, "region": region}
        at = next((i for i, a in enumerate(apis) if a.get("name") == app), None)
        if at is None:
            apis.append(ours)
        else:
            apis[at] = {**apis[at], **ours}
    config["aws_cloud_logic_custom"] = apis
    body = json.dumps(config, indent=4)
    if head is None:
        return _NEW_EXPORTS.format(body=body)
    return head + body + tail


def _parse_json(target: Path, text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        raise ClientConfigError(f"{target}: not valid JSON ({error.msg} at line {error.lineno}, column {error.colno}); "
                                "the file was left unchanged") from error
    if not isinstance(value, dict):
        raise ClientConfigError(f"{target}: expected a JSON object at the top; the file was left unchanged")
    return value


def _object_at(target: Path, config: dict[str, Any], *path: str) -> dict[str, Any]:
    node = config
    for depth, name in enumerate(path):
        child = node.setdefault(name, {})
        if not isinstance(child, dict):
            where = ".".join(path[: depth + 1])
            raise ClientConfigError(f"{target}: {where} is not an object; the file was left unchanged")
        node = child
    return node


def _atomic_write(target: Path, text: str) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    mode = target.stat().st_mode & 0o777 if target.exists() else 0o644  # mkstemp would make it 0600
    fd, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, mode)
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
