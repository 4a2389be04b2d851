"""Problems found in spec and compose files, each pointing at a file, line and field."""

from __future__ import annotations

from collections.abc import Iterable


class SpecError(Exception):
    """One problem in a file: `{path}:{line}:{column}: {field}: {message}`."""

    def __init__(
        self,
        path: str,
        line: int | None = None,
        column: int | None = None,
        field: str = "",
        message: str = "",
    ) -> None:
        self.path = path
        self.line = line
        self.column = column
        self.field = field
        self.message = message
        super().__init__(str(self))

    def __str__(self) -> str:
        return format_location(self.path, self.line, self.column) + ": " + _with_field(
            self.field, self.message
        )

    def __repr__(self) -> str:
        return f"SpecError({str(self)!r})"

    def __reduce__(self):  # survive pickling (e.g. across pytest-xdist or process pools)
        return SpecError, (self.path, self.line, self.column, self.field, self.message)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SpecError) and str(self) == str(other)

    def __hash__(self) -> int:
        return hash(str(self))


class SpecErrors(Exception):
    """Every problem found in one go, so users fix them all in one edit."""

    def __init__(self, errors: Iterable[SpecError]) -> None:
        self.errors: list[SpecError] = list(errors)
        super().__init__(str(self))

    def __str__(self) -> str:
        return "\n".join(str(error) for error in self.errors)

    def __reduce__(self):
        return SpecErrors, (self.errors,)

    def __len__(self) -> int:
        return len(self.errors)

    def __iter__(self):
        return iter(self.errors)


def format_location(path: str, line: int | None, column: int | None) -> str:
    if line is None:
        return path
    if column is None:
        return f"{path}:{line}"
    return f"{path}:{line}:{column}"


def _with_field(field: str, message: str) -> str:
    return f"{field}: {message}" if field else message


def format_field(parts: Iterable[str | int]) -> str:
    """('services', 'web', 'ports', 0) -> 'services.web.ports[0]'."""
    text = ""
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


class Problems:
    """Collects errors and (deduplicated) warnings while translating, to report them all."""

    def __init__(self) -> None:
        self.errors: list[SpecError] = []
        self.warnings: list[str] = []

    def add(self, error: SpecError) -> None:
        self.errors.append(error)

    def warn(self, warning: str) -> None:
        if warning not in self.warnings:
            self.warnings.append(warning)

    def raise_if_any(self) -> None:
        if self.errors:
            raise SpecErrors(sorted_by_position(self.errors))


def sorted_by_position(errors: list[SpecError]) -> list[SpecError]:
    """Files in the order first reported, each file's errors in line order."""
    file_order = {path: index for index, path in enumerate(dict.fromkeys(e.path for e in errors))}
    return sorted(errors, key=lambda e: (file_order[e.path], e.line or 0, e.column or 0))
