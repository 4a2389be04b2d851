"""spec.build: the three modes and their fields, each error at its line; the GitHub token file
checked like a compose secret (exists, `.secret-*`, outside the source folder); documented in the
JSON Schema."""
from __future__ import annotations

import pytest

from specs import SpecErrors, json_schema, load_file, translate
from tests.support import write_app


def problems(tmp_path, build: str, files: dict[str, str] | None = None) -> list[str]:
    spec = write_app(tmp_path, spec_extra=build, files=files)
    with pytest.raises(SpecErrors) as raised:
        translate(load_file(str(spec))[0])
    return [str(e).split("spec.yaml:", 1)[1] for e in raised.value.errors]


def test_the_default_is_managed_with_seven_days_of_retention(tmp_path):
    spec = load_file(str(write_app(tmp_path)))[0]
    assert (spec.model.spec.build.mode, spec.model.spec.build.retention_days) == ("managed", 7)


def test_github_needs_a_repository_and_a_token_file(tmp_path):
    assert problems(tmp_path, "build: {mode: github}\n") == ["8:3: spec.build.repository: 'mode: github' needs 'repository'"]


def test_a_field_of_another_mode_is_refused_at_its_line(tmp_path):
    assert problems(tmp_path, "build:\n  mode: managed\n  tag: v1\n") == ["10:5: spec.build.tag: only allowed with "
                                                                          "'mode: self-managed'"]


def test_self_managed_refuses_latest_as_the_tag(tmp_path):
    [message] = problems(tmp_path, "build: {mode: self-managed, tag: latest}\n")
    assert "spec.build.tag: must be an image tag" in message and "other than 'latest'" in message


def test_the_token_file_must_exist_be_a_secret_file_and_live_outside_the_source(tmp_path):
    github = "build: {mode: github, repository: acme/shop, tokenSecret: %s}\n"
    assert "does not exist" in problems(tmp_path / "a", github % "./secrets/.secret-token")[0]
    [named] = problems(tmp_path / "b", github % "./token.txt", {"token.txt": "x"})
    assert "must start with '.secret-'" in named
    [inside] = problems(tmp_path / "c", github % "./src/.secret-token", {"src/.secret-token": "x"})
    assert "inside the source folder" in inside


def test_a_valid_github_spec_translates(tmp_path):
    spec = write_app(tmp_path, spec_extra="build: {mode: github, repository: 'https://github.com/acme/shop', "
                     "tokenSecret: ./secrets/.secret-token}\n", files={"secrets/.secret-token": "x"})
    assert translate(load_file(str(spec))[0]).build


def test_the_build_section_is_in_the_json_schema():
    properties = json_schema()["$defs"]["BuildSettings"]["properties"]
    assert set(properties) == {"mode", "repository", "branch", "path", "tokenSecret", "tag", "retentionDays"}
    assert properties["mode"]["enum"] == ["managed", "github", "self-managed"]
    assert "personal access token" in properties["tokenSecret"]["anyOf"][0]["description"] or \
        "personal access token" in str(properties["tokenSecret"])
