"""Spec + source folder -> the desired ECS task definition and service (pure, no AWS calls)."""

from __future__ import annotations

import os
import re

from specs.compose_file import (
    ComposeProject,
    DeclaredSecret,
    display_path,
    find_source_files,
    read_compose,
)
from specs.compose_service import ComposeService
from specs.dependencies import add_dependencies
from specs.dockerfile import first_exposed_port
from specs.entrypoint import check_port_clashes, choose_entrypoint
from specs.errors import Problems, SpecError
from specs.fargate_lint import warn_about_service_hosts
from specs.limits import read_text
from specs.loader import LoadedSpec
from specs.ports import ContainerPort
from specs.task_checks import check_task_definition
from specs.translation import AwsLocation, BuildSpec, SecretFile, Translation
from specs.yaml_source import YamlDocument

_ECR_NAME_PART = re.compile(r"^[a-z0-9]+(?:[._-][a-z0-9]+)*$")


def translate(spec: LoadedSpec, location: AwsLocation | None = None) -> Translation:
    """Raises SpecErrors listing every problem; warnings travel on the Translation."""
    location = location or AwsLocation()
    problems = Problems()
    files = find_source_files(spec, problems)
    project: ComposeProject | None = None
    if files is not None and files.compose_paths:
        project = read_compose(spec, files, problems)
    elif files is not None and files.dockerfile_path:
        project = _dockerfile_project(spec, files.dockerfile_path, problems)
    problems.raise_if_any()
    assert project is not None
    services = project.services
    document = project.document
    _check_unique_names(services, document, problems)
    entrypoint = choose_entrypoint(spec, services, document, problems)
    check_port_clashes(services, document, problems)
    secret_files, secret_refs = _secrets(spec, project, location, problems)
    warn_about_service_hosts(services, document, problems)
    replicas = _replicas(spec, services, document, problems)
    containers, build, repositories = _containers(
        spec, services, document, location, secret_refs, problems
    )
    notes = add_dependencies(services, containers, document, problems)
    check_task_definition(spec, services, containers, document, problems)
    problems.raise_if_any()
    assert entrypoint is not None
    return Translation(
        app=spec.model.name,
        environment=spec.model.environment,
        containers=containers,
        entrypoint=entrypoint,
        replicas=replicas,
        build=build,
        repositories=repositories,
        secret_files=secret_files,
        warnings=list(problems.warnings),
        sources=list(project.sources),
        notes=project.notes + notes,
        cpu=str(spec.model.spec.task.cpu),
        memory=str(spec.model.spec.task.memory),
        location=location,
    )


def _containers(
    spec: LoadedSpec,
    services: list[ComposeService],
    document: YamlDocument,
    location: AwsLocation,
    secret_refs: dict[str, list[dict]],
    problems: Problems,
) -> tuple[list[dict], dict[str, BuildSpec], dict[str, str]]:
    """ECS container definitions; built containers point at the ECR repository we push to."""
    containers: list[dict] = []
    build: dict[str, BuildSpec] = {}
    repositories: dict[str, str] = {}
    for service in services:
        image = service.image
        if service.build is not None:
            repository = f"{spec.model.environment}/{spec.model.name}/{service.name}"
            _check_repository_name(service, document, problems)
            if service.image:
                problems.warn(document.warning(service.at + ("image",),
                    f"service '{service.key}': has both 'build' and 'image'; the image is built "
                    f"and pushed to ECR, so '{service.image}' is only a local tag"))
            registry = f"{location.account_id}.dkr.ecr.{location.region}.{location.dns_suffix}"
            image = f"{registry}/{repository}:latest"
            build[service.name] = service.build
            repositories[service.name] = repository
        containers.append(_container_definition(service, image, secret_refs))
    return containers, build, repositories


def _dockerfile_project(spec: LoadedSpec, path: str, problems: Problems) -> ComposeProject:
    """A lone Dockerfile is one container, `app`, built from the source folder."""
    shown = display_path(spec, path)
    document = YamlDocument(shown, 0, None, 1, {})
    try:
        exposed, notes = first_exposed_port(read_text(path, "Dockerfile", shown, lenient=True))
    except SpecError as problem:
        problems.add(problem)
        return ComposeProject(document, [], {})
    for line, note in notes:
        problems.warn(f"{shown}:{line}: {note}")
    service = ComposeService("app", "app", (), build=BuildSpec(".", os.path.basename(path), {}))
    if exposed is not None:
        service.ports.append(ContainerPort(exposed.port, exposed.protocol))
    else:
        chosen = spec.model.spec.entrypoint
        port = chosen.port if chosen and chosen.port else 80
        why = "from spec.entrypoint.port" if chosen and chosen.port else \
              "add EXPOSE or set spec.entrypoint.port to change it"
        problems.warn(f"{shown}: the Dockerfile has no EXPOSE; assuming the container listens "
                      f"on port {port} ({why})")
        service.ports.append(ContainerPort(port, "tcp"))
    return ComposeProject(document, [service], {}, sources=[shown])


def _check_unique_names(
    services: list[ComposeService], document: YamlDocument, problems: Problems
) -> None:
    owners: dict[str, str] = {}
    for service in services:
        if service.name in owners:
            problems.add(document.error(service.at, f"container name '{service.name}' is used by "
                                        f"services '{owners[service.name]}' and '{service.key}'"))
        owners.setdefault(service.name, service.key)


def _check_repository_name(
    service: ComposeService, document: YamlDocument, problems: Problems
) -> None:
    if not _ECR_NAME_PART.match(service.name):
        problems.add(document.error(service.at, f"container name '{service.name}' cannot name an "
                                    "ECR repository: use lowercase letters and digits, "
                                    "separated by single '.', '_' or '-'"))


def _secrets(
    spec: LoadedSpec, project: ComposeProject, location: AwsLocation, problems: Problems
) -> tuple[list[SecretFile], dict[str, list[dict]]]:
    """Checks secret files and returns them plus each container's ECS `secrets` entries."""
    document = project.document
    users: dict[str, list[str]] = {name: [] for name in project.secrets}
    refs: dict[str, list[dict]] = {}
    for service in project.services:
        targets: dict[str, str] = {}
        for use in service.secrets:
            secret = project.secrets.get(use.source)
            if secret is None:
                problems.add(document.error(use.at, f"secret '{use.source}' is not declared in "
                                            "the top-level 'secrets' (with 'file:')"))
                continue
            if targets.get(use.target, use.source) != use.source:
                problems.add(document.error(use.at, f"environment variable '{use.target}' "
                                            "receives two different secrets"))
                continue
            if use.target in targets:
                continue
            targets[use.target] = use.source
            users[use.source].append(service.name)
            arn = (f"arn:{location.partition}:secretsmanager:{location.region}:{location.account_id}:secret:"
                   f"{spec.model.environment}/{spec.model.name}/{use.source}")
            refs.setdefault(service.name, []).append({"name": use.target, "valueFrom": arn})
            if service.environment.pop(use.target, None) is not None:
                problems.warn(document.warning(service.environment_at[use.target],
                    f"service '{service.key}': environment variable '{use.target}' is replaced "
                    f"by secret '{use.source}'"))
    files: list[SecretFile] = []
    for name, secret in project.secrets.items():
        for message in _secret_file_problems(secret, spec.source_dir):
            problems.add(document.error(secret.at, message))
        if users[name]:
            files.append(SecretFile(name, secret.path, users[name]))
        else:
            problems.warn(document.warning(secret.at, f"secret '{name}' is declared but no "
                          "service uses it, so it reaches no container; list it under a "
                          "service's 'secrets'"))
    return files, refs


def _secret_file_problems(secret: DeclaredSecret, source_dir: str) -> list[str]:
    label = f"secret '{secret.name}' (file '{secret.file}')"
    found: list[str] = []
    if not os.path.isfile(secret.path):
        found.append(f"{label}: the file does not exist")
    if not os.path.basename(secret.path).startswith(".secret-"):
        found.append(f"{label}: the file name must start with '.secret-'")
    source = os.path.realpath(source_dir)
    if os.path.commonpath([source, os.path.realpath(secret.path)]) == source:
        found.append(f"{label}: the file is inside the source folder, which is uploaded to S3; "
                     "move it outside (for example to ../secrets/)")
    return found


def _replicas(
    spec: LoadedSpec, services: list[ComposeService], document: YamlDocument, problems: Problems
) -> int:
    if spec.model.spec.replicas is not None:
        return spec.model.spec.replicas
    chosen = {s.key: s.replicas for s in services if s.replicas is not None}
    if not chosen:
        return 1
    highest = max(chosen.values())
    if len(set(chosen.values())) > 1:
        listed = ", ".join(f"{key}: {count}" for key, count in chosen.items())
        problems.warn(document.warning(("services",), f"services ask for different "
                      f"deploy.replicas ({listed}); all containers run in one task, so the "
                      f"highest, {highest}, is used (set spec.replicas to choose)"))
    return highest


def _container_definition(
    service: ComposeService,
    image: str | None,
    secret_refs: dict[str, list[dict]],
) -> dict:
    definition: dict = {"name": service.name, "image": image, "essential": True}
    optional = {
        "portMappings": [
            {"containerPort": p.port, "hostPort": p.port, "protocol": p.protocol}
            for p in service.ports
        ],
        "command": service.command,
        "entryPoint": service.entry_point,
        "environment": [
            {"name": name, "value": value} for name, value in sorted(service.environment.items())
        ],
        "secrets": secret_refs.get(service.name),
        "healthCheck": service.health_check,
        "workingDirectory": service.working_dir,
        "user": service.user,
    }
    definition.update({key: value for key, value in optional.items() if value})
    return definition
