"""Checks of `spec.build` that need the file system: the GitHub token file must exist, be named
`.secret-*` and lie outside the source folder (which is bundled and uploaded), as compose
secrets must; a `build` section on a spec with no container to build is a warning."""

from __future__ import annotations

import os

from specs.errors import Problems
from specs.loader import LoadedSpec

TOKEN_FIELD = ("spec", "build", "tokenSecret")


def token_path(spec: LoadedSpec) -> str | None:
    """The absolute path of the GitHub token file, relative paths taken from the spec's folder."""
    token = spec.model.spec.build.token_secret
    if token is None:
        return None
    return os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(spec.path)), token))


def check_build_settings(spec: LoadedSpec, built: int, problems: Problems) -> None:
    """`built`: how many containers the pipeline builds (those with compose `build`)."""
    settings = spec.model.spec.build
    if built == 0 and settings.mode != "managed":
        problems.warn(spec.document.warning(("spec", "build", "mode"), f"spec.build.mode is "
                      f"'{settings.mode}' but no container has 'build': every image is pulled as named"))
    path = token_path(spec)
    if path is None:
        return
    label = f"token file '{settings.token_secret}'"
    if not os.path.isfile(path):
        problems.add(spec.error(TOKEN_FIELD, f"{label} does not exist (looked for {path})"))
    if not os.path.basename(path).startswith(".secret-"):
        problems.add(spec.error(TOKEN_FIELD, f"{label}: the file name must start with '.secret-'"))
    source = os.path.realpath(spec.source_dir)
    if os.path.commonpath([source, os.path.realpath(path)]) == source:
        problems.add(spec.error(TOKEN_FIELD, f"{label} is inside the source folder; move it outside "
                                "(for example to ../secrets/)"))
