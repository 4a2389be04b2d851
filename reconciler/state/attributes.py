"""DynamoDB attribute values, to and from plain Python (the wire format of the low-level API:
https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_AttributeValue.html).

Written here rather than taken from boto3.dynamodb.types: importing that module imports boto3 and
s3transfer (~80 ms on every command), and the state store needs only this. What we store is plain
data: strings, integers, booleans, maps and lists; sets read back as sorted lists. Numbers are
integers (we store no fractions: timestamps are milliseconds); a fraction read back stays a
Decimal rather than losing precision.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any


def serialize(value: Any) -> dict[str, Any]:
    if value is None:
        return {"NULL": True}
    if isinstance(value, bool):  # before int: bool is an int
        return {"BOOL": value}
    if isinstance(value, (int, Decimal)):
        return {"N": str(value)}
    if isinstance(value, float):
        raise TypeError("floats are not stored in the state table (use integers)")
    if isinstance(value, str):
        return {"S": value}
    if isinstance(value, (bytes, bytearray)):
        return {"B": bytes(value)}
    if isinstance(value, dict):
        return {"M": {str(k): serialize(v) for k, v in value.items()}}
    if isinstance(value, (list, tuple)):
        return {"L": [serialize(v) for v in value]}
    if isinstance(value, (set, frozenset)):
        if all(isinstance(v, str) for v in value) and value:
            return {"SS": sorted(value)}
        if value and all(isinstance(v, int) and not isinstance(v, bool) for v in value):
            return {"NS": [str(v) for v in sorted(value)]}
        return {"L": [serialize(v) for v in sorted(value, key=repr)]}
    raise TypeError(f"cannot store a {type(value).__name__} in the state table")


def _number(text: str) -> int | Decimal:
    number = Decimal(text)
    return int(number) if number == number.to_integral_value() else number


def deserialize(attribute: dict[str, Any]) -> Any:
    [(tag, value)] = attribute.items()
    if tag == "S":
        return value
    if tag == "N":
        return _number(value)
    if tag == "BOOL":
        return bool(value)
    if tag == "NULL":
        return None
    if tag == "M":
        return {k: deserialize(v) for k, v in value.items()}
    if tag == "L":
        return [deserialize(v) for v in value]
    if tag == "SS":
        return sorted(value)
    if tag == "NS":
        return sorted(_number(v) for v in value)
    if tag == "B":
        return value
    if tag == "BS":
        return sorted(value)
    raise ValueError(f"unknown DynamoDB attribute type {tag!r}")


def to_item(item: dict[str, Any]) -> dict[str, Any]:
    """A state item for PutItem/TransactWriteItems: top-level Nones are left out."""
    return {k: serialize(v) for k, v in item.items() if v is not None}


def from_item(item: dict[str, Any]) -> dict[str, Any]:
    return {k: deserialize(v) for k, v in item.items()}
