"""Status for people and programs: the document `status -o json` prints (and `--once` at the
end), from a live Status or from what the state store recorded."""
from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from reconciler.conditions import Condition
from reconciler.delivery.report import summary_lines
from reconciler.state import EnvironmentState
from reconciler.state.records import StoredCondition
from reconciler.status import Status


def _condition(type_: str, stored: StoredCondition) -> Condition:
    return Condition(type_, stored.status, stored.reason, stored.message, stored.last_transition_time)


def status_from_state(states: Mapping[str, EnvironmentState], scopes: Iterable[str]) -> Status:
    """The conditions and outputs the state store holds for these specs (and their
    environments' shared resources)."""
    wanted = set(scopes)
    environments = {scope.split("/", 1)[0] for scope in wanted}
    resources: dict[Any, list[Condition]] = {}
    specs: dict[str, list[Condition]] = {}
    outputs: dict[Any, Mapping[str, Any]] = {}
    for environment, state in states.items():
        for record in state.conditions.values():
            if record.scope not in wanted and not (record.app is None and environment in environments):
                continue
            if record.spec:
                specs[record.scope] = [_condition(t, c) for t, c in sorted(record.spec.items())]
            for key, resource in record.resources.items():
                resources[key] = [_condition(t, c) for t, c in sorted(resource.conditions.items())]
                outputs[key] = resource.outputs
    return Status(resources, specs, outputs)


def commits_of(states: Mapping[str, EnvironmentState]) -> dict[str, str]:
    return {f"{env}/{app}": record.commit for env, state in states.items() for app, record in state.apps.items() if record.commit}


def endpoints_of(status: Status) -> dict[str, str]:
    """The API's invoke URL, or a hosting app's https://<domain> (its CloudFront distribution's)."""
    return {key.app: out.get("endpoint") or out["url"] for key, out in status.outputs.items()
            if key.kind in ("api.http_api", "cdn.distribution") and key.app and (out.get("endpoint") or out.get("url"))}


def status_document(status: Status, endpoints: Mapping[str, str], clients: Sequence[Any] = (),
                    records: Mapping[str, Sequence[Any]] | None = None,
                    commits: Mapping[str, str] | None = None) -> dict[str, Any]:
    """`clients`: ApiFacts of the API specs (endpoint, user pool and client ids, as Amplify names them).
    `records`: per scope, the DNS records to add at a registrar (registrar.Record, `dns: external`).
    `commits`: per spec, the git commit it was last applied from (the daemon's GitOps source)."""
    specs: dict[str, Any] = {}
    by_scope = {f.scope: f for f in clients}
    for scope, conditions in sorted(status.specs.items()):
        entry = specs.setdefault(scope, {"conditions": [c.as_dict() for c in conditions], "resources": {}})
        if (commits or {}).get(scope):
            entry["commit"] = (commits or {})[scope]
        app = scope.split("/", 1)[1] if "/" in scope else None
        if app and app in endpoints:
            entry["endpoint"] = endpoints[app]
        if scope in by_scope:
            entry.update(by_scope[scope].status_fields())
        if records and records.get(scope):
            entry["dnsRecords"] = [r.as_dict() for r in records[scope]]
    for key, conditions in sorted(status.resources.items(), key=lambda kv: str(kv[0])):
        if key.scope in specs:
            specs[key.scope]["resources"][str(key)] = {"conditions": [c.as_dict() for c in conditions]}
    return {"specs": specs}


def annotate_observations(document: dict[str, Any], states: Mapping[str, EnvironmentState]) -> dict[str, Any]:
    """How old each observation is: a resource recalled from the state store (not read in every
    pass, reconciler.state.recall) carries `observedAt`, the time of its last read; each spec says
    how many of its passes since the last one that read everything (`passesSinceFullRead`) and
    its oldest recalled read (`oldestObservation`)."""
    for scope, entry in document.get("specs", {}).items():
        environment, _, app = scope.partition("/")
        state = states.get(environment)
        if state is None or not app:
            continue
        record = state.conditions.get(app)
        marks = {str(k): r.observed.get("at", "") for k, r in (record.resources.items() if record else ())}
        for name, resource in entry.get("resources", {}).items():
            if marks.get(name):
                resource["observedAt"] = marks[name]
        app_record = state.apps.get(app)
        if app_record is not None:
            entry["passesSinceFullRead"] = app_record.recalls
        seen = sorted(at for at in marks.values() if at)
        if seen:
            entry["oldestObservation"] = seen[0]
    return document


def print_summary(document: Mapping[str, Any], output: str, clients: Sequence[Any] = ()) -> None:
    if output == "json":
        print(json.dumps(document, indent=2))
        return
    sign_in = {f.scope: f.sign_in_line() for f in clients}
    for scope, entry in document["specs"].items():
        conds = {c["type"]: c for c in entry["conditions"]}
        ready, synced = conds.get("Ready", {}), conds.get("Synced", {})
        print(f"{scope}: Ready={ready.get('status', 'Unknown')} Synced={synced.get('status', 'Unknown')}"
              + (f"  endpoint {entry['endpoint']}" if entry.get("endpoint") else "")
              + (f"  commit {entry['commit'][:12]}" if entry.get("commit") else ""))
        for type_ in ("Degraded", "Progressing"):
            if type_ in conds:
                print(f"  {type_}: {conds[type_]['reason']}: {conds[type_]['message']}")
        if sign_in.get(scope):
            print(f"  {sign_in[scope]}")
        for line in summary_lines(entry):
            print(f"  {line}")
        if entry.get("oldestObservation"):
            print(f"  observations: oldest read {entry['oldestObservation']}, {entry.get('passesSinceFullRead', 0)} "
                  "pass(es) since every resource was read (`--full-read` reads all now)")
        for name in (n for n, r in entry["resources"].items() if any(c["status"] != "True" for c in r["conditions"])):
            msgs = "; ".join(f"{c['type']}={c['status']} {c['reason']} {c['message']}".strip()
                             for c in entry["resources"][name]["conditions"])
            print(f"  {name}: {msgs}")
