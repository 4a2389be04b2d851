"""Ordering of kinds by their typed output references. A cycle, a reference to a kind no
controller provides, or to an output its kind does not declare, is a load-time error."""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from reconciler.resource import Resource


class GraphError(Exception):
    pass


def kind_dependencies(controllers: Sequence[Any], resources: Iterable[Resource] = ()) -> dict[str, set[str]]:
    """Kind -> kinds it references: what each kind declares (so deletes are ordered even when
    no spec is left to say it), plus what the resources at hand reference. A declared kind
    missing from this set of controllers orders nothing (no resource of it can exist here); a
    resource referencing one is still an error."""
    present = {c.kind for c in controllers}
    deps: dict[str, set[str]] = {c.kind: (set(getattr(c, "references", ())) & present) - {c.kind} for c in controllers}
    for resource in resources:
        needed = deps.setdefault(resource.key.kind, set())
        needed.update(ref.kind for ref in resource.refs() if ref.kind != resource.key.kind)
    return deps


def check_references(controllers: Mapping[str, Any], resources: Iterable[Resource]) -> None:
    """Every Ref names a kind that exists, that its referrer declares, and an output that kind
    declares: a typo is an error now, not a wait until --timeout."""
    for resource in resources:
        referrer = controllers.get(resource.key.kind)
        for ref in resource.refs():
            target = controllers.get(ref.kind)
            if target is None:
                raise GraphError(f"{resource.key.kind} references {ref.kind}, which no controller provides")
            declared = getattr(target, "outputs", None)
            if declared is not None and ref.output not in declared:
                raise GraphError(f"{resource.key.kind} references output {ref.output!r} of {ref.kind}, which it does "
                                 f"not declare (it has: {', '.join(sorted(declared))})")
            allowed = getattr(referrer, "references", None)
            if allowed is not None and ref.kind != resource.key.kind and ref.kind not in allowed:
                raise GraphError(f"{resource.key.kind} references {ref.kind} without declaring it in `references`")


def delete_order_key(change: Any, order: Sequence[str]) -> tuple[int, int, str]:
    """Deletes after everything else, dependents before what they depend on."""
    rank = order.index(change.kind) if change.kind in order else len(order)
    return (1, -rank, change.name)


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
