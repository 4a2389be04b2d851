"""Delivery as the controllers see it, derived from one app's spec, its translation and what the
state store records for it (rollback pin, suspended, --skip-secrets). No AWS call; the bundle is
read from disk once per process and app."""
from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

from reconciler import naming
from reconciler.delivery.bundle import SourceBundle, collect

if TYPE_CHECKING:
    from reconciler.design import AppDesign

MANAGED, GITHUB, SELF_MANAGED = "managed", "github", "self-managed"
_GITHUB_URL = re.compile(r"^(?:https://github\.com/)?(?P<owner>[^/]+)/(?P<repo>[^/]+?)(?:\.git)?/?$")


@dataclass(frozen=True)
class ImageBuild:
    """One container the pipeline builds, and where its image goes."""

    container: str
    repository: str  # ECR repository name
    context: str  # relative to the source folder
    dockerfile: str  # relative to the context
    args: tuple[tuple[str, str], ...] = ()
    target: str | None = None

    def as_input(self) -> dict[str, Any]:
        return {"container": self.container, "repository": self.repository, "context": self.context,
                "dockerfile": self.dockerfile, "args": dict(self.args), "target": self.target}


@dataclass(frozen=True)
class GitHubSource:
    owner: str
    repo: str
    branch: str
    path: str  # the folder of the repository that spec.source is a checkout of ("" = root)
    token_file: str
    token_hash: str


@dataclass(frozen=True)
class SecretValue:
    """A compose secret: its value stays in its file; only a salted hash travels."""

    name: str
    path: str
    value_hash: str | None  # None with --skip-secrets: the value is someone else's to write
    containers: tuple[str, ...] = ()


def value_of(path: str) -> bytes:
    """A secret file's value: its content, one trailing newline removed (editors add one)."""
    with open(path, "rb") as handle:
        content = handle.read()
    return content[:-2] if content.endswith(b"\r\n") else content[:-1] if content.endswith(b"\n") else content


def value_hash(name: str, path: str) -> str:
    """Salted with the secret's name, so equal values of two secrets do not hash alike."""
    return hashlib.sha256(name.encode() + b"\0" + value_of(path)).hexdigest()


class Delivery:
    def __init__(self, app: "AppDesign") -> None:
        self.app = app
        settings = app.spec.build
        self.mode: str = str(settings.mode)
        self.retention_days: int = int(settings.retention_days)
        location = app.translation.location
        self.registry = f"{location.account_id}.dkr.ecr.{location.region}.{location.dns_suffix}"
        self.images: tuple[ImageBuild, ...] = tuple(
            ImageBuild(name, naming.repository_name(app.environment, app.name, name), spec.context, spec.dockerfile,
                       tuple(sorted(spec.args.items())), spec.target)
            for name, spec in sorted(app.translation.build.items()))

    # -- what is built and deployed ------------------------------------------------------------
    @property
    def builds(self) -> bool:
        """Is there anything to build (some container has `build`)?"""
        return bool(self.images)

    @property
    def pipeline(self) -> bool:
        """Does the app get a bucket, a CodeBuild project and a pipeline?"""
        return self.builds and self.mode in (MANAGED, GITHUB)

    @property
    def pin(self) -> str:
        return self.app.facts.rollback_pin

    @property
    def tag(self) -> str | None:
        """The image tag to deploy: the pin, else the bundle's hash (managed) or the spec's tag
        (self-managed); None for GitHub, whose tag (the commit) is known only from ECR."""
        if self.pin:
            return self.pin
        if self.mode == MANAGED:
            return self.source_hash
        if self.mode == SELF_MANAGED:
            return str(self.app.spec.build.tag)
        return None

    def image_uri(self, repository: str) -> str:
        return f"{self.registry}/{repository}"

    # -- the managed bundle --------------------------------------------------------------------
    @cached_property
    def bundle(self) -> SourceBundle:
        images = self.images
        return collect(self.app.loaded.source_dir, [i.context for i in images],
                       [os.path.join(i.context, i.dockerfile) for i in images], [i.as_input() for i in images])

    @property
    def source_hash(self) -> str:
        return self.bundle.hash

    # -- GitHub --------------------------------------------------------------------------------
    @cached_property
    def github(self) -> GitHubSource | None:
        settings = self.app.spec.build
        if self.mode != GITHUB:
            return None
        match = _GITHUB_URL.match(str(settings.repository))
        assert match is not None  # the spec model checked the form
        token_file = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(self.app.loaded.path)),
                                                   str(settings.token_secret)))
        path = os.path.normpath(settings.path or ".").replace(os.sep, "/").strip("/")
        return GitHubSource(match["owner"], match["repo"], settings.branch or "main", "" if path == "." else path,
                            token_file, value_hash("github-token", token_file))

    # -- secrets -------------------------------------------------------------------------------
    @cached_property
    def secrets(self) -> tuple[SecretValue, ...]:
        skip = self.app.facts.skip_secrets
        return tuple(SecretValue(s.name, s.path, None if skip else value_hash(s.name, s.path), tuple(s.containers))
                     for s in sorted(self.app.translation.secret_files, key=lambda s: s.name))


def as_deployed(loaded: Any, translation: Any) -> Any:
    """The translation with each built container's image at the tag it is deployed with (the
    source's hash, or self-managed's tag) instead of `latest`; as is for GitHub (the commit is
    known only from ECR)."""
    from dataclasses import replace

    from reconciler.design import AppDesign

    delivery = AppDesign(loaded, translation).delivery
    tag = delivery.tag if delivery.builds and delivery.mode != GITHUB else None
    if tag is None:
        return translation
    containers = [dict(c, image=c["image"].rsplit(":", 1)[0] + f":{tag}") if c["name"] in translation.build else c
                  for c in translation.containers]
    return replace(translation, containers=containers)
