"""What the build simulation does for the commands of a buildspec -- used ONLY by the embedded
AWS. There is no Docker engine on our machines, so `docker build` checks what a real build would
need first (the Dockerfile is in the bundle, parses, starts with FROM, has the --target stage)
and makes a small image manifest from the context's content; `docker push` puts that manifest
in ECR with the tag (PutImage). Any other command fails the build: the simulation runs only what
the reconciler's own buildspecs say.
"""
from __future__ import annotations

import hashlib
import json
import posixpath
import re
import shlex
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field

from specs.dockerfile import instructions

KNOWN = {"FROM", "RUN", "CMD", "LABEL", "MAINTAINER", "EXPOSE", "ENV", "ADD", "COPY", "ENTRYPOINT", "VOLUME", "USER",
         "WORKDIR", "ARG", "ONBUILD", "STOPSIGNAL", "HEALTHCHECK", "SHELL"}
_VARIABLE = re.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?")


class CommandFailed(Exception):
    """The command's exit status was not 0; the message is what the build log would say."""


@dataclass
class Workspace:
    """The build's working directory (the bundle) and its local Docker images."""

    bundle: zipfile.ZipFile
    env: dict[str, str]
    registry: str
    push: Callable[[str, str, str], None]  # (repository, tag, manifest) -> PutImage
    images: dict[str, str] = field(default_factory=dict)  # local reference -> manifest
    logged_in: bool = False

    def read(self, path: str) -> str | None:
        try:
            return self.bundle.read(posixpath.normpath(path)).decode("utf-8", errors="replace")
        except KeyError:
            return None


def run(command: str, workspace: Workspace) -> None:
    expanded = _VARIABLE.sub(lambda m: workspace.env.get(m.group(1), ""), command)
    if expanded.startswith("aws ecr get-login-password") and "| docker login" in expanded:
        workspace.logged_in = True
        return
    words = shlex.split(expanded)
    if words[:2] == ["docker", "build"]:
        _build(words[2:], workspace)
    elif words[:2] == ["docker", "tag"] and len(words) == 4:
        if words[2] not in workspace.images:
            raise CommandFailed(f"Error response from daemon: No such image: {words[2]}")
        workspace.images[words[3]] = workspace.images[words[2]]
    elif words[:2] == ["docker", "push"] and len(words) == 3:
        _push(words[2], workspace)
    else:
        raise CommandFailed(f"the embedded AWS cannot run this command (no Docker engine, no shell): {command}")


def _build(words: list[str], workspace: Workspace) -> None:
    tags, dockerfile, args, target, context = [], None, {}, None, None
    index = 0
    while index < len(words):
        word = words[index]
        if word in ("--tag", "-t", "--file", "-f", "--build-arg", "--target"):
            value = words[index + 1]
            if word in ("--tag", "-t"):
                tags.append(value)
            elif word in ("--file", "-f"):
                dockerfile = value
            elif word == "--build-arg":
                name, _, arg = value.partition("=")
                args[name] = arg
            else:
                target = value
            index += 2
            continue
        context = word
        index += 1
    context = posixpath.normpath(context or ".")
    dockerfile = posixpath.normpath(dockerfile or posixpath.join(context, "Dockerfile"))
    text = workspace.read(dockerfile)
    if text is None:
        raise CommandFailed(f"failed to read dockerfile: open {dockerfile}: no such file or directory")
    _check_dockerfile(dockerfile, text, target)
    prefix = "" if context == "." else context + "/"
    files = sorted(n for n in workspace.bundle.namelist() if n.startswith(prefix))
    layer = hashlib.sha256("".join(f"{n}:{hashlib.sha256(workspace.bundle.read(n)).hexdigest()}\n"
                                   for n in files).encode()).hexdigest()
    config = json.dumps({"dockerfile": text, "args": args, "target": target, "layer": layer}, sort_keys=True)
    manifest = json.dumps({
        "schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
        "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "size": len(config),
                   "digest": "sha256:" + hashlib.sha256(config.encode()).hexdigest()},
        "layers": [{"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip", "size": len(files),
                    "digest": "sha256:" + layer}],
    }, sort_keys=True)
    for tag in tags:
        workspace.images[tag] = manifest


def _check_dockerfile(path: str, text: str, target: str | None) -> None:
    found = instructions(text)
    if not found:
        raise CommandFailed(f"failed to solve: the Dockerfile {path} cannot be empty")
    for instruction in found:
        if instruction.keyword not in KNOWN:
            raise CommandFailed(f"failed to solve: dockerfile parse error on line {instruction.line} of {path}: "
                                f"unknown instruction: {instruction.keyword}")
    first = next((i for i in found if i.keyword != "ARG"), None)
    if first is None or first.keyword != "FROM":
        where = f" (found {first.keyword} on line {first.line})" if first else ""
        raise CommandFailed(f"failed to solve: the Dockerfile {path} has no FROM instruction before the others{where}: "
                            "no build stage in current context")
    stages = {i.arguments.split()[-1].lower() for i in found
              if i.keyword == "FROM" and len(i.arguments.split()) >= 3 and i.arguments.split()[-2].upper() == "AS"}
    if target and target.lower() not in stages:
        raise CommandFailed(f"failed to solve: target stage \"{target}\" could not be found in {path}")


def _push(reference: str, workspace: Workspace) -> None:
    if reference not in workspace.images:
        raise CommandFailed(f"An image does not exist locally with the tag: {reference}")
    if not workspace.logged_in:
        raise CommandFailed("no basic auth credentials")
    registry, _, rest = reference.partition("/")
    repository, _, tag = rest.rpartition(":")
    if registry != workspace.registry or not repository:
        raise CommandFailed(f"denied: {reference} is not in this account's registry {workspace.registry}")
    workspace.push(repository, tag, workspace.images[reference])


def registry_of(account: str, region: str) -> str:
    suffix = "amazonaws.com.cn" if region.startswith("cn-") else "amazonaws.com"
    return f"{account}.dkr.ecr.{region}.{suffix}"


__all__ = ["CommandFailed", "Workspace", "registry_of", "run"]
