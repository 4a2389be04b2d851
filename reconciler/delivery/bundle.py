"""The managed source bundle: the spec's source folder as a deterministic zip, and the hash that
names a build (the images' tag).

What goes in: every file under the source folder except `.git` and `node_modules` folders, any
`.secret-*` file (never, whatever the ignore files say), what `.reconcileignore` (at the source
root) excludes, and what each build context's `.dockerignore` excludes from that context (a file
is left out only when every context holding it ignores it; Dockerfiles and the ignore files
themselves always go in, as Docker sends them). The zip is deterministic: entries sorted,
timestamps fixed at 1980-01-01, modes 0644 (0755 for executables), one compression level.

The hash covers each file's path, mode and content plus what the build does with them (each
built container's repository, context, Dockerfile, args and target), so the same inputs are
never built twice and a changed Dockerfile or build arg is a new build.
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import stat
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from reconciler.delivery.ignore import excluded, read_patterns

ALWAYS_SKIPPED_DIRS = frozenset({".git", "node_modules"})
SECRET_PREFIX = ".secret-"
RECONCILE_IGNORE = ".reconcileignore"
DOCKER_IGNORE = ".dockerignore"
# Our folder inside the bundle (the buildspec and the hash); a user's folder of that name is left out.
BUILD_FOLDER = ".reconcile-build"
# Bumped when what a bundle means to the build changes (the buildspec's shape): a new hash, a rebuild.
FORMAT = "1"
TAG_LENGTH = 16
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class BundleFile:
    path: str  # POSIX, relative to the source folder
    absolute: str
    executable: bool
    digest: str  # sha256 of the content

    @property
    def mode(self) -> int:
        return 0o755 if self.executable else 0o644


@dataclass(frozen=True)
class SourceBundle:
    files: tuple[BundleFile, ...]
    hash: str

    @property
    def size(self) -> int:
        return sum(os.path.getsize(f.absolute) for f in self.files)

    def zip_bytes(self, extra: Mapping[str, str] = {}) -> bytes:
        """The zip: the source files, plus `extra` (path -> text: the buildspec, the hash)."""
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
            entries: list[tuple[str, int, bytes | str]] = [(f.path, f.mode, f.absolute) for f in self.files]
            entries += [(path, 0o644, text.encode()) for path, text in extra.items()]
            for path, mode, content in sorted(entries, key=lambda e: e[0]):
                info = zipfile.ZipInfo(path, date_time=_ZIP_TIME)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.create_system = 3  # unix, so the mode bits below are honoured
                info.external_attr = (stat.S_IFREG | mode) << 16
                if isinstance(content, str):
                    with open(content, "rb") as handle:
                        content = handle.read()
                archive.writestr(info, content)
        return buffer.getvalue()


def collect(source_dir: str, contexts: Iterable[str], dockerfiles: Iterable[str],
            build_inputs: Sequence[Mapping[str, Any]]) -> SourceBundle:
    """`contexts`, `dockerfiles`: relative to the source folder ("." or "web"; "web/Dockerfile")."""
    root = os.path.realpath(source_dir)
    keep = {_clean(d) for d in dockerfiles}
    reconcile_ignore = read_patterns(os.path.join(root, RECONCILE_IGNORE))
    context_rules = {_clean(c): read_patterns(os.path.join(root, _clean(c), DOCKER_IGNORE)) for c in contexts}
    files: list[BundleFile] = []
    for folder, dirs, names in os.walk(root):
        relative_folder = _relative(root, folder)
        dirs[:] = sorted(d for d in dirs if d not in ALWAYS_SKIPPED_DIRS
                         and not (relative_folder == "" and d == BUILD_FOLDER))
        for name in sorted(names):
            absolute = os.path.join(folder, name)
            path = f"{relative_folder}/{name}" if relative_folder else name
            if name.startswith(SECRET_PREFIX) or not os.path.isfile(absolute):
                continue
            if path not in keep and _left_out(path, name, reconcile_ignore, context_rules):
                continue
            files.append(BundleFile(path, absolute, bool(os.stat(absolute).st_mode & 0o111), _digest(absolute)))
    files.sort(key=lambda f: f.path)
    return SourceBundle(tuple(files), content_hash(files, build_inputs))


def content_hash(files: Iterable[BundleFile], build_inputs: Sequence[Mapping[str, Any]]) -> str:
    digest = hashlib.sha256(f"format {FORMAT}\n".encode())
    for item in files:
        digest.update(f"{item.path}\0{item.mode:o}\0{item.digest}\n".encode())
    digest.update(json.dumps(list(build_inputs), sort_keys=True).encode())
    return digest.hexdigest()[:TAG_LENGTH]


def _left_out(path: str, name: str, reconcile_ignore: list, context_rules: Mapping[str, list]) -> bool:
    if reconcile_ignore and name != RECONCILE_IGNORE and excluded(path, reconcile_ignore):
        return True
    holding = [(c, rules) for c, rules in context_rules.items() if c == "" or path.startswith(c + "/")]
    if not holding or name == DOCKER_IGNORE:
        return False
    return all(rules and excluded(path[len(c) + 1:] if c else path, rules) for c, rules in holding)


def _clean(context: str) -> str:
    cleaned = os.path.normpath(context).replace(os.sep, "/")
    return "" if cleaned == "." else cleaned


def _relative(root: str, folder: str) -> str:
    relative = os.path.relpath(folder, root).replace(os.sep, "/")
    return "" if relative == "." else relative


def _digest(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()
