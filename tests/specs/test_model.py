"""The ServerlessContainer model: defaults, validation rules and the JSON Schema."""

from __future__ import annotations

import pydantic
import pytest

from specs import ServerlessContainer, json_schema


def validate(spec: dict | None = None, **metadata) -> ServerlessContainer:
    document = {
        "apiVersion": "reconcile.dev/v1alpha1",
        "kind": "ServerlessContainer",
        "metadata": {"name": "posts-api", **metadata},
    }
    if spec is not None:
        document["spec"] = spec
    return ServerlessContainer.model_validate(document)


def error_of(spec: dict | None = None, **metadata) -> str:
    with pytest.raises(pydantic.ValidationError) as raised:
        validate(spec, **metadata)
    return str(raised.value)


def test_defaults():
    model = validate()
    assert model.metadata.environment == "dev"
    assert model.spec.source == "."
    assert model.spec.api is not None and model.spec.api.type == "REST"
    assert model.spec.hosting is None
    assert (model.spec.task.cpu, model.spec.task.memory) == (512, 1024)
    assert model.spec.logs.retention_days == 30
    assert model.spec.network is None and model.vpc_cidr == "10.0.0.0/16"
    assert model.spec.replicas is None and model.spec.adopt is False
    assert model.key == ("dev", "posts-api")


def test_camel_case_keys_map_to_python_attributes():
    model = validate({"highAvailability": True, "logs": {"retentionDays": 7},
                      "api": {"restrictAccess": True, "cors": {"allowOrigins": ["https://a.io"],
                                                                "maxAge": 60}}})
    assert model.spec.high_availability is True
    assert model.spec.logs.retention_days == 7
    assert model.spec.api.cors.allow_origins == ["https://a.io"]
    assert model.spec.api.cors.max_age == 60


def test_models_are_frozen():
    model = validate()
    with pytest.raises(pydantic.ValidationError):
        model.spec.replicas = 3


@pytest.mark.parametrize("name", ["Posts", "1posts", "posts_api", "posts-", "a" * 33])
def test_name_must_be_a_dns_label(name):
    assert "DNS label" in error_of(name=name)


def test_environment_is_a_short_dns_label():
    assert "at most 16" in error_of(environment="a" * 17)
    assert validate(environment="staging-2").environment == "staging-2"


def test_hosting_only_replaces_the_default_api():
    model = validate({"hosting": {"domain": "example.com"}})
    assert model.spec.api is None and model.spec.hosting.dns == "route53"


def test_api_and_hosting_together_is_an_error():
    assert "cannot both be set" in error_of({"api": {}, "hosting": {"domain": "example.com"}})


@pytest.mark.parametrize("cpu,memory", [(256, 512), (256, 2048), (512, 4096), (1024, 8192),
                                        (4096, 30720), (8192, 20480), (16384, 122880)])
def test_valid_fargate_sizes(cpu, memory):
    assert validate({"task": {"cpu": cpu, "memory": memory}}).spec.task.memory == memory


@pytest.mark.parametrize("cpu,memory", [(256, 4096), (512, 1536), (8192, 17408),
                                        (16384, 40000), (300, 1024)])
def test_invalid_fargate_sizes_are_refused(cpu, memory):
    message = error_of({"task": {"cpu": cpu, "memory": memory}})
    assert "Fargate" in message


@pytest.mark.parametrize("days", [0, 2, 4000, "30"])
def test_log_retention_must_be_a_cloudwatch_value(days):
    assert "retention values" in error_of({"logs": {"retentionDays": days}})


@pytest.mark.parametrize("cidr", ["10.0.0.0/8", "10.0.0.0/25", "10.0.0.1/16", "fd00::/16",
                                  "banana"])
def test_network_cidr_must_be_ipv4_slash_16_to_24(cidr):
    assert "IPv4 network" in error_of({"network": {"cidr": cidr}})


def test_network_block_needs_a_cidr():
    assert validate({"network": {"cidr": "10.1.0.0/16"}}).vpc_cidr == "10.1.0.0/16"
    assert "cidr" in error_of({"network": {}})


@pytest.mark.parametrize("replicas", [-1, 1.5, "2", True])
def test_replicas_must_be_a_non_negative_integer(replicas):
    assert "must be an integer ≥ 0" in error_of({"replicas": replicas})


def test_storage_grants():
    model = validate({"storage": [{"table": "posts", "permissions": ["read", "update"]}]})
    assert model.spec.storage[0].create is False
    assert "'create', 'read', 'update' or 'delete'" in error_of(
        {"storage": [{"table": "posts", "permissions": ["write"]}]})
    assert "listed twice" in error_of({"storage": [{"table": "posts", "permissions": ["read"]},
                                                   {"table": "posts", "permissions": ["read"]}]})


def test_entrypoint_port_range():
    assert "between 1 and 65535" in error_of({"entrypoint": {"container": "web", "port": 70000}})


def test_json_schema_describes_the_whole_document_with_yaml_keys():
    schema = json_schema()
    assert set(schema["properties"]) == {"apiVersion", "kind", "metadata", "spec"}
    spec = schema["$defs"]["Spec"]
    assert {"highAvailability", "replicas", "entrypoint", "storage"} <= set(spec["properties"])
    assert spec["additionalProperties"] is False
    assert schema["$defs"]["LogsSpec"]["properties"]["retentionDays"]["default"] == 30


def test_hosting_takes_aliases_a_health_check_path_and_external_dns():
    hosting = validate({"hosting": {"domain": "example.com", "aliases": ["www.example.com"], "dns": "external",
                                    "healthCheckPath": "/health", "restrictAccess": True}}).spec.hosting
    assert hosting.aliases == ["www.example.com"] and hosting.dns == "external"
    assert hosting.health_check_path == "/health" and hosting.restrict_access


def test_hosting_refuses_a_name_twice_and_more_aliases_than_a_load_balancer_rule_holds():
    assert "already named" in error_of({"hosting": {"domain": "example.com", "aliases": ["example.com"]}})
    too_many = [f"{n}.example.com" for n in "abcde"]
    assert "at most 4" in error_of({"hosting": {"domain": "example.com", "aliases": too_many}})
    assert "HTTP path" in error_of({"hosting": {"domain": "example.com", "healthCheckPath": "health"}})


def test_an_api_takes_a_custom_domain():
    api = validate({"api": {"domain": "api.example.com", "dns": "external"}}).spec.api
    assert (api.domain, api.dns) == ("api.example.com", "external")
    assert "domain name" in error_of({"api": {"domain": "Not A Domain"}})
