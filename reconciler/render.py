"""Plan renderers: text with `+ ~ - -/+` and field paths (old → new), and JSON. Secrets render as
`(sensitive)`; values known only after apply as `(known after apply)`."""
from __future__ import annotations

import json
from typing import Any

from reconciler.plan import Change, Plan
from reconciler.resource import UNKNOWN, FieldChange
from specs.sensitive import is_secret_entry

SYMBOL = {"create": "+", "update": "~", "replace": "-/+", "delete": "-", "noop": " "}
SENSITIVE = "(sensitive)"
KNOWN_AFTER_APPLY = "(known after apply)"


def _value(value: Any, sensitive: bool = False) -> Any:
    if sensitive:
        return SENSITIVE
    if value is UNKNOWN:
        return KNOWN_AFTER_APPLY
    if isinstance(value, dict):
        if is_secret_entry(value):  # an environment variable whose name or value looks secret
            return {k: (SENSITIVE if k == "value" else _value(v)) for k, v in value.items()}
        return {k: _value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_value(v) for v in value]
    return value


def _short(value: Any, limit: int = 120) -> str:
    text = value if isinstance(value, str) and value in (SENSITIVE, KNOWN_AFTER_APPLY) else json.dumps(value, default=str, sort_keys=True)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def field_line(change: FieldChange, action: str) -> str:
    new = _short(_value(change.new, change.sensitive))
    if action == "create":
        return f"      {change.path} = {new}"
    if isinstance(change.old, list) and isinstance(change.new, list) and not change.sensitive:
        return _list_change(change)
    old = _short(_value(change.old, change.sensitive))
    return f"      {change.path}: {old} → {new}"


def _list_change(change: FieldChange) -> str:
    """Set-like lists (rules, subnets) read best as the elements removed and added."""
    removed = [item for item in change.old if item not in change.new]
    added = [item for item in change.new if item not in change.old]
    if not removed and not added:  # same elements, another order
        return f"      {change.path}: reordered"
    lines = [f"      {change.path}:"]
    lines += [f"        - {_short(_value(item), 150)}" for item in removed]
    lines += [f"        + {_short(_value(item), 150)}" for item in added]
    return "\n".join(lines)


def render_text(plan: Plan, *, verbose: bool = False) -> str:
    lines: list[str] = []
    if plan.state_change is not None:
        lines.append(f"  + {plan.state_change.name}  ({plan.state_change.reason})")
    for change in plan.changes:
        if change.action == "noop":
            continue
        lines.append(f"  {SYMBOL[change.action]} {change.name}" + (f"  ({change.reason})" if change.reason else ""))
        shown = change.changes if (verbose or change.action != "create") else change.changes[:8]
        lines.extend(field_line(c, change.action) for c in shown)
        if len(shown) < len(change.changes):
            lines.append(f"      ... {len(change.changes) - len(shown)} more fields")
    for problem in plan.problems:
        lines.append(f"  ! {problem.key}  refused ({problem.reason}): {problem.message}")
    for app, why in sorted(plan.held.items()):
        lines.append(f"  = {app}  held: {why}")
    counts = summary_counts(plan)
    if not lines:
        return "No changes. Everything is in sync.\n"
    summary = ", ".join(f"{n} to {a}" for a, n in counts.items() if n)
    if plan.problems:
        summary += f", {len(plan.problems)} refused"
    return "Plan:\n" + "\n".join(lines) + f"\n\n{summary}.\n"


def summary_counts(plan: Plan) -> dict[str, int]:
    counts = {"create": 0, "update": 0, "replace": 0, "delete": 0}
    for change in ([plan.state_change] if plan.state_change else []) + plan.pending:
        counts[change.action] = counts.get(change.action, 0) + 1
    return counts


def change_as_dict(change: Change) -> dict[str, Any]:
    return {
        "action": change.action,
        "kind": change.kind,
        "name": change.name,
        "reason": change.reason,
        "changes": [
            {"path": c.path, "old": _value(c.old, c.sensitive), "new": _value(c.new, c.sensitive)} for c in change.changes
        ],
    }


def render_json(plan: Plan) -> str:
    pending = ([plan.state_change] if plan.state_change else []) + plan.pending
    document = {
        "changes": [change_as_dict(c) for c in pending],
        "problems": [{"name": str(p.key), "kind": p.key.kind, "reason": p.reason, "message": p.message} for p in plan.problems],
        "summary": summary_counts(plan),
        "held": [{"app": app, "reason": why} for app, why in sorted(plan.held.items())],
    }
    return json.dumps(document, indent=2, default=str)
