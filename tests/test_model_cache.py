"""botocore's models parsed once per machine (reconciler.model_cache), and the state store's
own DynamoDB attribute codec (reconciler.state.attributes): both replace library code on every
command's path, so both are checked against the library they replace."""
from __future__ import annotations

import os
import stat
from decimal import Decimal

import botocore.session
import pytest
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

from reconciler.aws import ClientFactory, Endpoint
from reconciler.model_cache import CACHE_ENV
from reconciler.state.attributes import from_item, to_item


def factory() -> ClientFactory:
    return ClientFactory(Endpoint("us-east-1", "http://127.0.0.1:9", "x", "x", emulated=True))


def operations(client) -> list[str]:
    return sorted(client.meta.service_model.operation_names)


def test_models_are_cached_and_read_back_as_botocore_parses_them(tmp_path, monkeypatch):
    monkeypatch.setenv(CACHE_ENV, str(tmp_path))
    plain = botocore.session.Session().create_client("ec2", region_name="us-east-1")
    first = factory().client("ec2")
    entries = list(tmp_path.rglob("*.marshal"))
    assert entries, "the parsed models were written to the cache"
    second = factory().client("ec2")  # read from the cache
    assert operations(first) == operations(second) == operations(plain)
    shape = second.meta.service_model.operation_model("DescribeVpcs").output_shape
    assert shape.members["Vpcs"].member.members["VpcId"].type_name == "string"
    assert len(list(tmp_path.rglob("*.marshal"))) == len(entries)  # nothing parsed again


def test_an_unwritable_cache_is_only_slower(tmp_path, monkeypatch):
    if os.geteuid() == 0:
        target = tmp_path / "a-file"  # root writes anywhere: a file where the directory should be
        target.write_text("")
        monkeypatch.setenv(CACHE_ENV, str(target / "cache"))
    else:
        tmp_path.chmod(stat.S_IRUSR | stat.S_IXUSR)
        monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    assert "DescribeVpcs" in operations(factory().client("ec2"))


def test_the_cache_can_be_turned_off(tmp_path, monkeypatch):
    monkeypatch.setenv(CACHE_ENV, "off")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert "Query" in operations(factory().client("dynamodb"))
    assert not list(tmp_path.rglob("*.marshal"))


@pytest.mark.parametrize("value", [
    {"pk": "env#dev", "n": 7, "big": 1765000000123, "flag": True, "off": False, "nothing": None,
     "nested": {"list": [1, "two", {"three": [True, None]}], "empty": {}, "emptyList": []}},
    {"pk": "x", "names": {"b", "a"}},
])
def test_attributes_encode_as_boto3_does_and_read_back_as_plain_data(value):
    ours = to_item(value)
    theirs = {k: TypeSerializer().serialize(v) for k, v in value.items() if v is not None}
    if "names" in theirs:  # boto3 writes a set's members in any order, we sort them
        theirs["names"]["SS"] = sorted(theirs["names"]["SS"])
    assert ours == theirs
    back = from_item(ours)
    expected = {k: (sorted(v) if isinstance(v, set) else v) for k, v in value.items() if v is not None}
    assert back == expected
    boto = {k: TypeDeserializer().deserialize(v) for k, v in ours.items()}
    assert all(isinstance(v, (int, Decimal)) for k, v in boto.items() if k in ("n", "big"))


def test_fractions_are_kept_and_floats_refused():
    assert from_item({"x": {"N": "1.5"}})["x"] == Decimal("1.5")
    with pytest.raises(TypeError, match="floats"):
        to_item({"x": 1.5})
