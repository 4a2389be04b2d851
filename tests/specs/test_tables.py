"""Table names: a created table is named per environment unless `tableName` names it."""

from __future__ import annotations

import pytest

from specs import SpecErrors, load_file
from specs.tables import storage_tables

from .helpers import SPEC_HEAD


def model(project, storage: str, environment: str = "prod"):
    (project.root / "src").mkdir(exist_ok=True)
    project.write("spec.yaml", SPEC_HEAD + f"  environment: {environment}\nspec:\n  source: ./src\n  storage:\n" + storage)
    return load_file("spec.yaml")[0].model


def test_created_tables_are_named_per_environment_unless_named_explicitly(project):
    tables = storage_tables(model(project, "    - {table: orders, permissions: [read], create: true}\n"
                                           "    - {table: users, permissions: [read], create: true, tableName: users-v2}\n"
                                           "    - {table: legacy, permissions: [read]}\n"))
    assert [(t["table"], t["tableName"], t["create"]) for t in tables] == [
        ("orders", "prod-orders", True), ("users", "users-v2", True), ("legacy", "legacy", False)]
    assert [t["naming"] for t in tables] == [
        "created by the reconciler, named per environment ('prod-' + table)",
        "created by the reconciler, named by the spec (tableName)",
        "existing table, named by the spec"]


def test_table_name_needs_create(project):
    with pytest.raises(SpecErrors) as raised:
        model(project, "    - {table: orders, permissions: [read], tableName: orders}\n")
    assert [str(e) for e in raised.value.errors] == [
        "spec.yaml:9:44: spec.storage[0].tableName: only allowed with 'create: true'; "
        "without it 'table' is the existing table's name"]
