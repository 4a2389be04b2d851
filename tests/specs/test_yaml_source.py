"""YAML 1.2 reading (as Docker Compose v2 does) with positions for every key."""

from __future__ import annotations

import pytest

from specs import SpecError
from specs.yaml_source import load_yaml_documents


def load(text: str):
    (document,) = load_yaml_documents(text, "f.yml")
    return document


def test_colon_separated_digits_stay_strings_not_base_60():
    assert load('port: 25:25\n').data == {"port": "25:25"}


@pytest.mark.parametrize("word", ["yes", "no", "on", "off", "y", "n", "Yes", "ON"])
def test_yaml_1_1_booleans_are_strings(word):
    assert load(f"value: {word}\n").data == {"value": word}


@pytest.mark.parametrize("word,expected", [("true", True), ("false", False), ("True", True),
                                           ("FALSE", False)])
def test_only_true_and_false_are_booleans(word, expected):
    assert load(f"value: {word}\n").data == {"value": expected}


def test_core_schema_numbers():
    data = load("octal: 0o17\nhex: 0x1F\nleading_zero: 012\nfloat: 1.5\nexp: 1e3\n").data
    assert data == {"octal": 15, "hex": 31, "leading_zero": 12, "float": 1.5, "exp": 1000.0}


def test_nulls_and_dates():
    data = load("a: ~\nb: null\nc:\nd: 2001-12-14\n").data
    assert data == {"a": None, "b": None, "c": None, "d": "2001-12-14"}


def test_anchors_and_merge_keys_work():
    document = load(
        "x-common: &common\n"
        "  image: busybox\n"
        "  user: root\n"
        "services:\n"
        "  web:\n"
        "    <<: *common\n"
        "    user: app\n"
    )
    assert document.data["services"]["web"] == {"image": "busybox", "user": "app"}
    assert document.positions[("services", "web", "user")] == (7, 5)
    # A merged key points at the anchor it came from.
    assert document.positions[("services", "web", "image")] == (2, 3)


def test_positions_are_one_based_and_cover_list_items():
    document = load("services:\n  web:\n    ports:\n      - '80'\n      - '81'\n")
    assert document.positions[("services",)] == (1, 1)
    assert document.positions[("services", "web", "ports")] == (3, 5)
    assert document.positions[("services", "web", "ports", 1)] == (5, 9)


def test_syntax_error_has_line_and_column():
    with pytest.raises(SpecError) as raised:
        load_yaml_documents("a: 1\nb: [1, 2\nc: 3\n", "bad.yml")
    error = raised.value
    assert error.path == "bad.yml" and error.line == 3 and error.column is not None
    assert "YAML syntax error" in str(error)


def test_duplicate_keys_are_refused():
    with pytest.raises(SpecError) as raised:
        load_yaml_documents("a: 1\nb: 2\na: 3\n", "dup.yml")
    assert str(raised.value) == "dup.yml:3:1: duplicate key 'a'"


def test_empty_documents_are_skipped_but_counted():
    documents = load_yaml_documents("---\n---\na: 1\n", "f.yml")
    assert [(d.index, d.line, d.data) for d in documents] == [(1, 3, {"a": 1})]
