"""Pure canonicalisation for the API Gateway v2 kinds (no I/O): AWS spellings and defaults
turned into the shape `desired` uses, so the left-scoped diff sees only real drift."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from reconciler.ownership import (
    TAG_CREATION_TOKEN,
)
from reconciler.resource import UNKNOWN, Key
from reconciler.ownership import tagged_for  # noqa: F401  (re-exported for this package)

INTEGRATION_PREFIX = "integrations/"




def pick(key: Key, name: str, items: Iterable[Mapping[str, Any]], id_field: str, recorded: Any = None,
         name_field: str = "Name") -> tuple[Mapping[str, Any] | None, list[str]]:
    """The item tagged for `key` and the ids of its extra copies (a create sent twice): the one
    the inventory recorded (its id, else its creation token) wins, else the lowest id. Without
    one, the first item named `name` (a look-alike: the engine refuses it unless adopted)."""
    items = sorted(items, key=lambda item: str(item.get(id_field)))
    ours = [item for item in items if tagged_for(key, item.get("Tags") or {})]
    if not ours:
        return next((item for item in items if item.get(name_field) == name), None), []
    primary = recorded_one(ours, id_field, recorded) or ours[0]
    return primary, [str(item[id_field]) for item in ours if item is not primary]


def recorded_one(items: Iterable[Mapping[str, Any]], id_field: str, recorded: Any) -> Mapping[str, Any] | None:
    """The item the state store's inventory names: by physical id, else by creation token."""
    if recorded is None:
        return None
    items = list(items)
    by_id = next((i for i in items if str(i.get(id_field)) == getattr(recorded, "physical_id", None)), None)
    token = getattr(recorded, "token", "")
    return by_id or next((i for i in items if token and (i.get("Tags") or {}).get(TAG_CREATION_TOKEN) == token), None)


def _sorted(values: Iterable[str] | None, case: str = "") -> list[str]:
    items = [str(v) for v in values or []]
    if case == "lower":
        items = [v.lower() for v in items]
    elif case == "upper":
        items = [v.upper() for v in items]
    return sorted(set(items))


def canonical_cors(cors: Mapping[str, Any] | None) -> dict[str, Any]:
    """Origins, methods and headers are sets; header names are case-insensitive; a missing
    MaxAge means 0 (no caching of the preflight answer by API Gateway's default)."""
    cors = cors or {}
    return {
        "AllowOrigins": _sorted(cors.get("AllowOrigins")),
        "AllowMethods": _sorted(cors.get("AllowMethods"), "upper"),
        "AllowHeaders": _sorted(cors.get("AllowHeaders"), "lower"),
        "MaxAge": int(cors.get("MaxAge") or 0),
    }


def canonical_ids(values: Any) -> Any:
    """Subnet / security-group id lists are sets (UNKNOWN stays UNKNOWN: known after apply)."""
    if values is UNKNOWN or not isinstance(values, list):
        return values
    if any(v is UNKNOWN for v in values):
        return UNKNOWN
    return sorted(values)


def integration_id_of(target: str | None) -> str | None:
    """A route's Target `integrations/<id>` -> `<id>` (None for anything else)."""
    if target and target.startswith(INTEGRATION_PREFIX):
        return target[len(INTEGRATION_PREFIX):]
    return None


def route_fields(route: Mapping[str, Any], api_id: str) -> dict[str, Any]:
    """A route in the shape of desired. AuthorizerId matters only for JWT routes: AWS keeps
    a stale id on a NONE route (moto echoes the "" we send to clear it)."""
    authorization = route.get("AuthorizationType") or "NONE"
    return {
        "ApiId": api_id,
        "RouteKey": route.get("RouteKey"),
        "IntegrationId": integration_id_of(route.get("Target")),
        "AuthorizationType": authorization,
        "AuthorizerId": (route.get("AuthorizerId") or None) if authorization == "JWT" else None,
        "AuthorizationScopes": sorted(route.get("AuthorizationScopes") or []) if authorization == "JWT" else [],
    }


INTEGRATION_FIELDS = ("IntegrationType", "IntegrationMethod", "ConnectionType", "ConnectionId",
                      "IntegrationUri", "PayloadFormatVersion")


def integration_fields(integration: Mapping[str, Any], api_id: str) -> dict[str, Any]:
    fields = {name: integration.get(name) for name in INTEGRATION_FIELDS}
    fields["ApiId"] = api_id
    return fields


AUTHORIZER_FIELDS = ("Name", "AuthorizerType", "IdentitySource", "JwtConfiguration")


def authorizer_fields(authorizer: Mapping[str, Any], api_id: str) -> dict[str, Any]:
    jwt = authorizer.get("JwtConfiguration") or {}
    return {
        "ApiId": api_id,
        "Name": authorizer.get("Name"),
        "AuthorizerType": authorizer.get("AuthorizerType"),
        "IdentitySource": list(authorizer.get("IdentitySource") or []),
        "JwtConfiguration": {"Audience": sorted(jwt.get("Audience") or []), "Issuer": jwt.get("Issuer")},
    }


def canonical_authorizer(desired: Mapping[str, Any]) -> dict[str, Any]:
    """The audience is a set."""
    out = dict(desired)
    jwt = out.get("JwtConfiguration")
    if isinstance(jwt, Mapping) and isinstance(jwt.get("Audience"), list) and UNKNOWN not in jwt["Audience"]:
        out["JwtConfiguration"] = {**jwt, "Audience": sorted(jwt["Audience"])}
    return out
