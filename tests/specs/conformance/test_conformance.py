"""Our compose reading, field by field, against Docker Compose v2's own (the golden files).

Each fixture's expected.compose.json is `docker compose config --format json` as written by
regenerate.py; see measure.py for the fixture layout and what is compared.
"""

from __future__ import annotations

import json
import re

import pytest

from .canonical import FIELDS
from .measure import case_of, fixtures, measure

FIXTURES = fixtures()
_LOCATED = re.compile(r"^[^:\s]+:\d+(:\d+)?: ")  # file:line[:column]: ...


def test_there_are_at_least_sixty_fixtures_with_golden_files():
    assert len(FIXTURES) >= 60
    for fixture in FIXTURES:
        assert (fixture / "expected.compose.json").is_file(), fixture.name


@pytest.mark.parametrize("fixture", FIXTURES, ids=[f.name for f in FIXTURES])
def test_fixture_reads_as_docker_compose_reads_it(fixture):
    outcome = measure(fixture)
    assert not outcome.differences, "\n".join(outcome.differences)


@pytest.mark.parametrize("fixture", [f for f in FIXTURES if "error" in json.loads(
    (f / "expected.compose.json").read_text()) or (case_of(f).get("ours") or {}).get("error")],
    ids=lambda f: f.name)
def test_every_refusal_keeps_file_and_line(fixture):
    outcome = measure(fixture)
    ours = (case_of(fixture).get("ours") or {}).get("error")
    # (the test's spec is made in memory, so only the compose side has lines to check)
    refusals = [error for error in outcome.errors if ours is None or ours in error]
    assert refusals
    assert all(_LOCATED.match(error) for error in refusals), refusals


def test_each_deliberate_difference_is_a_fixture_asserting_our_message():
    differing = [f for f in FIXTURES if case_of(f).get("ours")]
    assert len(differing) >= 15
    for fixture in differing:
        ours = case_of(fixture)["ours"]
        assert ours.get("error") or ours.get("warnings"), fixture.name
        for path in ours.get("skip") or {}:
            assert path.split(".")[2] in {f.split(".")[0] for f in FIELDS}, path
