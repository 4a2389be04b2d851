"""The Translation as a whole: AWS request shapes, render(), text rendering, the examples."""

from __future__ import annotations

import ast
import json
import os
from pathlib import Path

import pytest

from specs import AwsLocation, Entrypoint, discover, load_file, render_text, translate

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"

# Amplify's e2e fixture (resources/api-container/docker-compose.yml), secrets included.
AMPLIFY_FIXTURE = """\
version: '3.8'
services:
  express:
    build:
      context: ./express
      dockerfile: Dockerfile
    ports:
      - '8080:8080'
    networks:
      - public
      - private
    secrets:
      - PASSWORD
  python:
    build:
      context: ./python
      dockerfile: Dockerfile
    networks:
      - public
      - private
    ports:
      - '5000:5000'
networks:
  public:
  private:
secrets:
  PASSWORD:
    file: ../secrets/.secret-password
"""


@pytest.fixture
def amplify(project):
    project.write("src/express/Dockerfile", "FROM node\nENV PORT=8080\nEXPOSE 8080\n")
    project.write("src/python/Dockerfile", "FROM python\nEXPOSE 5000\n")
    project.write("secrets/.secret-password", "CONTAINER_SECRETS_PASSWORD")
    project.compose(AMPLIFY_FIXTURE,
                    spec="spec:\n  source: ./src\n  entrypoint: {container: express, port: 8080}\n")
    return project


def test_amplify_fixture_translates_both_containers_with_their_ports(amplify):
    translation = amplify.translate()
    assert [(c["name"], c["portMappings"][0]["containerPort"]) for c in translation.containers] \
        == [("express", 8080), ("python", 5000)]
    assert translation.entrypoint == Entrypoint("express", 8080)
    assert translation.containers[0]["secrets"][0]["name"] == "PASSWORD"
    assert "secrets" not in translation.containers[1]
    assert {name: spec.context for name, spec in translation.build.items()} == \
        {"express": "express", "python": "python"}
    assert len([w for w in translation.warnings if "'networks' is ignored" in w]) == 3


def test_render_has_exactly_the_agreed_keys(amplify):
    rendered = amplify.translate().render()
    assert set(rendered) == {"taskDefinition", "service", "entrypoint", "build", "sources",
                             "notes", "warnings"}
    assert rendered["entrypoint"] == {"container": "express", "port": 8080}
    assert rendered["build"]["python"] == {"context": "python", "dockerfile": "Dockerfile",
                                           "args": {}}
    json.dumps(rendered)  # JSON-able


def test_task_definition_is_a_register_task_definition_request(amplify):
    definition = amplify.translate().task_definition()
    assert {k: v for k, v in definition.items() if k != "containerDefinitions"} == {
        "family": "dev-demo", "networkMode": "awsvpc", "requiresCompatibilities": ["FARGATE"],
        "cpu": "512", "memory": "1024"}
    assert all(c["essential"] is True for c in definition["containerDefinitions"])


def test_task_size_comes_from_the_spec_as_strings(project):
    project.compose("services:\n  web:\n    image: nginx\n    ports: ['80']\n",
                    spec="spec:\n  source: ./src\n  task: {cpu: 1024, memory: 3072}\n")
    translation = project.translate()
    assert (translation.cpu, translation.memory) == ("1024", "3072")


def test_service_is_a_create_service_subset(amplify):
    assert amplify.translate().service() == {"serviceName": "demo", "desiredCount": 1,
                                             "launchType": "FARGATE"}


def test_task_definition_is_a_copy(amplify):
    translation = amplify.translate()
    translation.task_definition()["containerDefinitions"][0]["name"] = "changed"
    assert translation.containers[0]["name"] == "express"


def test_render_text_is_readable(amplify):
    text = render_text(amplify.translate())
    assert "dev-demo: 1 replica on Fargate (512 cpu units, 1024 MiB)" in text
    assert "entrypoint: express:8080" in text
    assert "    ports: 5000" in text
    assert "secrets: PASSWORD (from Secrets Manager)" in text
    assert "warnings (3):" in text


def test_translation_uses_the_location_for_images_and_arns(amplify):
    translation = amplify.translate(AwsLocation(account_id="111122223333", region="eu-central-1"))
    express = translation.containers[0]
    assert express["image"] == "111122223333.dkr.ecr.eu-central-1.amazonaws.com/dev/demo/express:latest"
    assert express["secrets"][0]["valueFrom"] == \
        "arn:aws:secretsmanager:eu-central-1:111122223333:secret:dev/demo/PASSWORD"


def test_built_container_names_must_suit_ecr(project):
    project.compose("services:\n  Web:\n    build: .\n    ports: ['80']\n")
    (error,) = project.errors()
    assert error.startswith("src/docker-compose.yml:2:3: services.Web: container name 'Web' "
                            "cannot name an ECR repository")


@pytest.mark.parametrize("example", ["single-dockerfile", "compose-api"])
def test_examples_translate_without_errors(example, monkeypatch):
    monkeypatch.chdir(REPO)
    (loaded,) = load_file(os.path.join("examples", example, "spec.yaml"))
    translation = translate(loaded)
    assert translation.containers


def test_single_dockerfile_example(monkeypatch):
    monkeypatch.chdir(REPO)
    (loaded,) = load_file("examples/single-dockerfile/spec.yaml")
    translation = translate(loaded)
    assert translation.entrypoint == Entrypoint("app", 8080)
    assert translation.warnings == []


def test_compose_api_example(monkeypatch):
    monkeypatch.chdir(REPO)
    (loaded,) = load_file("examples/compose-api/spec.yaml")
    translation = translate(loaded)
    assert translation.entrypoint == Entrypoint("express", 8080)
    assert [f.name for f in translation.secret_files] == ["PASSWORD"]
    assert translation.secret_files[0].containers == ["express"]
    assert all("'networks' is ignored" in w for w in translation.warnings)


def test_discover_finds_both_examples(monkeypatch):
    monkeypatch.chdir(REPO)
    specs, errors = discover(["examples"])
    assert errors == []
    assert sorted(s.model.name for s in specs) == ["hello-api", "images-api"]


def test_specs_package_imports_nothing_of_ours_and_no_aws_sdk():
    forbidden = ("reconciler", "controllers", "boto3", "botocore")
    for path in (REPO / "specs").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                assert name.split(".")[0] not in forbidden, f"{path.name} imports {name}"


def test_modules_stay_small():
    for path in (REPO / "specs").glob("*.py"):
        assert len(path.read_text().splitlines()) <= 500, path.name
