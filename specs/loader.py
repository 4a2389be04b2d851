"""Find and load ServerlessContainer spec files, reporting every problem with its line."""

from __future__ import annotations

import errno
import os
import re
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field

from pydantic import ValidationError

from specs.errors import SpecError, SpecErrors
from specs.friendly_errors import validation_errors
from specs.limits import describe_os_error, read_text
from specs.model import API_VERSION, KIND, ServerlessContainer
from specs.yaml_source import Path, Position, YamlDocument, load_yaml_documents

_SKIPPED_DIRS = {"node_modules"}
# Cheap pre-filter so compose files and other YAML in a directory are not even parsed.
_MENTIONS_KIND = re.compile(r"""\bkind\s*:\s*["']?ServerlessContainer\b""")


@dataclass(frozen=True)
class LoadedSpec:
    """One validated spec document and where it came from."""

    path: str  # as given by the user (or joined onto the directory they gave)
    document_index: int  # 0-based position of the document in its file
    line: int  # 1-based line where the document starts
    model: ServerlessContainer
    source_dir: str  # absolute
    positions: Mapping[Path, Position] = field(default_factory=dict, repr=False, compare=False)
    source_file: str | None = None  # absolute, when spec.source names a compose file or Dockerfile

    @property
    def document(self) -> YamlDocument:
        return YamlDocument(self.path, self.document_index, None, self.line, self.positions)

    def error(self, parts: Path, message: str) -> SpecError:
        """A SpecError pointing at `parts` (e.g. ('spec', 'entrypoint')) in this spec's file."""
        return self.document.error(parts, message)


def load_file(path: str) -> list[LoadedSpec]:
    """Every ServerlessContainer in `path`; raises SpecErrors listing all problems found."""
    specs = _load(path, True, [])
    assert specs is not None
    return specs


def discover(
    paths: list[str], skipped: list[tuple[str, str]] | None = None
) -> tuple[list[LoadedSpec], list[SpecError]]:
    """Load specs from files and directories (recursively); never raises for bad specs.

    Files named explicitly must hold a ServerlessContainer; files found in directories
    count only if they do (the others are appended to `skipped` as (path, reason)). Of two
    specs with the same (environment, name) the first is kept and the second is reported.
    """
    specs: list[LoadedSpec] = []
    errors: list[SpecError] = []
    seen_files: set[str] = set()
    skipped = [] if skipped is None else skipped
    for given in paths:
        try:
            is_directory = stat.S_ISDIR(os.stat(given).st_mode)
        except OSError as problem:
            reason = "no such file or directory" if problem.errno == errno.ENOENT else describe_os_error(problem)
            errors.append(SpecError(given, message=reason))
            continue
        if is_directory:
            candidates = [(found, False) for found in _yaml_files_under(given)]
        else:
            candidates = [(given, True)]
        for candidate, explicit in candidates:
            real = os.path.realpath(candidate)
            if real in seen_files:
                continue
            seen_files.add(real)
            try:
                specs.extend(_load(candidate, explicit, skipped) or [])
            except SpecErrors as problems:
                errors.extend(problems.errors)
    unique, duplicates = _reject_duplicates(specs)
    return unique, errors + duplicates


def _yaml_files_under(directory: str) -> list[str]:
    found: list[str] = []
    for root, dirs, files in os.walk(directory):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in _SKIPPED_DIRS)
        found.extend(
            os.path.normpath(os.path.join(root, name)) for name in sorted(files)
            if name.endswith((".yaml", ".yml"))
        )
    return found


def _read(path: str, explicit: bool, skipped: list[tuple[str, str]]) -> str | None:
    """The file's text; None (and a `skipped` entry) for a file found in a directory that cannot
    be a spec. A file that cannot be read, is too large or is not UTF-8 text is reported if named
    explicitly or if its first bytes say `kind: ServerlessContainer`."""
    try:
        return read_text(path, "spec file")
    except SpecError as problem:
        if explicit or _head_mentions_kind(path):
            raise SpecErrors([problem]) from None
        skipped.append((path, problem.message))
        return None


def _head_mentions_kind(path: str) -> bool:
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):  # a FIFO would block the open
            return False
        with open(path, "rb") as handle:
            head = handle.read(64 * 1024)
    except OSError:
        return False
    return bool(_MENTIONS_KIND.search(head.decode("utf-8", errors="replace")))


def _load(path: str, explicit: bool, skipped: list[tuple[str, str]]) -> list[LoadedSpec] | None:
    """Specs in `path`; None when a file found by directory walk is not a spec file."""
    text = _read(path, explicit, skipped)
    if text is None:
        return None
    if not explicit and not _MENTIONS_KIND.search(text):
        skipped.append((path, f"no 'kind: {KIND}'"))
        return None
    try:
        documents = load_yaml_documents(text, path)
    except SpecError as problem:
        raise SpecErrors([problem]) from None
    ours = [d for d in documents if isinstance(d.data, dict) and d.data.get("kind") == KIND]
    if not ours:
        if not explicit:
            skipped.append((path, f"no document with 'kind: {KIND}'"))
            return None
        message = f"no document with 'kind: {KIND}' in this file"
        raise SpecErrors([SpecError(path, message=message)])
    specs: list[LoadedSpec] = []
    errors: list[SpecError] = []
    for document in documents:
        try:
            specs.append(_load_document(document))
        except SpecErrors as problems:
            errors.extend(problems.errors)
    if errors:
        raise SpecErrors(errors)
    return specs


def _load_document(document: YamlDocument) -> LoadedSpec:
    data = document.data
    if not isinstance(data, dict):
        message = "each document must be a mapping with apiVersion, kind, metadata and spec"
        raise SpecErrors([document.error((), message)])
    if data.get("kind") != KIND:
        message = f"must be '{KIND}' (got {data.get('kind')!r})"
        raise SpecErrors([document.error(("kind",), message)])
    if data.get("apiVersion") != API_VERSION:
        message = f"unsupported apiVersion {data.get('apiVersion')!r}; expected '{API_VERSION}'"
        raise SpecErrors([document.error(("apiVersion",), message)])
    try:
        # YAML must use the camelCase keys; snake_case names are for Python callers only.
        model = ServerlessContainer.model_validate(data, by_alias=True, by_name=False)
    except ValidationError as problem:
        raise SpecErrors(validation_errors(problem, document, ServerlessContainer)) from None
    spec_dir = os.path.dirname(os.path.abspath(document.path))
    source_dir = os.path.normpath(os.path.join(spec_dir, model.spec.source))
    source_file = None
    if os.path.isfile(source_dir):  # the compose file or Dockerfile itself; its folder is the source
        source_file, source_dir = source_dir, os.path.dirname(source_dir)
    elif not os.path.isdir(source_dir):
        raise SpecErrors([document.error(("spec", "source"),
                                         f"source '{model.spec.source}' does not exist "
                                         f"(looked for {source_dir})")])
    return LoadedSpec(
        path=document.path,
        document_index=document.index,
        line=document.line,
        model=model,
        source_dir=source_dir,
        positions=document.positions,
        source_file=source_file,
    )


def _reject_duplicates(specs: list[LoadedSpec]) -> tuple[list[LoadedSpec], list[SpecError]]:
    first_by_key: dict[tuple[str, str], LoadedSpec] = {}
    unique: list[LoadedSpec] = []
    errors: list[SpecError] = []
    for spec in specs:
        first = first_by_key.get(spec.model.key)
        if first is None:
            first_by_key[spec.model.key] = spec
            unique.append(spec)
            continue
        environment, name = spec.model.key
        errors.append(spec.error(("metadata", "name"),
                                 f"'{name}' in environment '{environment}' is defined twice: "
                                 f"here and in {first.path}:{first.line}"))
    return unique, errors
