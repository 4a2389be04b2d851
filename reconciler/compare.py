"""Left-scoped comparison of desired vs observed (kopf's diff): only the fields the spec sets
are compared, after the controller canonicalised both sides. deepdiff lives here and nowhere else;
its output becomes `FieldChange`s at once."""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from reconciler.resource import UNKNOWN, FieldChange
from specs.sensitive import is_secret_entry

if TYPE_CHECKING:
    from deepdiff import DeepDiff


def left_scoped(desired: Any, observed: Any) -> Any:
    """The part of `observed` that `desired` speaks about: dict keys absent from desired are
    dropped (AWS defaults, fields we never set), recursively, lists element by element."""
    if isinstance(desired, Mapping) and isinstance(observed, Mapping):
        return {k: left_scoped(v, observed[k]) for k, v in desired.items() if k in observed}
    if isinstance(desired, list) and isinstance(observed, list) and len(desired) == len(observed):
        return [left_scoped(d, o) for d, o in zip(desired, observed)]
    return observed


def diff_fields(
    desired: Mapping[str, Any],
    observed: Mapping[str, Any],
    *,
    ignore: Iterable[str] = (),
    sensitive: Iterable[str] = (),
) -> list[FieldChange]:
    """Top-level-or-deeper field changes between desired and observed, left-scoped.

    `ignore`: top-level keys not compared (write-only or unobservable fields).
    `sensitive`: top-level keys whose values are never rendered.
    Values still UNKNOWN (known after apply) count as a change.
    """
    ignored = set(ignore)
    secret = set(sensitive)
    changes: list[FieldChange] = []
    for name, want in desired.items():
        if name in ignored:
            continue
        have = observed.get(name)
        if want is UNKNOWN:
            changes.append(FieldChange(name, have, UNKNOWN, name in secret))
            continue
        scoped = left_scoped(want, have)
        if name in secret:
            if scoped != want:
                changes.append(FieldChange(name, None, None, True))
            continue
        if scoped == want:  # the common case, and much cheaper than DeepDiff
            continue
        from deepdiff import DeepDiff  # only when something differs: its import costs ~25 ms

        delta = DeepDiff(scoped, want, ignore_order=False, verbose_level=2)
        if not delta:
            continue
        changes.extend(_to_changes(name, scoped, want, delta))
    return changes


_PATH_PART = re.compile(r"\[('([^']*)'|(\d+))\]")


def _to_changes(name: str, old: Any, new: Any, delta: DeepDiff) -> list[FieldChange]:
    # Small values: one change for the whole field reads best. Large: per leaf path.
    if not isinstance(new, (dict, list)) or _size(new) <= 6:
        return [FieldChange(name, old, new)]
    out: list[FieldChange] = []
    for kind, entries in delta.items():
        if not isinstance(entries, Mapping):
            return [FieldChange(name, old, new)]
        for path, detail in entries.items():
            dotted = name + _dotted(path)
            secret = _in_secret_entry(path, old) or _in_secret_entry(path, new)
            if kind in ("values_changed", "type_changes"):
                out.append(FieldChange(dotted, detail.get("old_value"), detail.get("new_value"), secret))
            elif kind.endswith("_added"):
                out.append(FieldChange(dotted, None, detail, secret))
            elif kind.endswith("_removed"):
                out.append(FieldChange(dotted, detail, None, secret))
            else:
                return [FieldChange(name, old, new)]
    return sorted(out, key=lambda c: c.path) or [FieldChange(name, old, new)]


def _in_secret_entry(path: str, value: Any) -> bool:
    """Whether the leaf at DeepDiff `path` is the value of a secret-looking `{name, value}` pair
    (an environment variable), so the change renders as `(sensitive)`."""
    parts = [m.group(2) if m.group(2) is not None else int(m.group(3)) for m in _PATH_PART.finditer(path.removeprefix("root"))]
    if not parts or parts[-1] != "value":
        return False
    parent = value
    try:
        for part in parts[:-1]:
            parent = parent[part]
    except (KeyError, IndexError, TypeError):
        return False
    return is_secret_entry(parent)


def _dotted(path: str) -> str:
    result = ""
    for match in _PATH_PART.finditer(path.removeprefix("root")):
        result += f".{match.group(2)}" if match.group(2) is not None else f"[{match.group(3)}]"
    return result


def _size(value: Any) -> int:
    if isinstance(value, dict):
        return sum(_size(v) for v in value.values()) or 1
    if isinstance(value, list):
        return sum(_size(v) for v in value) or 1
    return 1


def sorted_list(items: Iterable[Any], key: str | None = None) -> list[Any]:
    """Canonical order for set-like lists (security-group rules, subnet ids, tags)."""
    items = list(items)
    if key is None:
        return sorted(items, key=repr)
    return sorted(items, key=lambda item: repr(item.get(key)))
