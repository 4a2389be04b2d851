"""Compose secrets: .secret- files outside the source folder, injected by Secrets Manager ARN."""

from __future__ import annotations

import pytest

from specs import render_text

from .helpers import one

COMPOSE = """\
services:
  web:
    image: node
    ports: ['80']
    environment:
      PASSWORD: local-only
    secrets:
      - PASSWORD
      - source: API_KEY
        target: SERVICE_API_KEY
secrets:
  PASSWORD:
    file: ../secrets/.secret-password
  API_KEY:
    file: ../secrets/.secret-api-key
"""


def write_secrets(project, *names: str) -> None:
    for name in names:
        project.write(f"secrets/{name}", "not-a-real-value")


def test_secrets_become_ecs_secrets_with_arns(project):
    write_secrets(project, ".secret-password", ".secret-api-key")
    project.compose(COMPOSE)
    translation = project.translate()
    prefix = "arn:aws:secretsmanager:us-east-1:123456789012:secret:dev/demo/"
    assert translation.containers[0]["secrets"] == [
        {"name": "PASSWORD", "valueFrom": prefix + "PASSWORD"},
        {"name": "SERVICE_API_KEY", "valueFrom": prefix + "API_KEY"},
    ]
    assert [(f.name, f.path, f.containers) for f in translation.secret_files] == [
        ("PASSWORD", str(project.root / "secrets" / ".secret-password"), ["web"]),
        ("API_KEY", str(project.root / "secrets" / ".secret-api-key"), ["web"]),
    ]


def test_environment_entry_named_like_a_secret_is_removed_with_warning(project):
    write_secrets(project, ".secret-password", ".secret-api-key")
    project.compose(COMPOSE)
    translation = project.translate()
    assert "environment" not in translation.containers[0]
    assert one(translation.warnings, "PASSWORD") == (
        "src/docker-compose.yml:6:7: service 'web': environment variable 'PASSWORD' is replaced "
        "by secret 'PASSWORD'")


def test_secret_values_are_never_read_into_the_translation(project):
    project.write("secrets/.secret-password", "super-secret-value-xyz")
    project.compose("services:\n  web:\n    image: node\n    ports: ['80']\n"
                    "    secrets: [PASSWORD]\n"
                    "secrets:\n  PASSWORD:\n    file: ../secrets/.secret-password\n")
    translation = project.translate()
    assert "super-secret-value-xyz" not in repr(translation)
    assert "super-secret-value-xyz" not in str(translation.render())
    assert "super-secret-value-xyz" not in render_text(translation)


def test_missing_secret_file_is_an_error_naming_secret_and_file(project):
    project.compose("services:\n  web:\n    image: node\n    ports: ['80']\n    secrets: [DB]\n"
                    "secrets:\n  DB:\n    file: ../secrets/.secret-db\n")
    assert project.errors() == [
        "src/docker-compose.yml:8:5: secrets.DB.file: secret 'DB' (file '../secrets/.secret-db'): "
        "the file does not exist"]


def test_secret_file_name_must_start_with_dot_secret(project):
    project.write("secrets/password.txt", "x")
    project.compose("services:\n  web:\n    image: node\n    ports: ['80']\n    secrets: [DB]\n"
                    "secrets:\n  DB:\n    file: ../secrets/password.txt\n")
    (error,) = project.errors()
    assert error.endswith("secret 'DB' (file '../secrets/password.txt'): the file name must "
                          "start with '.secret-'")


def test_secret_file_inside_the_source_folder_is_an_error(project):
    project.write("src/.secret-db", "x")
    project.compose("services:\n  web:\n    image: node\n    ports: ['80']\n    secrets: [DB]\n"
                    "secrets:\n  DB:\n    file: ./.secret-db\n")
    (error,) = project.errors()
    assert error.startswith("src/docker-compose.yml:8:5: secrets.DB.file: secret 'DB' (file "
                            "'./.secret-db'): the file is inside the source folder, which is "
                            "uploaded to S3")


def test_every_broken_secret_rule_is_reported(project):
    project.compose("services:\n  web:\n    image: node\n    ports: ['80']\n    secrets: [DB]\n"
                    "secrets:\n  DB:\n    file: ./db.txt\n")
    errors = project.errors()
    assert len(errors) == 3
    one(errors, "does not exist")
    one(errors, "must start with '.secret-'")
    one(errors, "inside the source folder")


def test_undeclared_secret_is_an_error(project):
    project.compose("services:\n  web:\n    image: node\n    ports: ['80']\n    secrets: [NOPE]\n")
    assert project.errors() == [
        "src/docker-compose.yml:5:15: services.web.secrets[0]: secret 'NOPE' is not declared in "
        "the top-level 'secrets' (with 'file:')"]


def test_declared_but_unused_secret_warns(project):
    write_secrets(project, ".secret-db")
    project.compose("services:\n  web:\n    image: node\n    ports: ['80']\n"
                    "secrets:\n  DB:\n    file: ../secrets/.secret-db\n")
    translation = project.translate()
    assert translation.secret_files == []
    one(translation.warnings, "src/docker-compose.yml:7:5", "secret 'DB' is declared but no "
        "service uses it")


@pytest.mark.parametrize("declaration", ["external: true", "environment: DB_PASSWORD"])
def test_external_and_environment_secrets_are_refused(project, declaration):
    project.compose("services:\n  web:\n    image: node\n    ports: ['80']\n    secrets: [DB]\n"
                    f"secrets:\n  DB:\n    {declaration}\n")
    key = declaration.split(":")[0]
    (error,) = project.errors()
    assert error.startswith(f"src/docker-compose.yml:8:5: secrets.DB.{key}: secret 'DB': '{key}' "
                            "secrets are not supported")


def test_secret_target_must_be_an_environment_variable_name(project):
    write_secrets(project, ".secret-db")
    project.compose("services:\n  web:\n    image: node\n    ports: ['80']\n    secrets:\n"
                    "      - {source: DB, target: /etc/app/db}\n"
                    "secrets:\n  DB:\n    file: ../secrets/.secret-db\n")
    (error,) = project.errors()
    assert "services.web.secrets[0].target: target '/etc/app/db' must be an environment " \
           "variable name" in error


def test_secret_target_at_compose_default_mount_point_is_its_variable_name(project):
    write_secrets(project, ".secret-db")
    project.compose("services:\n  web:\n    image: node\n    ports: ['80']\n    secrets:\n"
                    "      - {source: DB, target: /run/secrets/DB_PASSWORD}\n"
                    "secrets:\n  DB:\n    file: ../secrets/.secret-db\n")
    (container,) = project.translate().containers
    assert [entry["name"] for entry in container["secrets"]] == ["DB_PASSWORD"]


def test_example_fixture_layout_secret_relative_to_source(project):
    """Amplify's e2e layout: src/docker-compose.yml and secrets/.secret-password beside src."""
    write_secrets(project, ".secret-password")
    project.compose("services:\n  web:\n    image: node\n    ports: ['80']\n"
                    "    secrets: [PASSWORD]\n"
                    "secrets:\n  PASSWORD:\n    file: ../secrets/.secret-password\n")
    assert project.translate().secret_files[0].path == str(
        project.root / "secrets" / ".secret-password")
