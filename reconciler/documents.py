"""The `-o json` documents of `validate` and `delete` (README "Machine-readable output"), and
render's storage lines. The shapes are a contract: keys are only ever added."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from specs import LoadedSpec, SpecError


def problem_dict(error: SpecError) -> dict[str, Any]:
    return {"file": error.path, "line": error.line, "column": error.column, "field": error.field or None,
            "message": error.message, "text": str(error)}


def validation_document(
    valid: Sequence[tuple[LoadedSpec, Sequence[str]]], errors: Sequence[SpecError], skipped: Sequence[tuple[str, str]]
) -> dict[str, Any]:
    """`{"valid", "specs": [{file, line, name, environment, warnings}], "problems": [{file, line,
    column, field, message, text}], "skipped": [{file, reason}]}`."""
    return {
        "valid": not errors,
        "specs": [
            {"file": spec.path, "line": spec.line, "name": spec.model.name, "environment": spec.model.environment,
             "warnings": list(warnings)}
            for spec, warnings in valid
        ],
        "problems": [problem_dict(error) for error in errors],
        "skipped": [{"file": path, "reason": reason} for path, reason in skipped],
    }


def deletion_document(report: Any) -> dict[str, Any]:
    """`{"done", "deleted": [resource], "refused": {resource: message}, "failures": {resource:
    message}}` of a deletion run (an engine ConvergeReport): refused means not ours to delete."""
    failures: dict[str, str] = {}
    result = report.last_result
    for change in report.last_plan.pending:
        outcome = result.outcomes.get(change.key) if result and change.key else None
        if outcome is not None and outcome.status not in ("applied", "unchanged"):
            failures[change.name] = outcome.message
    return {
        "done": report.converged,
        "deleted": list(dict.fromkeys(report.deleted)),
        "refused": {str(outcome.key): outcome.message for outcome in report.refused},
        "failures": failures,
    }


def render_storage_text(tables: Sequence[dict[str, Any]]) -> str:
    if not tables:
        return ""
    lines = ["storage:"]
    lines.extend(f"  {t['table']}: table {t['tableName']} ({t['naming']}); {', '.join(t['permissions'])}" for t in tables)
    return "\n".join(lines) + "\n"
