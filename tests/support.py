"""Builders for tests: write a spec and its source into tmp_path, load and translate it."""
from __future__ import annotations

import textwrap
from pathlib import Path

from reconciler.design import AppDesign, EnvironmentDesign
from specs import AwsLocation, load_file, translate

LOCATION = AwsLocation(account_id="123456789012", region="us-east-1")

DOCKERFILE = "FROM public.ecr.aws/docker/library/node:20-slim\nEXPOSE 8080\nCMD [\"node\", \"index.js\"]\n"


def write_app(root: Path, name: str = "posts-api", *, environment: str = "dev", spec_extra: str = "",
              dockerfile: str | None = DOCKERFILE, compose: str | None = None, files: dict[str, str] | None = None) -> Path:
    """Write `<root>/<name>/spec.yaml` with a source folder; return the spec path."""
    folder = root / name
    src = folder / "src"
    src.mkdir(parents=True, exist_ok=True)
    if compose is not None:
        (src / "docker-compose.yml").write_text(textwrap.dedent(compose))
    elif dockerfile is not None:
        (src / "Dockerfile").write_text(dockerfile)
    for rel, text in (files or {}).items():
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    spec = f"""\
apiVersion: reconcile.dev/v1alpha1
kind: ServerlessContainer
metadata:
  name: {name}
  environment: {environment}
spec:
  source: ./src
""" + textwrap.indent(textwrap.dedent(spec_extra), "  ")
    path = folder / "spec.yaml"
    path.write_text(spec)
    return path


def design(*spec_paths: Path) -> list[EnvironmentDesign]:
    """Load and translate specs into one EnvironmentDesign per environment."""
    apps: dict[str, list[AppDesign]] = {}
    for path in spec_paths:
        for loaded in load_file(str(path)):
            app = AppDesign(loaded, translate(loaded, LOCATION))
            apps.setdefault(app.environment, []).append(app)
    return [EnvironmentDesign(env, tuple(items), LOCATION) for env, items in sorted(apps.items())]


def delivery_controllers() -> list:
    """The kinds a task definition of built containers (and secrets) needs: ECR repositories, the
    build pipeline and its wait, secrets, and IAM's roles for CodeBuild and CodePipeline."""
    from controllers import build
    from controllers.images import RepositoryController
    from controllers.secrets import GitHubTokenController, SecretController

    return [RepositoryController(), SecretController(), GitHubTokenController(), *build.controllers()]
