"""What `status` (and the end of `--once`) says about delivery, per spec: the build (tag, hash,
build id, phase, status, failure reason, log link), the rollback pin, suspended, and the secrets
that have no value yet (`--skip-secrets`)."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from reconciler.state import EnvironmentState
from reconciler.status import Status

BUILD_FIELDS = ("tag", "hash", "execution", "build", "phase", "buildStatus", "reason", "logs")


def annotate(document: dict[str, Any], status: Status, states: Mapping[str, EnvironmentState],
             scopes: Iterable[str]) -> dict[str, Any]:
    """`scopes`: the specs asked about ("env/app"); a suspended one is listed even without status."""
    wanted = set(scopes)
    specs = document.setdefault("specs", {})
    for key, outputs in status.outputs.items():
        entry = specs.get(key.scope)
        if entry is None:
            continue
        if key.kind == "build.image":
            entry["build"] = {name: outputs[name] for name in BUILD_FIELDS if outputs.get(name)}
        elif key.kind == "secrets.secret" and not outputs.get("version"):
            entry.setdefault("secretsWithoutValue", []).append(key.name)
    for environment, state in states.items():
        for app, record in state.apps.items():
            scope = f"{environment}/{app}"
            if record.suspended and scope in wanted:
                specs.setdefault(scope, {"conditions": [], "resources": {}})["suspended"] = True
            if record.rollback_pin and scope in specs:
                specs[scope]["rollbackPin"] = record.rollback_pin
    return document


def summary_lines(entry: Mapping[str, Any]) -> list[str]:
    """The text lines under a spec's status line."""
    lines = []
    if entry.get("suspended"):
        lines.append("suspended: desired count 0, not reconciled (`reconcile resume SPEC`)")
    build = entry.get("build")
    if build:
        state = build.get("buildStatus", "")
        text = f"build: tag {build.get('tag', '?')}" + (f", {state}" if state else "")
        if build.get("phase") and state != "SUCCEEDED":
            text += f" in phase {build['phase']}"
        if build.get("reason"):
            text += f": {build['reason']}"
        if build.get("logs") and state not in ("", "SUCCEEDED"):
            text += f" (logs: {build['logs']})"
        lines.append(text)
    if entry.get("rollbackPin"):
        lines.append(f"pinned to build {entry['rollbackPin']} (`reconcile rollback SPEC --clear` unpins)")
    if entry.get("secretsWithoutValue"):
        lines.append("secrets without a value yet: " + ", ".join(sorted(entry["secretsWithoutValue"])))
    return lines
