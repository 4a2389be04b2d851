"""From paths on disk to EnvironmentDesigns: discover specs, translate them for an account, and
check what must agree across the specs of one environment."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from reconciler.design import AppDesign, EnvironmentDesign
from specs import AwsLocation, LoadedSpec, SpecError, SpecErrors, discover, translate


def load_specs(paths: Sequence[str], skipped: list[tuple[str, str]] | None = None) -> tuple[list[LoadedSpec], list[SpecError]]:
    """The specs under `paths` (see specs.discover), less those this release refuses although the
    spec language accepts them. Every command reads specs through here."""
    loaded, errors = discover(list(paths), skipped)
    kept: list[LoadedSpec] = []
    for spec in loaded:
        refused = not_available_yet(spec)
        errors.extend(refused)
        if not refused:
            kept.append(spec)
    return kept, errors


def not_available_yet(spec: LoadedSpec) -> list[SpecError]:
    """Refuse, clearly and at the key's line, what the spec language accepts but this release
    cannot build yet, rather than converge half of it (a service with no front door). The one
    place to lift when the hosting front door lands."""
    if spec.model.spec.hosting is None:
        return []
    return [spec.error(("spec", "hosting"), "the hosting front door (ALB, ACM certificate, CloudFront) is not "
                                            "available in this release; use spec.api (API Gateway HTTP API) for now")]


def load_designs(paths: Sequence[str], location: AwsLocation) -> tuple[list[EnvironmentDesign], list[SpecError]]:
    """Every problem in every file is collected; designs are returned only for what is valid."""
    loaded, errors = load_specs(paths)
    designs, problems = designs_from(loaded, location)
    return designs, errors + problems


def designs_from(loaded: Sequence[LoadedSpec], location: AwsLocation) -> tuple[list[EnvironmentDesign], list[SpecError]]:
    """Translate specs already loaded, group them by environment, check what must agree."""
    errors: list[SpecError] = []
    apps: dict[str, list[AppDesign]] = defaultdict(list)
    for spec in loaded:
        try:
            app = AppDesign(spec, translate(spec, location))
        except SpecErrors as problem:
            errors.extend(problem.errors)
            continue
        except SpecError as problem:
            errors.append(problem)
            continue
        apps[app.environment].append(app)
    designs = [EnvironmentDesign(env, tuple(sorted(items, key=lambda a: a.name)), location) for env, items in sorted(apps.items())]
    for env in designs:
        errors.extend(_environment_conflicts(env))
    return designs, errors


def _environment_conflicts(env: EnvironmentDesign) -> list[SpecError]:
    """Environment-level settings that two specs of one environment set differently."""
    cidrs = {app.cidr for app in env.apps if app.cidr}
    if len(cidrs) <= 1:
        return []
    first = next(app for app in env.apps if app.cidr)
    return [
        SpecError(app.loaded.path, app.loaded.line, None, "spec.network.cidr",
                  f"environment {env.name!r} already uses {first.cidr} (set in {first.loaded.path}); "
                  f"specs of one environment share one VPC")
        for app in env.apps if app.cidr and app.cidr != first.cidr
    ]
