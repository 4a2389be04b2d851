"""The AWS names of the DynamoDB tables a spec's storage grants point at.

A grant without `create` names an existing table exactly. A table the reconciler creates is
named per environment, `<environment>-<table>` (`dev-orders`, `prod-orders`), so the specs of
two environments never collide on one table; `tableName` names it explicitly instead. The app
finds it under STORAGE_<TABLE>_NAME whatever the environment.
"""

from __future__ import annotations

from typing import Any


def table_name(environment: str, grant: Any) -> str:
    """The name in AWS of the table `grant` (a spec StorageGrant) points at."""
    if not grant.create:
        return grant.table
    return grant.table_name or f"{environment}-{grant.table}"


def naming_note(environment: str, grant: Any) -> str:
    if not grant.create:
        return "existing table, named by the spec"
    if grant.table_name:
        return "created by the reconciler, named by the spec (tableName)"
    return f"created by the reconciler, named per environment ('{environment}-' + table)"


def storage_tables(model: Any) -> list[dict[str, Any]]:
    """What `reconcile render` shows about storage: each grant's table and how it is named."""
    environment = model.metadata.environment
    return [
        {"table": grant.table, "tableName": table_name(environment, grant), "create": grant.create,
         "permissions": list(grant.permissions), "naming": naming_note(environment, grant)}
        for grant in model.spec.storage
    ]
