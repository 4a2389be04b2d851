"""Pure canonicalisation for the ALB kinds (no I/O): listener and rule actions and conditions in
the shape desired uses, target-group health checks, and the health-check path an app's
compose healthcheck implies."""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from reconciler.design import AppDesign

# Health check as a nested dict in desired (flat in the API: see health_check_request).
HEALTH_CHECK_FIELDS = ("HealthCheckProtocol", "HealthCheckPort", "HealthCheckPath", "HealthCheckEnabled",
                       "HealthCheckIntervalSeconds", "HealthCheckTimeoutSeconds", "HealthyThresholdCount",
                       "UnhealthyThresholdCount", "Matcher")
_ACTION_CONFIGS = {
    "forward": (),
    "redirect": ("RedirectConfig",),
    "fixed-response": ("FixedResponseConfig",),
    "authenticate-cognito": ("AuthenticateCognitoConfig",),
}
# `curl -f http://localhost:8080/health`, `wget -qO- http://127.0.0.1/ready`: the path the
# container checks on itself, when it checks the port the load balancer sends traffic to.
_LOCAL_URL = re.compile(r"https?://(?:localhost|127\.0\.0\.1|0\.0\.0\.0|\[::1\])(?::(\d+))?(/[^\s'\"|;&<>]*)?")


def health_check_path(app: AppDesign) -> str:
    hosting = app.hosting
    if hosting is not None and hosting.health_check_path:
        return hosting.health_check_path
    entry = app.translation.entrypoint
    container = next((c for c in app.translation.containers if c.get("name") == entry.container), {})
    command = (container.get("healthCheck") or {}).get("command") or []
    for match in _LOCAL_URL.finditer(" ".join(str(part) for part in command[1:])):
        if int(match.group(1) or 80) == entry.port:
            return match.group(2) or "/"
    return "/"


def health_check_request(health_check: Mapping[str, Any]) -> dict[str, Any]:
    """Desired's nested health check as CreateTargetGroup / ModifyTargetGroup parameters."""
    return {name: health_check[name] for name in HEALTH_CHECK_FIELDS if name in health_check}


def observed_health_check(group: Mapping[str, Any]) -> dict[str, Any]:
    found = {name: group[name] for name in HEALTH_CHECK_FIELDS if name in group}
    if "Matcher" in found:
        found["Matcher"] = {"HttpCode": found["Matcher"].get("HttpCode")}
    for name in ("HealthCheckIntervalSeconds", "HealthCheckTimeoutSeconds", "HealthyThresholdCount",
                 "UnhealthyThresholdCount"):
        if name in found:
            found[name] = int(found[name])  # moto keeps some of them as strings
    return found


def canonical_actions(actions: Sequence[Mapping[str, Any]] | None) -> list[dict[str, Any]]:
    """Actions in order, each with its type's settings only (AWS adds ForwardConfig beside
    TargetGroupArn, defaults inside configs: the left-scoped diff leaves those alone)."""
    ordered = sorted(actions or [], key=lambda a: int(a.get("Order") or 0))
    out = []
    for index, action in enumerate(ordered, start=1):
        kind = action.get("Type")
        item: dict[str, Any] = {"Type": kind, "Order": int(action.get("Order") or index)}
        if kind == "forward":
            item["TargetGroupArn"] = action.get("TargetGroupArn") or _first_target_group(action)
        for config in _ACTION_CONFIGS.get(str(kind), ()):
            if config in action:
                item[config] = _canonical_config(action[config])
        out.append(item)
    return out


def canonical_conditions(conditions: Sequence[Mapping[str, Any]] | None) -> list[dict[str, Any]]:
    """Host-header conditions with their values as a sorted set (the only kind we write)."""
    out = []
    for condition in conditions or []:
        field = condition.get("Field")
        values = (condition.get("HostHeaderConfig") or {}).get("Values") or condition.get("Values") or []
        out.append({"Field": field, "HostHeaderConfig": {"Values": sorted(str(v).lower() for v in values)}})
    return sorted(out, key=lambda c: repr(c))


def forwarded_target_group(actions: Sequence[Mapping[str, Any]] | None) -> str | None:
    for action in actions or []:
        if action.get("Type") == "forward":
            return action.get("TargetGroupArn") or _first_target_group(action)
    return None


def _first_target_group(action: Mapping[str, Any]) -> str | None:
    groups = (action.get("ForwardConfig") or {}).get("TargetGroups") or []
    return groups[0].get("TargetGroupArn") if groups else None


def _canonical_config(config: Any) -> Any:
    if isinstance(config, Mapping):
        out = dict(config)
        if "SessionTimeout" in out:
            out["SessionTimeout"] = int(out["SessionTimeout"])
        return out
    return config
