"""Turn pydantic's ValidationError into short SpecErrors that point at the YAML line.

No "Input should be ..." walls and no pydantic URLs: each error becomes
`file:line:col: spec.replicas: must be an integer ≥ 0`.
"""

from __future__ import annotations

import difflib
import types
import typing
from typing import Any

from pydantic import BaseModel, ValidationError

from specs.errors import SpecError
from specs.yaml_source import YamlDocument

_TYPE_MESSAGES = {
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "int_type": "must be an integer",
    "int_parsing": "must be an integer",
    "int_from_float": "must be an integer",
    "float_type": "must be a number",
    "string_type": "must be a string",
    "list_type": "must be a list",
    "dict_type": "must be a mapping",
    "model_type": "must be a mapping",
    "model_attributes_type": "must be a mapping",
    "missing": "is required",
    "string_too_short": "must not be empty",
}


def validation_errors(
    error: ValidationError, document: YamlDocument, root: type[BaseModel]
) -> list[SpecError]:
    errors = [_friendly(detail, document, root) for detail in error.errors(include_url=False)]
    return sorted(errors, key=lambda e: (e.line or 0, e.column or 0))


def _friendly(detail: dict, document: YamlDocument, root: type[BaseModel]) -> SpecError:
    loc = tuple(part for part in detail["loc"] if part != "[key]")
    ctx = detail.get("ctx") or {}
    at = ctx.get("at")
    if at is not None:  # our model validators say which field they blame
        loc += at if isinstance(at, tuple) else (at,)
    kind = detail["type"]
    if kind == "extra_forbidden":
        message = "unknown field" + _suggestion(root, loc)
    elif kind == "literal_error":
        message = f"must be {ctx.get('expected', 'one of the allowed values')}" + _got(detail)
    elif kind in _TYPE_MESSAGES:
        message = _TYPE_MESSAGES[kind] + ("" if kind == "missing" else _got(detail))
    elif kind in ("too_short", "too_long"):
        message = _length_message(kind, ctx)
    elif kind.startswith(("greater_than", "less_than")):
        message = _bound_message(kind, ctx) + _got(detail)
    elif kind == "invalid_value":  # raised by the model's own checks, already phrased for users
        message = detail["msg"] + _got(detail)
    else:
        message = detail["msg"].removeprefix("Value error, ").replace("Input should be", "must be")
    return document.error(loc, message)


def _got(detail: dict) -> str:
    value = detail.get("input")
    if isinstance(value, (str, int, float, bool)) and len(repr(value)) <= 40:
        return f" (got {value!r})"
    if isinstance(value, dict):
        return " (got a mapping)"
    if isinstance(value, list):
        return " (got a list)"
    if value is None:
        return " (got null)"
    return ""


def _length_message(kind: str, ctx: dict) -> str:
    if kind == "too_short":
        count = ctx.get("min_length", 1)
        return f"must have at least {count} item{'s' if count != 1 else ''}"
    return f"must have at most {ctx.get('max_length')} items"


def _bound_message(kind: str, ctx: dict) -> str:
    symbols = {"greater_than": ">", "greater_than_equal": "≥", "less_than": "<",
               "less_than_equal": "≤"}
    bound = next(iter(v for k, v in ctx.items() if k in ("gt", "ge", "lt", "le")), "?")
    return f"must be {symbols.get(kind, kind)} {bound}"


def _suggestion(root: type[BaseModel], loc: tuple) -> str:
    known = _known_keys(root, loc[:-1])
    if not known or not isinstance(loc[-1], str):
        return ""
    close = _closest(loc[-1], known)
    if close:
        return f"; did you mean '{close}'?"
    return "; expected one of: " + ", ".join(known)


def _closest(given: str, known: list[str]) -> str | None:
    # Case-insensitive, so `highavailability` and `restrict_access` find their camelCase key.
    folded = {key.lower().replace("_", ""): key for key in known}
    wanted = given.lower().replace("_", "")
    close = difflib.get_close_matches(wanted, list(folded), n=1, cutoff=0.7)
    if close:
        return folded[close[0]]
    prefixed = [key for folded_key, key in folded.items() if folded_key.startswith(wanted)]
    return prefixed[0] if len(wanted) >= 3 and len(prefixed) == 1 else None


def _known_keys(root: type[BaseModel], loc: tuple) -> list[str]:
    """The YAML keys the model at `loc` accepts (aliases), following fields and list items."""
    annotation: Any = root
    for part in loc:
        if isinstance(part, int):
            annotation = _item_type(annotation)
            continue
        model = _model_class(annotation)
        if model is None:
            return []
        field = _field_by_key(model, part)
        if field is None:
            return []
        annotation = field.annotation
    model = _model_class(annotation)
    if model is None:
        return []
    return [info.alias or name for name, info in model.model_fields.items()]


def _field_by_key(model: type[BaseModel], key: str):
    for name, info in model.model_fields.items():
        if key in (name, info.alias):
            return info
    return None


def _unwrap(annotation: Any) -> list[Any]:
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        return [inner for arg in typing.get_args(annotation) for inner in _unwrap(arg)]
    return [annotation]


def _model_class(annotation: Any) -> type[BaseModel] | None:
    for candidate in _unwrap(annotation):
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            return candidate
    return None


def _item_type(annotation: Any) -> Any:
    for candidate in _unwrap(annotation):
        if typing.get_origin(candidate) in (list, tuple) and typing.get_args(candidate):
            return typing.get_args(candidate)[0]
    return None
