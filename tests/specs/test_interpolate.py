"""Compose `${VAR}` interpolation, with variables from the source folder's .env only."""

from __future__ import annotations

import pytest

from specs.interpolate import InterpolationError, Interpolator

from .helpers import one

VARIABLES = {"NAME": "web", "EMPTY": "", "PORT": "8080"}


@pytest.mark.parametrize("text,expected", [
    ("${NAME}", "web"),
    ("$NAME", "web"),
    ("img-$NAME:latest", "img-web:latest"),
    ("${MISSING:-fallback}", "fallback"),
    ("${EMPTY:-fallback}", "fallback"),
    ("${EMPTY-fallback}", ""),
    ("${MISSING-fallback}", "fallback"),
    ("${MISSING:-${NAME}}", "web"),
    ("${NAME:+set}", "set"),
    ("${MISSING:+set}", ""),
    ("$$NAME", "$NAME"),
    ("cost: $$5", "cost: $5"),
    ("costs 5$", "costs 5$"),  # a `$` that starts no variable is left as written, as Compose does
    ("$1 $(date) a$-b", "$1 $(date) a$-b"),
    ("${PORT}:${PORT}", "8080:8080"),
])
def test_interpolation_forms(text, expected):
    assert Interpolator(VARIABLES).expand(text) == expected


@pytest.mark.parametrize("text,message", [
    ("${MISSING:?tell me}", "required variable 'MISSING' is missing a value: tell me"),
    ("${MISSING?tell me}", "required variable 'MISSING' is missing a value: tell me"),
    ("${EMPTY:?must not be empty}", "required variable 'EMPTY' is missing a value"),
    ("${5}", "expected a variable name"),
    ("${NAME", "unclosed"),
])
def test_interpolation_errors(text, message):
    with pytest.raises(InterpolationError) as raised:
        Interpolator(VARIABLES).expand(text)
    assert message in str(raised.value)


def test_required_form_without_colon_accepts_empty_values():
    assert Interpolator(VARIABLES).expand("${EMPTY?x}") == ""


def test_unset_variable_becomes_empty_and_is_remembered():
    interpolator = Interpolator({})
    assert interpolator.expand("a${X}b$Y") == "ab"
    assert interpolator.unset_used == ["X", "Y"]


def test_compose_values_are_interpolated_from_dotenv(project):
    project.write("src/.env", "TAG=1.2\nPORT=9000\n")
    project.compose("""\
        services:
          web:
            image: "nginx:${TAG}"
            ports: ["${PORT}"]
            environment:
              PRICE: "$$5"
        """)
    (container,) = project.translate().containers
    assert container["image"] == "nginx:1.2"
    assert container["portMappings"][0]["containerPort"] == 9000
    assert container["environment"] == [{"name": "PRICE", "value": "$5"}]


def test_process_environment_is_not_used(project, monkeypatch):
    monkeypatch.setenv("TAG", "from-shell")
    project.compose("services:\n  web:\n    image: nginx:${TAG:-stable}\n    ports: ['80']\n")
    assert project.translate().containers[0]["image"] == "nginx:stable"


def test_unset_variable_warns_with_its_name_and_line(project):
    project.compose("services:\n  web:\n    image: nginx\n    ports: ['80']\n"
                    "    environment:\n      - LEVEL=${LOG_LEVEL}\n")
    translation = project.translate()
    assert translation.containers[0]["environment"] == [{"name": "LEVEL", "value": ""}]
    assert one(translation.warnings, "LOG_LEVEL") == (
        "src/docker-compose.yml:6:9: variable 'LOG_LEVEL' is not set in the source folder's "
        ".env; using an empty string")


def test_required_variable_error_names_file_line_and_field(project):
    project.compose("services:\n  web:\n    image: ${IMAGE:?set IMAGE in .env}\n")
    assert project.errors() == [
        "src/docker-compose.yml:3:5: services.web.image: required variable 'IMAGE' is missing "
        "a value: set IMAGE in .env"]
