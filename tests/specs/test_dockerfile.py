"""A lone Dockerfile: one container `app`, its port from the first EXPOSE."""

from __future__ import annotations

import pytest

from specs.dockerfile import first_exposed_port

from .helpers import one


def port_of(text: str):
    exposed, notes = first_exposed_port(text)
    return (exposed.port, exposed.protocol) if exposed else None, notes


@pytest.mark.parametrize("text,expected", [
    ("FROM node\nEXPOSE 8080\n", (8080, "tcp")),
    ("FROM node\nEXPOSE 8080/tcp\n", (8080, "tcp")),
    ("FROM node\nEXPOSE 53/udp\n", (53, "udp")),
    ("FROM node\nEXPOSE 8080 9090\n", (8080, "tcp")),
    ("FROM node\nexpose 3000\n", (3000, "tcp")),
    ("FROM node\nEXPOSE 3000\nEXPOSE 4000\n", (3000, "tcp")),
    ("FROM node\nEXPOSE \\\n    7000 \\\n    7001\n", (7000, "tcp")),
    ("FROM node\n# EXPOSE 1111\nEXPOSE 2222\n", (2222, "tcp")),
    ("FROM node\nRUN echo a \\\n# EXPOSE 1\n  && echo b\nEXPOSE 5555\n", (5555, "tcp")),
])
def test_first_expose_wins(text, expected):
    assert port_of(text) == (expected, [])


def test_expose_variable_resolved_from_arg_and_env_defaults():
    assert port_of("ARG PORT=3000\nEXPOSE $PORT\n")[0] == (3000, "tcp")
    assert port_of("ENV PORT=4000 OTHER=1\nEXPOSE ${PORT}\n")[0] == (4000, "tcp")
    assert port_of("ENV PORT 5000\nEXPOSE ${PORT}/udp\n")[0] == (5000, "udp")
    assert port_of("EXPOSE ${PORT:-6000}\n")[0] == (6000, "tcp")


def test_unresolvable_expose_is_skipped_with_a_note():
    port, notes = port_of("FROM node\nARG PORT\nEXPOSE $PORT\nEXPOSE 9000\n")
    assert port == (9000, "tcp")
    assert notes == [(3, "EXPOSE $PORT could not be read as a port (no ARG/ENV default "
                         "resolves it); skipped")]


def test_escape_directive_changes_the_continuation_character():
    assert port_of("# escape=`\nFROM node\nEXPOSE `\n 8181\n")[0] == (8181, "tcp")


def test_lone_dockerfile_is_one_container_named_app(project):
    project.spec()
    project.write("src/Dockerfile", "FROM node:22\nEXPOSE 8080\n")
    translation = project.translate()
    (container,) = translation.containers
    assert container["name"] == "app"
    assert container["portMappings"] == [{"containerPort": 8080, "hostPort": 8080, "protocol": "tcp"}]
    assert translation.build["app"].render() == {"context": ".", "dockerfile": "Dockerfile", "args": {}}
    assert translation.repositories == {"app": "dev/demo/app"}
    assert translation.entrypoint.container == "app" and translation.entrypoint.port == 8080
    assert translation.warnings == []


def test_dockerfile_without_expose_uses_port_80_with_a_warning(project):
    project.spec()
    project.write("src/Dockerfile", "FROM nginx\n")
    translation = project.translate()
    assert translation.entrypoint.port == 80
    assert translation.warnings == [
        "src/Dockerfile: the Dockerfile has no EXPOSE; assuming the container listens on port 80 "
        "(add EXPOSE or set spec.entrypoint.port to change it)"
    ]


def test_dockerfile_without_expose_can_take_the_spec_port(project):
    project.spec("spec:\n  source: ./src\n  entrypoint: {container: app, port: 3000}\n")
    project.write("src/Dockerfile", "FROM node\n")
    translation = project.translate()
    assert translation.entrypoint.port == 3000
    one(translation.warnings, "no EXPOSE", "port 3000", "spec.entrypoint.port")


def test_unresolved_expose_warning_names_the_dockerfile_line(project):
    project.spec()
    project.write("src/Dockerfile", "FROM node\nEXPOSE $PORT\nEXPOSE 8080\n")
    assert project.warnings() == ["src/Dockerfile:2: EXPOSE $PORT could not be read as a port "
                                  "(no ARG/ENV default resolves it); skipped"]


def test_neither_compose_nor_dockerfile_is_an_error_on_spec_source(project):
    project.spec()
    project.write("src/README.md", "nothing to build\n")
    (error,) = project.errors()
    assert error.startswith("spec.yaml:6:3: spec.source: no Dockerfile or compose file")


def test_compose_file_wins_over_a_dockerfile(project):
    project.compose("services:\n  web:\n    image: nginx\n    ports: ['80']\n")
    assert [c["name"] for c in project.translate().containers] == ["web"]


def test_several_compose_files_use_composes_first_name_with_a_warning(project):
    project.compose("services:\n  web: {image: nginx, ports: ['80']}\n")
    project.write("src/compose.yaml", "services:\n  api: {image: httpd, ports: ['80']}\n")
    translation = project.translate()
    assert [c["name"] for c in translation.containers] == ["api"]
    warning = one(translation.warnings, "found several compose files")
    assert warning.startswith("spec.yaml:6:3: ")
    assert "(compose.yaml, docker-compose.yml); using compose.yaml, as Docker Compose does" in warning
