"""The result of translating a spec: the desired ECS task definition and service, as data."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

from specs.sensitive import masked


@dataclass(frozen=True)
class AwsLocation:
    """Where the app will live; only used to spell image URIs and secret ARNs."""

    account_id: str = "123456789012"
    region: str = "us-east-1"
    partition: str = "aws"  # aws | aws-cn | aws-us-gov: from the caller identity, never assumed

    @property
    def dns_suffix(self) -> str:
        return "amazonaws.com.cn" if self.partition == "aws-cn" else "amazonaws.com"


@dataclass(frozen=True)
class Entrypoint:
    """The one container and port that receives traffic from the front door."""

    container: str
    port: int


@dataclass(frozen=True)
class BuildSpec:
    """How the pipeline builds one container's image."""

    context: str  # relative to the source folder, POSIX form ("." or "express")
    dockerfile: str = "Dockerfile"  # relative to the context
    args: dict[str, str] = field(default_factory=dict)
    target: str | None = None  # the Dockerfile stage to build (compose's build.target)

    def render(self) -> dict:
        rendered = {"context": self.context, "dockerfile": self.dockerfile, "args": dict(self.args)}
        return {**rendered, "target": self.target} if self.target else rendered


@dataclass(frozen=True)
class SecretFile:
    """A compose secret whose value lives in a local file; the value itself is never read here."""

    name: str
    path: str  # absolute
    containers: list[str]


@dataclass(frozen=True)
class Translation:
    app: str
    environment: str
    containers: list[dict]  # ECS containerDefinitions
    entrypoint: Entrypoint
    replicas: int
    build: dict[str, BuildSpec]  # built containers only
    repositories: dict[str, str]  # container -> ECR repository name
    secret_files: list[SecretFile]
    warnings: list[str]
    cpu: str
    memory: str
    location: AwsLocation = field(default_factory=AwsLocation)
    sources: list[str] = field(default_factory=list)  # the compose files or Dockerfile read
    notes: list[str] = field(default_factory=list)  # how they were read (override, profiles, ...)

    @property
    def family(self) -> str:
        return f"{self.environment}-{self.app}"

    def task_definition(self) -> dict:
        """RegisterTaskDefinition request (roles and logging are added by the ECS controller)."""
        return {
            "family": self.family,
            "networkMode": "awsvpc",
            "requiresCompatibilities": ["FARGATE"],
            "cpu": self.cpu,
            "memory": self.memory,
            "containerDefinitions": copy.deepcopy(self.containers),
        }

    def service(self) -> dict:
        """The CreateService fields the spec decides (network and load balancing come later)."""
        return {"serviceName": self.app, "desiredCount": self.replicas, "launchType": "FARGATE"}

    def render(self) -> dict:
        """For people and tools to read: secret-looking environment values are `(sensitive)`."""
        return {
            "taskDefinition": masked(self.task_definition()),
            "service": self.service(),
            "entrypoint": {"container": self.entrypoint.container, "port": self.entrypoint.port},
            "build": {name: spec.render() for name, spec in self.build.items()},
            "sources": list(self.sources),
            "notes": list(self.notes),
            "warnings": list(self.warnings),
        }
