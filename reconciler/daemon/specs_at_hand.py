"""The specs under the daemon's roots, read again whenever files change (and on its interval):
which apps there are, each one's generation (spec + translation, sources included: a changed
compose or env file changes it), and which apps are held because their spec fails to load
(reported, never pruned; a failure that names no app holds every prune)."""
from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from reconciler import workflow
from reconciler.design import AppDesign
from reconciler.loading import designs_from
from reconciler.state import EnvironmentState
from specs import AwsLocation, SpecError, discover


@dataclass
class Entry:
    design: AppDesign
    generation: str
    changed: bool = True  # new, or its generation changed since the last read


@dataclass
class SpecsAtHand:
    apps: dict[tuple[str, str], Entry] = field(default_factory=dict)
    failures: list[SpecError] = field(default_factory=list)
    held: dict[str, str] = field(default_factory=dict)  # "env/app" -> why
    attributed: bool = True
    _reported: set[str] = field(default_factory=set)
    _previous: set[str] = field(default_factory=set)

    @property
    def environments(self) -> set[str]:
        return {env for env, _ in self.apps}

    def names_in(self, environment: str) -> set[str]:
        return {app for env, app in self.apps if env == environment}

    def hold(self, states: Mapping[str, EnvironmentState]) -> None:
        self.held, self.attributed = workflow.held_apps(self.failures, states)
        for scope in self.held:
            self.apps.pop(tuple(scope.split("/", 1)), None)  # type: ignore[arg-type]

    def reported(self) -> list[str]:
        """Problems not reported at the previous read (a bad spec is said once, not every scan)."""
        now = {str(f) for f in self.failures}
        if not self.attributed and self.failures:
            now.add("nothing is pruned: a spec that failed to load could not be tied to an app")
        new = sorted(now - self._previous)
        self._previous = now
        return new


def read_specs(roots: Sequence[str], location: AwsLocation, previous: SpecsAtHand) -> SpecsAtHand:
    present = [r for r in roots if os.path.exists(r)]
    loaded, errors = discover(present) if present else ([], [])
    designs, problems = designs_from(loaded, location)
    failing = {os.path.realpath(str(p.path)) for p in problems}
    found = SpecsAtHand(failures=errors + problems, _previous=previous._previous)
    for env in designs:
        for app in env.apps:
            if app.spec_path in failing:
                continue
            generation = workflow.generation(app)
            before = previous.apps.get((env.name, app.name))
            changed = before is None or before.generation != generation or before.changed
            found.apps[(env.name, app.name)] = Entry(app, generation, changed)
    return found
