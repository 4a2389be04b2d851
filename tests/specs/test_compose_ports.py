"""Compose ports read as HOST:CONTAINER; on Fargate hostPort = containerPort."""

from __future__ import annotations

import pytest

from specs.ports import ContainerPort, PortError, read_port

from .helpers import one


@pytest.mark.parametrize("entry,expected", [
    ("8080", ContainerPort(8080, "tcp")),
    (8080, ContainerPort(8080, "tcp")),
    ("8080:8080", ContainerPort(8080, "tcp")),
    ("8080:80", ContainerPort(80, "tcp")),
    ("127.0.0.1:8080:80", ContainerPort(80, "tcp")),
    ("127.0.0.1::80", ContainerPort(80, "tcp")),
    ("[::1]:8080:80", ContainerPort(80, "tcp")),
    ("80/tcp", ContainerPort(80, "tcp")),
    ("53:53/udp", ContainerPort(53, "udp")),
    ({"target": 80, "published": "8080", "protocol": "tcp"}, ContainerPort(80, "tcp")),
    ({"target": 5000}, ContainerPort(5000, "tcp")),
])
def test_container_port_is_the_last_part(entry, expected):
    assert read_port(entry)[0] == [expected]


@pytest.mark.parametrize("entry,expected", [
    ("3000-3002", [3000, 3001, 3002]),
    ("8000-8001:3000-3001", [3000, 3001]),
    ("8000-8005:80", [80]),  # a published range for one container port is that port
])
def test_port_ranges_are_one_port_each_as_compose_expands_them(entry, expected):
    assert [port.port for port in read_port(entry)[0]] == expected


@pytest.mark.parametrize("entry,message", [
    ("3000-4000", "port range '3000-4000' holds 1001 ports; at most 100"),
    ("3005-3000", "ends before it starts"),
    ("80/sctp", "protocol 'sctp' is not supported"),
    ("http", "must be a number between 1 and 65535"),
    ("70000", "must be a number between 1 and 65535"),
    ({"published": 80}, "needs 'target'"),
    (True, "must be a port"),
])
def test_bad_ports_are_refused(entry, message):
    with pytest.raises(PortError) as raised:
        read_port(entry)
    assert message in str(raised.value)


def test_short_port_mapping_uses_container_port_and_warns_about_published(project):
    project.compose("services:\n  web:\n    image: nginx\n    ports:\n      - \"8080:80\"\n")
    translation = project.translate()
    assert translation.containers[0]["portMappings"] == [
        {"containerPort": 80, "hostPort": 80, "protocol": "tcp"}]
    assert translation.entrypoint.port == 80
    assert translation.warnings == [
        "src/docker-compose.yml:5:9: service 'web': published port 8080 is ignored: on Fargate "
        "the host port is the container port, so traffic reaches port 80"]


def test_same_published_and_container_port_gives_no_warning(project):
    project.compose("services:\n  web:\n    image: nginx\n    ports: ['8080:8080']\n")
    assert project.warnings() == []


def test_host_address_is_ignored_with_a_warning(project):
    project.compose("services:\n  web:\n    image: nginx\n    ports: ['127.0.0.1:80:80']\n")
    one(project.warnings(), "service 'web'", "host address 127.0.0.1 is ignored")


def test_long_syntax_ports(project):
    project.compose("""\
        services:
          web:
            image: nginx
            ports:
              - target: 80
                published: "8080"
                protocol: tcp
                mode: host
              - target: 53
                protocol: udp
        """)
    translation = project.translate()
    assert translation.containers[0]["portMappings"] == [
        {"containerPort": 80, "hostPort": 80, "protocol": "tcp"},
        {"containerPort": 53, "hostPort": 53, "protocol": "udp"},
    ]
    one(translation.warnings, "published port 8080 is ignored")


def test_port_range_error_names_file_line_and_field(project):
    project.compose("services:\n  web:\n    image: nginx\n    ports:\n      - '80'\n"
                    "      - '3000-9000'\n")
    assert project.errors() == [
        "src/docker-compose.yml:6:9: services.web.ports[1]: port range '3000-9000' holds 6001 "
        "ports; at most 100 ports fit, one port mapping each, in a task definition"]


def test_duplicate_ports_in_one_service_are_deduplicated(project):
    project.compose("services:\n  web:\n    image: nginx\n    ports: ['80', '80:80', 80]\n")
    assert project.translate().containers[0]["portMappings"] == [
        {"containerPort": 80, "hostPort": 80, "protocol": "tcp"}]


def test_two_containers_on_the_same_port_is_an_error_naming_both(project):
    project.compose("""\
        services:
          web:
            image: nginx
            ports: ['80']
          admin:
            image: httpd
            ports: ['8081:80']
        """, spec="spec:\n  source: ./src\n  entrypoint: {container: web}\n")
    (error,) = project.errors()
    assert error.startswith("src/docker-compose.yml:7:13: services.admin.ports[0]: port 80/tcp "
                            "is used by both 'web' and 'admin'")
