"""Files of the source folder, read the safe way: bounded (specs/limits.py), and only from inside
the folder, where symlinks cannot lead out of it.

The image pipeline receives the source folder and nothing else, so build contexts and
Dockerfiles must be inside it. Env files are read here, on this machine, so one outside the
folder could work, but it would quietly bring host files (`/etc/os-release`) into the task
definition; it is refused unless the spec lists it in `spec.envFilesOutsideSource`. The same
goes for a `.env` that is a symlink out of the folder (compose_file.dotenv_variables).
"""

from __future__ import annotations

import os

from specs import limits
from specs.errors import SpecError
from specs.loader import LoadedSpec

OPT_IN_FIELD = "spec.envFilesOutsideSource"


def is_inside(folder: str, path: str) -> bool:
    """Whether `path`, symlinks resolved, is `folder` or below it."""
    folder = os.path.realpath(folder)
    return os.path.commonpath([folder, os.path.realpath(path)]) == folder


PIPELINE_ONLY = (", which is all the image pipeline receives; move it inside, or point spec.source "
                 "at a folder holding both")
OPT_IN = f"; move it inside, or list it (or its folder) in {OPT_IN_FIELD} to allow it"


def outside_message(what: str, written: str, folder: str, advice: str) -> str:
    """Why a file outside the source folder is refused, and what to do instead."""
    resolved = os.path.realpath(os.path.join(folder, written))
    shown = f"{written!r}" if resolved == written else f"{written!r} ({resolved})"
    return f"{what} {shown} is outside the source folder{advice}"


def env_file_allowed(path: str, source_dir: str, allowed_outside: tuple[str, ...]) -> bool:
    return is_inside(source_dir, path) or any(is_inside(allowed, path) for allowed in allowed_outside)


def present_files(folder: str, names: tuple[str, ...], shown_dir: str) -> tuple[list[str], list[SpecError]]:
    """Which of `names` are regular files in `folder`, plus one error for each that exists but
    cannot be used (a symlink loop, a dangling link, a directory)."""
    found: list[str] = []
    unusable: list[SpecError] = []
    for name in names:
        path = os.path.join(folder, name)
        if os.path.isfile(path):
            found.append(name)
        elif os.path.lexists(path):
            try:
                os.stat(path)
                reason = "it is not a regular file"
            except OSError as problem:
                reason = limits.describe_os_error(problem)
            unusable.append(SpecError(os.path.join(shown_dir, name), message=f"cannot read it: {reason}"))
    return found, unusable


def env_file_opt_ins(spec: LoadedSpec) -> tuple[str, ...]:
    """Absolute paths the spec allows env files to come from, outside its source folder."""
    spec_dir = os.path.dirname(os.path.abspath(spec.path))
    listed = spec.model.spec.env_files_outside_source or ()
    return tuple(os.path.normpath(os.path.join(spec_dir, entry)) for entry in listed)
