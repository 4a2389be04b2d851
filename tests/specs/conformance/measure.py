"""Compare our reading of each fixture with Docker Compose's (the golden files).

    python -m tests.specs.conformance.measure     # fixtures, fields compared, fields differing

A fixture folder holds compose files, an optional `.env`, `expected.compose.json` (written by
regenerate.py) and an optional `case.yaml`:

    about: what the fixture shows
    files: [compose.yaml, compose.prod.yaml]   # as `-f a -f b`; default: Compose's discovery
    profiles: [debug]                           # as `--profile debug`
    ours:                                       # where we differ from Compose on purpose
      error: "fragment of our refusal"
      warnings: ["fragment of a warning we give"]
      skip: {services.web.healthcheck.interval: why}
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from specs import SpecErrors, translate
from specs.compose_file import find_source_files, read_compose
from specs.errors import Problems
from specs.loader import LoadedSpec
from specs.model import ServerlessContainer

from .canonical import compared_fields, compose_view, differences, our_view

HERE = Path(__file__).resolve().parent
FIXTURES = HERE / "fixtures"


@dataclass
class Outcome:
    fixture: str
    fields: int = 0  # comparisons made
    differences: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def fixtures() -> list[Path]:
    return sorted(p for p in FIXTURES.iterdir() if p.is_dir() and not p.name.startswith("_"))


def case_of(fixture: Path) -> dict:
    path = fixture / "case.yaml"
    return (yaml.safe_load(path.read_text()) or {}) if path.exists() else {}


def spec_for(fixture: Path, case: dict) -> LoadedSpec:
    compose = {key: case[key] for key in ("files", "profiles") if key in case}
    model = ServerlessContainer.model_validate({
        "apiVersion": "reconcile.dev/v1alpha1", "kind": "ServerlessContainer",
        "metadata": {"name": "conformance"}, "spec": {"source": ".", "compose": compose},
    }, by_alias=True)
    return LoadedSpec(os.path.relpath(fixture / "spec.yaml"), 0, 1, model, str(fixture))


def measure(fixture: Path) -> Outcome:
    case = case_of(fixture)
    ours = case.get("ours") or {}
    expected = json.loads((fixture / "expected.compose.json").read_text())
    outcome = Outcome(fixture.name)
    spec = spec_for(fixture, case)
    problems = Problems()
    files = find_source_files(spec, problems)
    project = read_compose(spec, files, problems) if files and files.compose_paths else None
    outcome.errors = [str(error) for error in problems.errors]
    outcome.warnings = list(problems.warnings)
    if ours.get("error"):  # a deliberate refusal may come from the whole translation
        outcome.fields = 1
        try:
            translate(spec)
        except SpecErrors as refused:
            outcome.errors += [str(error) for error in refused.errors]
        if not any(ours["error"] in error for error in outcome.errors):
            outcome.differences.append(f"expected our refusal {ours['error']!r}; "
                                       f"got {outcome.errors}")
        return outcome
    if "error" in expected:
        outcome.fields = 1
        if not outcome.errors:
            outcome.differences.append(f"compose refuses ({expected['error']}); we accept")
        return outcome
    theirs = compose_view(expected)
    outcome.fields = compared_fields(theirs)
    if outcome.errors:
        outcome.differences.append("we refuse what compose accepts: " + "; ".join(outcome.errors))
        return outcome
    outcome.differences = differences(theirs, our_view(project.services if project else []),
                                      ours.get("skip"))
    for fragment in ours.get("warnings") or []:
        if not any(fragment in warning for warning in outcome.warnings):
            outcome.differences.append(f"expected our warning {fragment!r}; got "
                                       f"{outcome.warnings}")
    return outcome


def main() -> None:
    outcomes = [measure(fixture) for fixture in fixtures()]
    for outcome in outcomes:
        for line in outcome.differences:
            print(f"{outcome.fixture}: {line}")
    fields = sum(outcome.fields for outcome in outcomes)
    differing = sum(len(outcome.differences) for outcome in outcomes)
    failing = sum(1 for outcome in outcomes if outcome.differences)
    print(f"{len(outcomes)} fixtures, {fields} fields compared, {differing} differences "
          f"in {failing} fixtures")


if __name__ == "__main__":
    main()
