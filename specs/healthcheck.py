"""Compose `healthcheck` -> ECS `healthCheck` (whole seconds, within ECS's ranges)."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

_DURATION_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)")
_SECONDS_PER_UNIT = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1, "m": 60, "h": 3600}
# compose key -> (ECS key, lowest, highest) as ECS accepts them
_TIMINGS = {
    "interval": ("interval", 5, 300),
    "timeout": ("timeout", 2, 60),
    "start_period": ("startPeriod", 0, 300),
}
_RETRIES = (1, 10)
_KNOWN = {"test", "interval", "timeout", "start_period", "retries", "disable", "start_interval"}


@dataclass
class HealthCheckResult:
    health_check: dict | None = None
    errors: list[tuple[tuple, str]] = field(default_factory=list)  # (sub-path, message)
    warnings: list[tuple[tuple, str]] = field(default_factory=list)


def duration_seconds(value: Any) -> int:
    """Go/Compose duration ('1m30s', '500ms', '1h') rounded up to whole seconds."""
    if not isinstance(value, str):
        raise ValueError("must be a duration such as '30s' or '1m30s'")
    text = value.strip()
    if text == "0":
        return 0
    position, total = 0, 0.0
    while position < len(text):
        match = _DURATION_PART.match(text, position)
        if match is None:
            raise ValueError(f"{value!r} is not a duration such as '30s' or '1m30s'")
        total += float(match.group(1)) * _SECONDS_PER_UNIT[match.group(2)]
        position = match.end()
    if position == 0:
        raise ValueError(f"{value!r} is not a duration such as '30s' or '1m30s'")
    return math.ceil(round(total, 9))


def read_health_check(raw: Any) -> HealthCheckResult:
    result = HealthCheckResult()
    if not isinstance(raw, dict):
        result.errors.append(((), "must be a mapping with 'test'"))
        return result
    if raw.get("disable") is True:
        return result
    for key in raw:
        if key not in _KNOWN:
            result.warnings.append(((key,), f"'healthcheck.{key}' is ignored"))
    if "start_interval" in raw:
        result.warnings.append((("start_interval",), "'healthcheck.start_interval' is ignored: "
                                "ECS has no separate start interval"))
    command = _command(raw.get("test"), result)
    if command is None:
        return result
    check: dict[str, Any] = {"command": command}
    for key, (ecs_key, low, high) in _TIMINGS.items():
        if raw.get(key) is None:
            continue
        try:
            seconds = duration_seconds(raw[key])
        except ValueError as problem:
            result.errors.append(((key,), str(problem)))
            continue
        check[ecs_key] = _clamp(seconds, low, high, key, "s", result)
    if raw.get("retries") is not None:
        retries = raw["retries"]
        if isinstance(retries, bool) or not isinstance(retries, int):
            result.errors.append((("retries",), "must be an integer"))
        else:
            check["retries"] = _clamp(retries, *_RETRIES, "retries", "", result)
    if not result.errors:
        result.health_check = check
    return result


def _command(test: Any, result: HealthCheckResult) -> list[str] | None:
    if test is None:
        result.errors.append((("test",), "is required (or set 'disable: true')"))
        return None
    if isinstance(test, str):
        return ["CMD-SHELL", test]
    if not isinstance(test, list) or not test or not all(isinstance(t, str) for t in test):
        result.errors.append((("test",), "must be a string or a list of strings"))
        return None
    if test[0] == "NONE":
        return None
    if test[0] not in ("CMD", "CMD-SHELL") or len(test) < 2:
        result.errors.append((("test",), "a list must be [\"CMD\", ...], [\"CMD-SHELL\", "
                              "\"command\"] or [\"NONE\"]"))
        return None
    return list(test)


def _clamp(value: int, low: int, high: int, key: str, unit: str, result: HealthCheckResult) -> int:
    clamped = min(max(value, low), high)
    if clamped != value:
        result.warnings.append(((key,), f"'healthcheck.{key}' of {value}{unit} is outside ECS's "
                                f"range {low}-{high}{unit}; using {clamped}{unit}"))
    return clamped
