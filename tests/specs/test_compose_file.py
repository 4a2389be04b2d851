"""The compose file as a whole: YAML 1.2, version, services, top-level keys, replicas, lint."""

from __future__ import annotations

import pytest

from .helpers import one


def test_compose_without_version_is_read_normally(project):
    project.compose("services:\n  web:\n    image: nginx\n    ports: ['80']\n")
    assert [c["name"] for c in project.translate().containers] == ["web"]


@pytest.mark.parametrize("version", ['"3.8"', "3", "'2.4'", "3.8", '"3"'])
def test_any_2_or_3_version_is_accepted_without_warning(project, version):
    project.compose(f"version: {version}\nservices:\n  web:\n    image: nginx\n    ports: ['80']\n")
    assert project.warnings() == []


def test_compose_ports_are_yaml_1_2_strings(project):
    # YAML 1.1 would read 25:25 as the base-60 number 1525.
    project.compose("services:\n  mail:\n    image: postfix\n    ports:\n      - 25:25\n")
    assert project.translate().containers[0]["portMappings"][0]["containerPort"] == 25


def test_yes_and_no_stay_strings_in_environment(project):
    project.compose("services:\n  web:\n    image: nginx\n    ports: ['80']\n"
                    "    environment:\n      ENABLED: yes\n      LEGACY: off\n")
    assert project.translate().containers[0]["environment"] == [
        {"name": "ENABLED", "value": "yes"}, {"name": "LEGACY", "value": "off"}]


def test_anchors_and_merge_keys_in_compose(project):
    project.compose("""\
        x-base: &base
          image: node:22
          environment:
            LOG: info
        services:
          web:
            <<: *base
            ports: ['80']
          worker:
            <<: *base
            command: node worker.js
        """, spec="spec:\n  source: ./src\n  entrypoint: {container: web}\n")
    translation = project.translate()
    assert [c["image"] for c in translation.containers] == ["node:22", "node:22"]
    assert translation.containers[1]["environment"] == [{"name": "LOG", "value": "info"}]
    assert translation.warnings == []


def test_file_without_services_is_an_error(project):
    project.compose("version: '3.8'\nnetworks: {}\n")
    assert project.errors() == ["src/docker-compose.yml:1:1: a compose file needs a 'services' "
                                "mapping with at least one service"]


def test_services_that_is_not_a_mapping_is_an_error(project):
    project.compose("services:\n  - web\n")
    assert project.errors() == ["src/docker-compose.yml:1:1: services: a compose file needs a "
                                "'services' mapping with at least one service"]


def test_compose_syntax_error_names_the_compose_file(project):
    project.compose("services:\n  web: {image: nginx\n")
    (error,) = project.errors()
    assert error.startswith("src/docker-compose.yml:3:1: YAML syntax error")


@pytest.mark.parametrize("key", ["networks", "volumes", "configs", "name"])
def test_unhonoured_top_level_keys_warn_once(project, key):
    project.compose(f"{key}: {{}}\nservices:\n  web:\n    image: nginx\n    ports: ['80']\n")
    warning = one(project.warnings(), f"top-level '{key}' is ignored")
    assert warning.startswith("src/docker-compose.yml:1:1: ")


def test_different_replicas_warn_and_the_highest_wins(project):
    project.compose("""\
        services:
          web:
            image: nginx
            ports: ['80']
            deploy: {replicas: 2}
          worker:
            image: busybox
            deploy: {replicas: 3}
        """)
    translation = project.translate()
    assert translation.replicas == 3 and translation.service()["desiredCount"] == 3
    one(translation.warnings, "different deploy.replicas (web: 2, worker: 3)", "highest, 3")


def test_spec_replicas_override_compose(project):
    project.compose("services:\n  web:\n    image: nginx\n    ports: ['80']\n"
                    "    deploy: {replicas: 4}\n",
                    spec="spec:\n  source: ./src\n  replicas: 0\n")
    assert project.translate().replicas == 0


def test_replicas_default_to_one(project):
    project.compose("services:\n  web:\n    image: nginx\n    ports: ['80']\n")
    assert project.translate().replicas == 1


@pytest.mark.parametrize("replicas", ["two", "1.5", "-1", "true"])
def test_non_integer_replicas_is_an_error(project, replicas):
    project.compose(f"services:\n  web:\n    image: nginx\n    ports: ['80']\n"
                    f"    deploy:\n      replicas: {replicas}\n")
    (error,) = project.errors()
    assert error.startswith("src/docker-compose.yml:6:7: services.web.deploy.replicas: must be "
                            "an integer ≥ 0")


@pytest.mark.parametrize("value,host", [
    ("db", "db"),
    ("redis://cache:6379/0", "cache"),
    ("postgres://user:pw@db:5432/app", "db"),
    ("db:5432", "db"),
    ("kafka-1:9092,cache:6379", "cache"),
])
def test_environment_naming_another_service_as_host_warns(project, value, host):
    project.compose(f"""\
        services:
          web:
            image: node
            ports: ['80']
            environment:
              TARGET: "{value}"
          db:
            image: postgres
          cache:
            container_name: cache
            image: redis
        """)
    warning = one(project.warnings(), "TARGET points at")
    assert warning.startswith("src/docker-compose.yml:6:7: service 'web': environment variable "
                              f"TARGET points at service '{host}' as host '{host}'")
    assert warning.endswith("so that host is localhost")


def test_environment_not_naming_a_service_gives_no_lint(project):
    project.compose("services:\n  web:\n    image: node\n    ports: ['80']\n    environment:\n"
                    "      URL: https://dbx.example.com\n      MODE: web\n  db:\n    image: postgres\n")
    assert project.warnings() == []


def test_unknown_top_level_key_warns_once(project):
    project.compose("services:\n  web:\n    image: nginx\n    ports: ['80']\nfoo: {a: 1}\n")
    assert project.warnings() == ["src/docker-compose.yml:5:1: top-level 'foo' is ignored: it has "
                                  "no equivalent in this Fargate deployment"]


def test_secret_name_key_is_ignored_with_warning(project):
    project.write("secrets/.secret-db", "x")
    project.compose("services:\n  web:\n    image: nginx\n    ports: ['80']\n    secrets: [DB]\n"
                    "secrets:\n  DB:\n    name: prod-db\n    file: ../secrets/.secret-db\n")
    translation = project.translate()
    assert [f.name for f in translation.secret_files] == ["DB"]
    one(translation.warnings, "secret 'DB': 'name' is ignored")


def test_unset_variable_warns_once_per_name(project):
    project.compose("services:\n  web:\n    image: nginx:${TAG}\n    ports: ['80']\n"
                    "    environment: ['A=${TAG}']\n")
    assert len([w for w in project.warnings() if "'TAG'" in w]) == 1


def test_compose_file_with_several_documents_is_an_error(project):
    project.compose("services:\n  web: {image: nginx}\n---\nservices: {}\n")
    assert project.errors() == ["src/docker-compose.yml: must hold one YAML mapping with a "
                                "'services' mapping"]
