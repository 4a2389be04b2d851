"""Pure comparison of IAM roles: policy documents as canonical JSON.

IAM returns documents as the text that was sent, URL-encoded (boto3 decodes and parses them;
other SDKs do not), so two equal policies may differ in spelling: a single string vs a list,
the order of actions, resources or statements. Canonical form: parsed JSON, statements as a
list sorted by content, Action/Resource/Principal/Condition values as sorted lists.

Documents are compared whole, not left-scoped: a statement or condition added behind our back
widens the role, so it is drift.
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote

from reconciler.compare import diff_fields
from reconciler.resource import FieldChange

_LIST_KEYS = frozenset({"Action", "NotAction", "Resource", "NotResource"})
_PRINCIPAL_KEYS = frozenset({"Principal", "NotPrincipal"})


def parse_document(document: str | Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(document, Mapping):
        return dict(document)
    text = document.strip()
    if not text.startswith("{"):
        text = unquote(text)
    return json.loads(text)


def canonical_document(document: str | Mapping[str, Any] | None) -> dict[str, Any] | None:
    if document is None:
        return None
    parsed = parse_document(document)
    statements = parsed.get("Statement", [])
    if isinstance(statements, Mapping):
        statements = [statements]
    canonical = {k: v for k, v in parsed.items() if k != "Statement"}
    canonical["Statement"] = sorted((_statement(s) for s in statements), key=lambda s: json.dumps(s, sort_keys=True))
    return canonical


def _statement(statement: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in statement.items():
        if key in _LIST_KEYS:
            out[key] = _values(value)
        elif key in _PRINCIPAL_KEYS and isinstance(value, Mapping):
            out[key] = {kind: _values(ids) for kind, ids in sorted(value.items())}
        elif key == "Condition" and isinstance(value, Mapping):
            out[key] = {op: {k: _values(v) for k, v in sorted(body.items())} for op, body in sorted(value.items())}
        else:
            out[key] = value
    return out


def _values(value: Any) -> list[Any]:
    items = [value] if isinstance(value, (str, int, float, bool)) else list(value)
    return sorted(set(items), key=str)


def diff_role(desired: Mapping[str, Any], tags: Mapping[str, str], observed: Mapping[str, Any]) -> list[FieldChange]:
    """RoleName and tags left-scoped; the trust policy and each inline policy we own compared
    whole (`None` desired = the policy must not exist). Inline policies with other names are
    not ours and not compared."""
    changes = diff_fields({"RoleName": desired["RoleName"], "tags": dict(tags)}, observed)
    trust = desired["AssumeRolePolicyDocument"]
    if observed.get("AssumeRolePolicyDocument") != trust:
        changes.append(FieldChange("AssumeRolePolicyDocument", observed.get("AssumeRolePolicyDocument"), trust))
    have = observed.get("Policies") or {}
    for name, document in sorted(desired["Policies"].items()):
        if have.get(name) != document:
            changes.append(FieldChange(f"Policies.{name}", have.get(name), document))
    return changes
