"""Storage grants: the keys of a table the reconciler creates, allowed only with `create: true`."""

from __future__ import annotations

import pytest

from specs import SpecErrors, load_file

from .helpers import SPEC_HEAD


def load(project, storage: str):
    (project.root / "src").mkdir(exist_ok=True)
    project.write("spec.yaml", SPEC_HEAD + "spec:\n  source: ./src\n  storage:\n" + storage)
    return load_file("spec.yaml")[0].model.spec.storage


def errors(project, storage: str) -> list[str]:
    with pytest.raises(SpecErrors) as raised:
        load(project, storage)
    return [str(error) for error in raised.value.errors]


def test_keys_are_optional_and_unset_by_default(project):
    (grant,) = load(project, "    - {table: posts, permissions: [read], create: true}\n")
    assert grant.partition_key is None and grant.sort_key is None


def test_keys_of_a_created_table_default_to_string_type(project):
    (grant,) = load(project, "    - table: posts\n      permissions: [read]\n      create: true\n"
                             "      partitionKey: {name: slug}\n      sortKey: {name: at, type: N}\n")
    assert (grant.partition_key.name, grant.partition_key.type) == ("slug", "S")
    assert (grant.sort_key.name, grant.sort_key.type) == ("at", "N")


@pytest.mark.parametrize("field", ["partitionKey", "sortKey"])
def test_keys_without_create_are_refused_at_the_field(project, field):
    assert errors(project, f"    - table: posts\n      permissions: [read]\n      {field}: {{name: slug}}\n") == [
        f"spec.yaml:10:7: spec.storage[0].{field}: only allowed with 'create: true': the keys shape the table "
        "the reconciler creates (a table it does not create keeps its own keys)"]


def test_keys_with_create_false_are_refused_too(project):
    (error,) = errors(project, "    - {table: posts, permissions: [read], create: false, sortKey: {name: at}}\n")
    assert "spec.storage[0].sortKey: only allowed with 'create: true'" in error


def test_sort_key_must_differ_from_the_partition_key(project):
    assert errors(project, "    - {table: posts, permissions: [read], create: true, sortKey: {name: id}}\n") == [
        "spec.yaml:8:67: spec.storage[0].sortKey.name: must differ from the partition key's name 'id'"]


def test_key_type_is_s_n_or_b(project):
    (error,) = errors(project, "    - {table: posts, permissions: [read], create: true, partitionKey: {name: id, type: string}}\n")
    assert "spec.storage[0].partitionKey.type: must be 'S', 'N' or 'B' (got 'string')" in error


def test_key_needs_a_name_and_nothing_else(project):
    text = "\n".join(errors(project, "    - {table: posts, permissions: [read], create: true, partitionKey: {type: N, kind: x}}\n"))
    assert "spec.storage[0].partitionKey.name: is required" in text
    assert "spec.storage[0].partitionKey.kind: unknown field" in text
