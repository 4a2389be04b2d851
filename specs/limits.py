"""Bounds on everything read from disk, so hostile or accidental input (a 50 MB file, a
"billion laughs" of YAML aliases, a FIFO, /dev/zero) is refused in a second and a few MB, with
a message naming the file, what was exceeded and the limit.

Each limit is far above what real files need: Sentry's self-hosted compose file, one of the
largest public ones, is 24 KB with about 60 services and, by our count, under 5,000 YAML nodes
once its anchors are expanded.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Mapping

from specs.errors import SpecError
from specs.interpolate import Interpolator

KiB = 1024
MiB = 1024 * KiB

# Per file, by what the file is (the error says which limit applies).
FILE_LIMITS = {
    "spec file": 256 * KiB,
    "compose file": 1 * MiB,
    "env file": 256 * KiB,
    "Dockerfile": 1 * MiB,
}
# YAML: nodes after alias expansion (what every reader of the data walks), nesting depth, and
# wall time to read one file. A node is a scalar, a list or a mapping. The compose reader's
# cost grows with services x nodes, hence the bound on services too.
YAML_NODES = 20_000
COMPOSE_SERVICES = 100
YAML_DEPTH = 64
YAML_SECONDS = 10.0
# Compose `${VAR}` interpolation: total characters produced, so one big .env value used many
# times cannot grow a small file into gigabytes.
INTERPOLATED_CHARACTERS = 4 * MiB
# RegisterTaskDefinition refuses a task definition over 64 KiB.
ECS_TASK_DEFINITION_BYTES = 64 * KiB


class LimitExceeded(SpecError):
    """A file, or what it expands to, is beyond one of the limits above."""


def human_size(size: int) -> str:
    if size >= MiB and size % MiB == 0:
        return f"{size // MiB} MiB"
    if size >= KiB and size % KiB == 0:
        return f"{size // KiB} KiB"
    return f"{size:,} bytes"


def read_text(path: str, what: str, shown: str | None = None, *, lenient: bool = False) -> str:
    """The UTF-8 text of `path`, read only up to its limit; SpecError (naming `shown`, default
    `path`) if it is missing, not a regular file, a symlink loop, too large, binary or not UTF-8.
    `lenient`: bytes that are not UTF-8 become U+FFFD instead (Docker reads a Dockerfile with a
    Latin-1 comment; only its EXPOSE lines matter here)."""
    shown = shown or path
    limit = FILE_LIMITS[what]
    try:
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode):
            # A FIFO would block the read forever, a device might never end.
            kind = "a directory" if stat.S_ISDIR(info.st_mode) else "not a regular file"
            raise SpecError(shown, message=f"cannot read the {what}: it is {kind}")
        if info.st_size > limit:
            raise _too_large(shown, what, f"{info.st_size:,} bytes", limit)
        with open(path, "rb") as handle:
            data = handle.read(limit + 1)
    except OSError as problem:
        raise SpecError(shown, message=f"cannot read the {what}: {describe_os_error(problem)}") from None
    if len(data) > limit:  # grew since stat (or a file system that does not know sizes)
        raise _too_large(shown, what, "more than that", limit)
    if b"\0" in data:
        raise SpecError(shown, message=f"the {what} is a binary file, not text")
    try:
        return data.decode("utf-8", errors="replace" if lenient else "strict")
    except UnicodeDecodeError as problem:
        line = data.count(b"\n", 0, problem.start) + 1
        raise SpecError(shown, line, message=f"the {what} is not UTF-8 text (byte "
                                             f"0x{data[problem.start]:02x} at offset {problem.start})") from None


def _too_large(shown: str, what: str, size: str, limit: int) -> LimitExceeded:
    return LimitExceeded(shown, message=f"the {what} is too large: {size}; "
                                        f"the limit is {human_size(limit)}")


def describe_os_error(problem: OSError) -> str:
    """One short, plain reason (no "[Errno 40]" and no repeated path)."""
    if problem.errno == errno.ELOOP:
        return "it is a symbolic link loop (a link that points back to itself)"
    if problem.errno == errno.ENOENT:
        return "no such file"
    if problem.errno == errno.EISDIR:
        return "it is a directory"
    if problem.errno == errno.EACCES:
        return "permission denied"
    return problem.strerror or str(problem)


class BoundedInterpolator(Interpolator):
    """Stops with LimitExceeded once the text substituted for variables passes the limit: a
    small file using one large value thousands of times (or `B=${A}${A}`, `C=${B}${B}`, ...)
    would otherwise grow to gigabytes. Counted as each variable is substituted, so even one
    string with many references stops in time."""

    def __init__(self, variables: Mapping[str, str], path: str) -> None:
        super().__init__(variables)
        self.path = path
        self.produced = 0

    def _counted(self, text: str) -> str:
        self.produced += len(text)
        if self.produced > INTERPOLATED_CHARACTERS:
            raise LimitExceeded(self.path, message=(
                "variable interpolation (${...}) expands the file to more than "
                f"{human_size(INTERPOLATED_CHARACTERS)} of text (the limit)"))
        return text

    # The two places Interpolator substitutes a variable ($VAR and ${...}).
    def _value(self, name: str) -> str:
        return self._counted(super()._value(name))

    def _braced(self, inner: str) -> str:
        return self._counted(super()._braced(inner))


def json_size(value: object, limit: int) -> int:
    """Bytes of compact JSON for `value`, counted without building it; stops counting (and
    returns a number > limit) once past `limit`, so a huge value costs no memory or time."""
    import json

    total = 0
    stack = [value]
    while stack and total <= limit:
        item = stack.pop()
        if isinstance(item, dict):
            total += 2 + max(len(item) - 1, 0) + len(item)  # braces, commas, colons
            for key, child in item.items():
                total += len(json.dumps(str(key)))
                stack.append(child)
        elif isinstance(item, (list, tuple)):
            total += 2 + max(len(item) - 1, 0)
            stack.extend(item)
        else:
            total += len(json.dumps(item, default=str, ensure_ascii=False).encode())
    return total
