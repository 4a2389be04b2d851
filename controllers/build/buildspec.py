"""The buildspec CodeBuild runs (version 0.2): log in to ECR, build each container from its
context with its Dockerfile, args and target, tag it with the build's tag and `latest`, push both.

Managed mode: the buildspec travels inside the bundle (`.reconcile-build/buildspec.yml`) with the
tag written in, so the project never changes when the source does. GitHub mode: the project holds
it inline and the tag is the commit (`$CODEBUILD_RESOLVED_SOURCE_VERSION`), paths under the
repository folder that spec.source is a checkout of. `on-failure: ABORT` keeps a failed build from
pushing anything.
"""
from __future__ import annotations

import posixpath
import shlex
from collections.abc import Mapping, Sequence
from typing import Any

import yaml

BUILDSPEC_PATH = ".reconcile-build/buildspec.yml"
HASH_PATH = ".reconcile-build/source-hash"
COMMIT = "$CODEBUILD_RESOLVED_SOURCE_VERSION"


def _quote(word: str) -> str:
    """Shell-quote, except the commit variable the shell must expand."""
    return word if word.endswith(":" + COMMIT) else shlex.quote(word)


def render(images: Sequence[Mapping[str, Any]], registry: str, region: str, tag: str, folder: str = "") -> str:
    """`images`: ImageBuild.as_input() dicts; `tag`: the literal tag, or COMMIT."""
    build: list[str] = []
    push: list[str] = []
    for image in images:
        context = posixpath.normpath(posixpath.join(folder or ".", image["context"]))
        dockerfile = posixpath.normpath(posixpath.join(context, image["dockerfile"]))
        uri = f"{registry}/{image['repository']}"
        words = ["docker", "build", "--tag", f"{uri}:{tag}", "--file", dockerfile]
        for name, value in sorted(image["args"].items()):
            words += ["--build-arg", f"{name}={value}"]
        if image.get("target"):
            words += ["--target", image["target"]]
        build.append(" ".join(_quote(w) for w in words + [context]))
        build.append(" ".join(_quote(w) for w in ["docker", "tag", f"{uri}:{tag}", f"{uri}:latest"]))
        push += [f"docker push {_quote(f'{uri}:{tag}')}", f"docker push {_quote(f'{uri}:latest')}"]
    login = (f"aws ecr get-login-password --region {shlex.quote(region)} | "
             f"docker login --username AWS --password-stdin {shlex.quote(registry)}")
    document = {
        "version": 0.2,
        "phases": {
            "pre_build": {"on-failure": "ABORT", "commands": [login]},
            "build": {"on-failure": "ABORT", "commands": build},
            "post_build": {"commands": push},
        },
    }
    return yaml.safe_dump(document, sort_keys=False, width=1000)
