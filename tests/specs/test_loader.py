"""load_file and discover: every problem reported with file, line, column and field."""

from __future__ import annotations

import os
import pickle

import pytest

from specs import LoadedSpec, SpecError, SpecErrors, discover, load_file

from .helpers import SPEC_HEAD

GOOD = SPEC_HEAD + "spec:\n  source: ./src\n"


def write(path, text: str) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return str(path)


def errors_of(path: str) -> list[str]:
    with pytest.raises(SpecErrors) as raised:
        load_file(path)
    return [str(error) for error in raised.value.errors]


def test_spec_error_string_format():
    assert str(SpecError("a.yaml", 7, 3, "spec.replicas", "bad")) == \
        "a.yaml:7:3: spec.replicas: bad"
    assert str(SpecError("a.yaml", line=7, message="bad")) == "a.yaml:7: bad"
    assert str(SpecError("a.yaml", field="spec", message="bad")) == "a.yaml: spec: bad"
    errors = SpecErrors([SpecError("a", message="x"), SpecError("b", message="y")])
    assert str(errors) == "a: x\nb: y"


def test_spec_errors_survive_pickling():
    error = SpecError("a.yaml", 7, 3, "spec.replicas", "bad")
    copy = pickle.loads(pickle.dumps(SpecErrors([error])))
    assert copy.errors == [error] and copy.errors[0].line == 7


def test_loads_a_spec_with_resolved_source_dir(project):
    (project.root / "src").mkdir()
    path = write(project.root / "spec.yaml", GOOD)
    (loaded,) = load_file(path)
    assert isinstance(loaded, LoadedSpec)
    assert loaded.path == path and loaded.document_index == 0 and loaded.line == 1
    assert loaded.model.metadata.name == "demo"
    assert loaded.source_dir == str(project.root / "src")


def test_invalid_replicas_points_at_the_key(project):
    (project.root / "src").mkdir()
    write(project.root / "spec.yaml", GOOD + "  replicas: -1\n")
    assert errors_of("spec.yaml") == ["spec.yaml:7:3: spec.replicas: must be an integer ≥ 0 (got -1)"]


def test_unknown_key_suggests_the_closest_known_key(project):
    (project.root / "src").mkdir()
    write(project.root / "spec.yaml", GOOD + "  replica: 2\n")
    assert errors_of("spec.yaml") == [
        "spec.yaml:7:3: spec.replica: unknown field; did you mean 'replicas'?"
    ]


def test_unknown_nested_key_is_rejected_with_suggestion(project):
    (project.root / "src").mkdir()
    write(project.root / "spec.yaml", GOOD + "  logs:\n    retentionDay: 7\n")
    assert errors_of("spec.yaml") == [
        "spec.yaml:8:5: spec.logs.retentionDay: unknown field; did you mean 'retentionDays'?"
    ]


def test_all_problems_in_a_file_are_reported_in_line_order(project):
    text = SPEC_HEAD + "spec:\n  source: ./src\n  replicas: many\n  adopt: yes\n  bogus: 1\n"
    write(project.root / "spec.yaml", text)
    (project.root / "src").mkdir()
    assert errors_of("spec.yaml") == [
        "spec.yaml:7:3: spec.replicas: must be an integer ≥ 0 (got 'many')",
        "spec.yaml:8:3: spec.adopt: must be true or false (got 'yes')",
        "spec.yaml:9:3: spec.bogus: unknown field; expected one of: source, compose, entrypoint, "
        "replicas, highAvailability, api, hosting, task, storage, network, logs, adopt, "
        "envFilesOutsideSource",
    ]


def test_missing_required_field_points_at_its_parent(project):
    write(project.root / "spec.yaml", "apiVersion: reconcile.dev/v1alpha1\n"
          "kind: ServerlessContainer\nmetadata:\n  environment: dev\n")
    assert errors_of("spec.yaml") == ["spec.yaml:3:1: metadata.name: is required"]


def test_front_door_conflict_points_at_hosting(project):
    (project.root / "src").mkdir()
    write(project.root / "spec.yaml",
          GOOD + "  api: {type: REST}\n  hosting: {domain: example.com}\n")
    assert errors_of("spec.yaml") == ["spec.yaml:8:3: spec.hosting: 'api' and 'hosting' cannot "
                                      "both be set: choose one front door"]


def test_fargate_size_error_points_at_memory(project):
    (project.root / "src").mkdir()
    write(project.root / "spec.yaml", GOOD + "  task:\n    cpu: 256\n    memory: 4096\n")
    (error,) = errors_of("spec.yaml")
    assert error.startswith("spec.yaml:9:5: spec.task.memory: Fargate does not offer 4096 MiB")


def test_yaml_syntax_error_has_line_and_column(project):
    write(project.root / "spec.yaml", SPEC_HEAD + "spec:\n  source: [./src\n")
    (error,) = errors_of("spec.yaml")
    assert error.startswith("spec.yaml:7:1: YAML syntax error")


def test_wrong_kind_in_a_spec_file_is_an_error(project):
    (project.root / "src").mkdir()
    write(project.root / "spec.yaml", GOOD + "---\napiVersion: v1\nkind: Deployment\n")
    assert errors_of("spec.yaml") == [
        "spec.yaml:9:1: kind: must be 'ServerlessContainer' (got 'Deployment')"
    ]


def test_wrong_api_version_is_an_error(project):
    write(project.root / "spec.yaml", GOOD.replace("v1alpha1", "v9"))
    assert errors_of("spec.yaml") == ["spec.yaml:1:1: apiVersion: unsupported apiVersion "
                                      "'reconcile.dev/v9'; expected 'reconcile.dev/v1alpha1'"]


def test_non_mapping_document_is_an_error(project):
    (project.root / "src").mkdir()
    write(project.root / "spec.yaml", GOOD + "---\n- just\n- a list\n")
    (error,) = errors_of("spec.yaml")
    assert error.startswith("spec.yaml:8:1: each document must be a mapping")


def test_file_without_a_serverless_container_is_an_error(project):
    write(project.root / "other.yaml", "services:\n  web: {image: nginx}\n")
    assert errors_of("other.yaml") == [
        "other.yaml: no document with 'kind: ServerlessContainer' in this file"
    ]


def test_several_documents_in_one_file(project):
    (project.root / "src").mkdir()
    second = GOOD.replace("name: demo", "name: other")
    write(project.root / "spec.yaml", GOOD + "---\n" + second)
    specs = load_file("spec.yaml")
    assert [(s.model.name, s.document_index, s.line) for s in specs] == [
        ("demo", 0, 1), ("other", 1, 8)]


def test_missing_source_folder_is_an_error_on_spec_source(project):
    write(project.root / "spec.yaml", GOOD)
    (error,) = errors_of("spec.yaml")
    assert error.startswith("spec.yaml:6:3: spec.source: source './src' does not exist")


def test_source_is_relative_to_the_spec_file_not_the_cwd(project):
    (project.root / "app" / "src").mkdir(parents=True)
    write(project.root / "app" / "spec.yaml", GOOD)
    (loaded,) = load_file("app/spec.yaml")
    assert loaded.source_dir == str(project.root / "app" / "src")


def test_discover_walks_directories_and_skips_other_yaml(project):
    write(project.root / "apps" / "a" / "spec.yaml", GOOD)
    write(project.root / "apps" / "a" / "src" / "docker-compose.yml", "services: {}\n")
    write(project.root / "apps" / "b" / "spec.yml", GOOD.replace("name: demo", "name: bee"))
    (project.root / "apps" / "b" / "src").mkdir()
    write(project.root / "apps" / "broken.yaml", "this: [is not yaml\n")
    write(project.root / "apps" / ".hidden" / "spec.yaml", "kind: ServerlessContainer\nbad")
    write(project.root / "apps" / "node_modules" / "x" / "spec.yaml", "kind: ServerlessContainer\n:")
    specs, errors = discover(["apps"])
    assert errors == []
    assert [(s.model.name, s.path) for s in specs] == [
        ("demo", os.path.join("apps", "a", "spec.yaml")),
        ("bee", os.path.join("apps", "b", "spec.yml")),
    ]


def test_discover_reports_bad_specs_found_in_directories(project):
    write(project.root / "apps" / "spec.yaml", GOOD + "  replicas: -2\n")
    (project.root / "apps" / "src").mkdir()
    specs, errors = discover(["apps"])
    assert specs == []
    assert [str(e) for e in errors] == [
        "apps/spec.yaml:7:3: spec.replicas: must be an integer ≥ 0 (got -2)"]


def test_discover_refuses_an_explicit_file_without_a_spec(project):
    write(project.root / "docker-compose.yml", "services:\n  web: {image: nginx}\n")
    specs, errors = discover(["docker-compose.yml"])
    assert specs == [] and len(errors) == 1
    assert "no document with 'kind: ServerlessContainer'" in str(errors[0])


def test_discover_reports_missing_paths(project):
    _, errors = discover(["nowhere"])
    assert [str(e) for e in errors] == ["nowhere: no such file or directory"]


def test_discover_reports_duplicate_environment_and_name_naming_both_files(project):
    write(project.root / "one" / "spec.yaml", GOOD)
    write(project.root / "two" / "spec.yaml", GOOD)
    (project.root / "one" / "src").mkdir()
    (project.root / "two" / "src").mkdir()
    specs, errors = discover(["one", "two"])
    assert [s.path for s in specs] == [os.path.join("one", "spec.yaml")]
    assert [str(e) for e in errors] == [
        "two/spec.yaml:4:3: metadata.name: 'demo' in environment 'dev' is defined twice: "
        "here and in one/spec.yaml:1"
    ]


def test_same_name_in_other_environment_is_fine(project):
    write(project.root / "one" / "spec.yaml", GOOD)
    write(project.root / "two" / "spec.yaml",
          GOOD.replace("name: demo", "name: demo\n  environment: prod"))
    (project.root / "one" / "src").mkdir()
    (project.root / "two" / "src").mkdir()
    specs, errors = discover(["one", "two"])
    assert errors == [] and [s.model.key for s in specs] == [("dev", "demo"), ("prod", "demo")]


def test_a_file_named_twice_is_loaded_once(project):
    write(project.root / "spec.yaml", GOOD)
    (project.root / "src").mkdir()
    specs, errors = discover(["spec.yaml", "."])
    assert errors == [] and len(specs) == 1


def test_suggestion_ignores_case_and_underscores(project):
    (project.root / "src").mkdir()
    write(project.root / "spec.yaml", GOOD + "  api:\n    restrict_access: true\n")
    assert errors_of("spec.yaml") == [
        "spec.yaml:8:5: spec.api.restrict_access: unknown field; did you mean 'restrictAccess'?"
    ]


def test_no_pydantic_noise_in_messages(project):
    (project.root / "src").mkdir()
    write(project.root / "spec.yaml", GOOD + "  storage: {table: posts}\n  api: {cors: 3}\n"
          "  highAvailability: maybe\n")
    text = "\n".join(errors_of("spec.yaml"))
    assert "Input should" not in text and "https://" not in text and "pydantic" not in text
    assert "spec.storage: must be a list (got a mapping)" in text
    assert "spec.api.cors: must be a mapping (got 3)" in text
