"""Merge compose models the way `docker compose -f a -f b` and `extends` do, keeping positions.

A tree is a value plus `positions`: for every path inside it (relative to the value), the
(file, line, column) where that key or item was written. Merging keeps, for each resulting
key, the position of the file that provided it, so errors still point at the right line.

Compose's rules, for the keys we read: mappings merge key by key (environment, build args,
depends_on, deploy, healthcheck); sequences are appended (ports, env_file, secrets, profiles);
`command`, `entrypoint` and `healthcheck.test` are replaced whole; scalars are replaced.
`!reset` removes a key and `!override` replaces it whole.
"""

from __future__ import annotations

from typing import Any

import yaml

from specs.yaml_source import Path, Yaml12Loader

Location = tuple[str, int, int]  # (file as shown, line, column)
Positions = dict[Path, Location]

_REPLACED = {("command",), ("entrypoint",), ("healthcheck", "test")}  # relative to a service


class _Reset:
    def __repr__(self) -> str:
        return "!reset"


RESET = _Reset()


class OverrideDict(dict):
    """A mapping tagged `!override`: replaces instead of merging."""


class OverrideList(list):
    """A sequence tagged `!override`: replaces instead of appending."""


class ComposeYamlLoader(Yaml12Loader):
    """The YAML 1.2 loader plus Compose's `!reset` and `!override` tags."""

    def flatten_mapping(self, node: yaml.MappingNode) -> None:
        # `<<: [*a, *b]`: the earlier mapping wins (YAML's merge-key rule, and go-yaml's);
        # PyYAML lets the later one win, so keep only the first of each merged key, and none
        # the node sets itself: every flattened node then holds each key once.
        own = [pair for pair in node.value if pair[0].tag != "tag:yaml.org,2002:merge"]
        super().flatten_mapping(node)
        own_ids = {id(pair) for pair in own}
        seen: set[tuple[str, Any]] = {_key_of(pair[0]) for pair in own}
        merged = []
        for pair in node.value:
            if id(pair) in own_ids:
                continue
            key = _key_of(pair[0])
            if key not in seen:
                seen.add(key)
                merged.append(pair)
        node.value = merged + own


def _key_of(node: yaml.Node) -> tuple[str, Any]:
    return node.tag, node.value if isinstance(node, yaml.ScalarNode) else id(node)


def _construct_reset(loader: yaml.SafeLoader, node: yaml.Node) -> _Reset:
    return RESET


def _construct_override(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    if isinstance(node, yaml.MappingNode):
        return OverrideDict(loader.construct_mapping(node, deep=True))
    if isinstance(node, yaml.SequenceNode):
        return OverrideList(loader.construct_sequence(node, deep=True))
    return loader.construct_scalar(node)  # a scalar always replaces


def _construct_go_yaml_int(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> int:
    # Compose's YAML library (go-yaml v3) still reads a leading 0 as octal: `0440` is 288.
    text = loader.construct_scalar(node)
    digits = text.lstrip("+-")
    if len(digits) > 1 and digits[0] == "0" and digits.isdigit() and set(digits) <= set("01234567"):
        return (-1 if text.startswith("-") else 1) * int(digits, 8)
    return Yaml12Loader.yaml_constructors["tag:yaml.org,2002:int"](loader, node)


ComposeYamlLoader.add_constructor("tag:yaml.org,2002:int", _construct_go_yaml_int)
ComposeYamlLoader.add_constructor("!reset", _construct_reset)
ComposeYamlLoader.add_constructor("!override", _construct_override)


def is_override(value: Any) -> bool:
    return isinstance(value, (OverrideDict, OverrideList))


def plain(value: Any) -> Any:
    """The value without its `!override` tag (nested tags are meaningless once merged)."""
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items() if item is not RESET}
    if isinstance(value, list):
        return [plain(item) for item in value]
    return value


def subtree(positions: Positions, key: Any) -> Positions:
    """Positions inside `key`, relative to it (its own position under `()`)."""
    return {path[1:]: where for path, where in positions.items() if path and path[0] == key}


def graft(key: Any, positions: Positions) -> Positions:
    return {(key,) + path: where for path, where in positions.items()}


def without(positions: Positions, key: Any) -> Positions:
    return {path: where for path, where in positions.items() if not path or path[0] != key}


def merge(base: Any, base_at: Positions, over: Any, over_at: Positions,
          path: Path = ()) -> tuple[Any, Positions]:
    """`over` merged onto `base` at `path` (a path inside a compose file or a service)."""
    if isinstance(base, dict) and isinstance(over, dict):
        return _merge_mappings(base, base_at, over, over_at, path)
    if isinstance(base, list) and isinstance(over, list) and not is_override(over):
        shifted = {(path_[0] + len(base),) + path_[1:]: where
                   for path_, where in over_at.items() if path_}
        return base + over, {**base_at, **shifted}
    return plain(over), over_at


def _merge_mappings(base: dict, base_at: Positions, over: dict, over_at: Positions,
                    path: Path) -> tuple[dict, Positions]:
    result = dict(base)
    positions = dict(base_at)
    for key, value in over.items():
        if value is RESET:
            result.pop(key, None)
            positions = without(positions, key)
            continue
        replace = (key not in result or is_override(value) or str(key).startswith("x-")
                   or _service_path(path + (key,)) in _REPLACED)
        if replace:
            merged, merged_at = plain(value), subtree(over_at, key)
        else:
            merged, merged_at = merge(result[key], subtree(positions, key), value,
                                      subtree(over_at, key), path + (key,))
        result[key] = merged
        positions = {**without(positions, key), **graft(key, merged_at)}
    return result, positions


def _service_path(path: Path) -> Path:
    """('services', 'web', 'healthcheck', 'test') -> ('healthcheck', 'test'); a service's own
    paths (extends merges services directly) are given relative already."""
    if len(path) >= 2 and path[0] == "services":
        return path[2:]
    return path


def dedupe_secrets(service: dict, positions: Positions) -> tuple[dict, Positions]:
    """A later secret mounted at the same target replaces the earlier one, as in Compose."""
    secrets = service.get("secrets")
    if not isinstance(secrets, list):
        return service, positions
    kept: list[Any] = []
    index_of: dict[str, int] = {}
    moved: dict[int, int] = {}
    for index, entry in enumerate(secrets):
        target = _secret_target(entry)
        if target in index_of:
            kept[index_of[target]] = entry
            moved[index] = index_of[target]
        else:
            index_of[target] = len(kept)
            moved[index] = len(kept)
            kept.append(entry)
    if len(kept) == len(secrets):
        return service, positions
    inner = subtree(positions, "secrets")
    renumbered = {(moved[p[0]],) + p[1:] if p and isinstance(p[0], int) else p: where
                  for p, where in inner.items()}
    return ({**service, "secrets": kept},
            {**without(positions, "secrets"), **graft("secrets", renumbered)})


def _secret_target(entry: Any) -> str:
    # Compose's own key: a short entry or one without target mounts at /run/secrets/<source>.
    if isinstance(entry, dict):
        target = entry.get("target")
        return str(target) if target else f"/run/secrets/{entry.get('source')}"
    return f"/run/secrets/{entry}"
