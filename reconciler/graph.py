"""Ordering of kinds by their typed output references. A cycle is a load-time error."""
from __future__ import annotations

from collections.abc import Iterable, Mapping

from reconciler.resource import Resource


class GraphError(Exception):
    pass


def kind_dependencies(resources: Iterable[Resource]) -> dict[str, set[str]]:
    deps: dict[str, set[str]] = {}
    for resource in resources:
        needed = deps.setdefault(resource.key.kind, set())
        needed.update(ref.kind for ref in resource.refs() if ref.kind != resource.key.kind)
    return deps


def order_kinds(kinds: Iterable[str], deps: Mapping[str, set[str]]) -> list[str]:
    """Kinds in dependency order (dependencies first); ties broken by the given order, so the
    result is deterministic. Raises GraphError naming the cycle."""
    kinds = list(kinds)
    known = set(kinds)
    for kind, needed in deps.items():
        missing = needed - known
        if missing:
            raise GraphError(f"{kind} references {', '.join(sorted(missing))}, which no controller provides")
    ordered: list[str] = []
    state: dict[str, str] = {}

    def visit(kind: str, path: list[str]) -> None:
        if state.get(kind) == "done":
            return
        if state.get(kind) == "visiting":
            cycle = path[path.index(kind):] + [kind]
            raise GraphError("reference cycle: " + " -> ".join(cycle))
        state[kind] = "visiting"
        for needed in sorted(deps.get(kind, ()), key=kinds.index):
            visit(needed, path + [kind])
        state[kind] = "done"
        ordered.append(kind)

    for kind in kinds:
        visit(kind, [])
    return ordered
