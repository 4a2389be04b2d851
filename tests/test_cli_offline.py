"""The commands that make no AWS call: render, validate, schema; and bad input handling."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from reconciler.cli import main

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples/compose-api/spec.yaml"


def test_render_json_prints_exactly_one_object_with_the_contract_keys(capsys):
    assert main(["render", str(EXAMPLE), "-o", "json"]) == 0
    out = capsys.readouterr().out
    document = json.loads(out)  # exactly one JSON object, nothing else on stdout
    assert set(document) == {"taskDefinition", "service", "entrypoint", "build", "sources", "notes",
                             "warnings", "storage"}
    containers = {c["name"]: c for c in document["taskDefinition"]["containerDefinitions"]}
    assert set(containers) == {"express", "python"}
    assert document["entrypoint"] == {"container": "express", "port": 8080}
    assert containers["express"]["image"].startswith("123456789012.dkr.ecr.us-east-1.amazonaws.com/")
    assert set(document["build"]) == {"express", "python"}
    assert document["service"]["desiredCount"] >= 1


def test_render_never_prints_a_secret_value(capsys):
    secret = (ROOT / "examples/compose-api/secrets/.secret-password").read_text().strip()
    for output in ("json", "yaml", "text"):
        assert main(["render", str(EXAMPLE), "-o", output]) == 0
        captured = capsys.readouterr()
        assert secret not in captured.out and secret not in captured.err


def test_render_yaml_and_text_are_available(capsys):
    assert main(["render", str(EXAMPLE), "-o", "yaml"]) == 0
    assert "taskDefinition:" in capsys.readouterr().out
    assert main(["render", str(EXAMPLE)]) == 0
    assert "express" in capsys.readouterr().out


def test_render_bad_input_exits_1_with_file_line_and_field_and_nothing_on_stdout(tmp_path, capsys):
    spec = tmp_path / "spec.yaml"
    (tmp_path / "src").mkdir()
    (tmp_path / "src/Dockerfile").write_text("FROM scratch\nEXPOSE 80\n")
    spec.write_text("apiVersion: reconcile.dev/v1alpha1\nkind: ServerlessContainer\nmetadata:\n  name: web\n"
                    "spec:\n  source: ./src\n  replicas: many\n")
    assert main(["render", str(spec), "-o", "json"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert f"{spec}:7:" in captured.err and "spec.replicas" in captured.err
    assert "Traceback" not in captured.err


def test_validate_reports_every_problem_in_every_file(tmp_path, capsys):
    for name, body in (("a", "  replicas: -1\n"), ("b", "  replica: 2\n")):
        folder = tmp_path / name
        (folder / "src").mkdir(parents=True)
        (folder / "src/Dockerfile").write_text("FROM scratch\nEXPOSE 80\n")
        (folder / "spec.yaml").write_text(f"apiVersion: reconcile.dev/v1alpha1\nkind: ServerlessContainer\n"
                                          f"metadata:\n  name: {name}\nspec:\n  source: ./src\n" + body)
    assert main(["validate", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "a/spec.yaml:7:" in err and "spec.replicas" in err
    assert "b/spec.yaml:7:" in err and "replicas" in err


def test_validate_accepts_the_examples(capsys):
    assert main(["validate", str(ROOT / "examples")]) == 0
    assert "2 specs valid" in capsys.readouterr().out


def test_schema_is_json_schema_of_the_spec(capsys):
    assert main(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert "properties" in schema and "spec" in schema["properties"]


def test_missing_file_is_a_clear_error(capsys):
    assert main(["render", "no/such/spec.yaml"]) == 1
    err = capsys.readouterr().err
    assert "no/such/spec.yaml" in err and "Traceback" not in err


def test_unknown_target_is_a_clear_error(capsys):
    assert main(["plan", str(EXAMPLE), "--target", "ftp://nowhere"]) == 1
    assert "--target" in capsys.readouterr().err


def test_target_aws_without_credentials_fails_fast(monkeypatch, capsys, tmp_path):
    for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    assert main(["plan", str(EXAMPLE), "--target", "aws"]) == 1
    assert "no AWS credentials" in capsys.readouterr().err


@pytest.mark.parametrize("argv", [["--once"], ["apply"]])
def test_once_without_specs_in_folder_is_an_error(tmp_path, capsys, monkeypatch, argv, moto_server):
    monkeypatch.chdir(tmp_path)
    assert main(argv + ["--target", moto_server.url]) == 1
    assert "no ServerlessContainer spec" in capsys.readouterr().err


def test_hosting_front_door_is_refused_clearly_until_it_is_available(tmp_path, capsys, moto_server):
    (tmp_path / "src").mkdir()
    (tmp_path / "src/Dockerfile").write_text("FROM scratch\nEXPOSE 80\n")
    spec = tmp_path / "spec.yaml"
    spec.write_text("apiVersion: reconcile.dev/v1alpha1\nkind: ServerlessContainer\nmetadata:\n  name: site\n"
                    "spec:\n  source: ./src\n  hosting: {domain: example.com, dns: route53}\n")
    assert main(["plan", str(spec), "--target", moto_server.url]) == 1
    err = capsys.readouterr().err
    assert "spec.hosting" in err and "not available in this release" in err and str(spec) in err
