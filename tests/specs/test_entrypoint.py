"""The entrypoint container:port: chosen by the spec or unambiguous, never picked silently."""

from __future__ import annotations

from .helpers import one

TWO_PUBLISHERS = """\
services:
  express:
    image: node
    ports: ["8080:8080", "9229"]
  python:
    image: python
    ports: ["5000:5000"]
  worker:
    image: busybox
"""


def spec_with(entrypoint: str) -> str:
    return f"spec:\n  source: ./src\n  entrypoint: {entrypoint}\n"


def test_only_publishing_container_is_the_entrypoint_with_its_first_port(project):
    project.compose("services:\n  web:\n    image: nginx\n    ports: ['8080', '9090']\n"
                    "  worker:\n    image: busybox\n")
    entrypoint = project.translate().entrypoint
    assert (entrypoint.container, entrypoint.port) == ("web", 8080)


def test_several_publishing_containers_without_choice_is_an_error_listing_them(project):
    project.compose(TWO_PUBLISHERS)
    assert project.errors() == [
        "spec.yaml:5:1: spec: several containers publish ports: 'express' (8080, 9229); "
        "'python' (5000); choose the one that receives traffic with spec.entrypoint.container "
        "(and spec.entrypoint.port)"]


def test_spec_entrypoint_chooses_container_and_port(project):
    project.compose(TWO_PUBLISHERS, spec=spec_with("{container: express, port: 9229}"))
    entrypoint = project.translate().entrypoint
    assert (entrypoint.container, entrypoint.port) == ("express", 9229)


def test_spec_entrypoint_without_port_takes_the_first_port(project):
    project.compose(TWO_PUBLISHERS, spec=spec_with("{container: python}"))
    entrypoint = project.translate().entrypoint
    assert (entrypoint.container, entrypoint.port) == ("python", 5000)


def test_unknown_entrypoint_container_is_an_error_listing_containers(project):
    project.compose(TWO_PUBLISHERS, spec=spec_with("\n    container: flask"))
    assert project.errors() == [
        "spec.yaml:8:5: spec.entrypoint.container: no container named 'flask'; the containers "
        "are 'express', 'python', 'worker'"]


def test_entrypoint_port_not_published_by_the_container_is_an_error(project):
    project.compose(TWO_PUBLISHERS, spec=spec_with("\n    container: python\n    port: 8080"))
    assert project.errors() == [
        "spec.yaml:9:5: spec.entrypoint.port: container 'python' does not publish tcp port 8080; "
        "its ports: 5000"]


def test_entrypoint_on_a_container_without_ports_maps_the_spec_port_with_warning(project):
    project.compose(TWO_PUBLISHERS, spec=spec_with("{container: worker, port: 7000}"))
    translation = project.translate()
    assert (translation.entrypoint.container, translation.entrypoint.port) == ("worker", 7000)
    assert translation.containers[2]["portMappings"] == [
        {"containerPort": 7000, "hostPort": 7000, "protocol": "tcp"}]
    one(translation.warnings, "src/docker-compose.yml:8:3", "service 'worker' publishes no ports",
        "mapping port 7000 from spec.entrypoint.port")


def test_entrypoint_on_a_container_without_ports_and_no_spec_port_is_an_error(project):
    project.compose(TWO_PUBLISHERS, spec=spec_with("{container: worker}"))
    (error,) = project.errors()
    assert error.startswith("spec.yaml:7:16: spec.entrypoint.container: container 'worker' "
                            "publishes no tcp port")


def test_no_container_publishing_ports_is_an_error(project):
    project.compose("services:\n  worker:\n    image: busybox\n")
    (error,) = project.errors()
    assert error.startswith("spec.yaml:5:1: spec: no container publishes a tcp port")
    assert "spec.entrypoint.container" in error


def test_entrypoint_may_name_the_service_key_when_container_name_differs(project):
    project.compose("services:\n  web:\n    container_name: frontend\n    image: nginx\n"
                    "    ports: ['80']\n  api:\n    image: node\n    ports: ['3000']\n",
                    spec=spec_with("{container: web}"))
    assert project.translate().entrypoint.container == "frontend"
