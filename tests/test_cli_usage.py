"""The command line a kubectl / terraform / flux user expects: --version, a complete --help,
suggestions for typos, usage errors that exit 1, -o json with a stable shape, render of a folder,
shell completion, table naming in render, and the README's command table matching the parser."""
from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from reconciler.cli import build_parser, main
from specs.dockerfile import instructions

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"


def test_version_prints_the_package_version(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["--version"])
    assert exited.value.code == 0
    assert re.fullmatch(r"reconcile \d+\.\d+\.\d+\S*\n", capsys.readouterr().out)


def test_help_shows_once_and_every_command_with_a_summary(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    assert "--once" in out and "reconcile --once [PATH...]" in out
    for name in build_parser().commands:
        assert re.search(rf"^    {name}\s*\n?\s+\S", out, re.M), f"{name} has no summary line in --help"


def test_every_option_and_positional_has_help_text():
    parser = build_parser()
    missing = [f"{name}: {'/'.join(action.option_strings) or action.dest}"
               for name, sub in [("reconcile", parser), *parser.commands.items()]
               for action in sub._actions  # noqa: SLF001 - argparse keeps no public list
               if not isinstance(action, argparse._SubParsersAction) and not action.help]  # noqa: SLF001
    assert missing == []


def test_readme_command_table_lists_exactly_the_commands_of_the_parser():
    readme = (ROOT / "README.md").read_text()
    table = readme.split("## Commands", 1)[1].split("\n\n", 2)[1]
    listed = set(re.findall(r"`reconcile (--once|[a-z][a-z-]*)", table))
    assert listed - {"--once"} == set(build_parser().commands)


def test_readme_exit_codes_include_interrupt():
    assert "| 130 |" in (ROOT / "README.md").read_text()


@pytest.mark.parametrize("argv,message", [
    (["stauts"], "unknown command 'stauts'; did you mean 'status'?"),
    (["valdiate", "."], "did you mean 'validate'?"),
    (["xyzzy"], "unknown command 'xyzzy'; commands: apply, plan"),
    ([str(EXAMPLES)], f"to converge the specs under it once, run `reconcile --once {EXAMPLES}`"),
])
def test_unknown_command_suggests_what_was_meant_and_exits_1(capsys, argv, message):
    assert main(argv) == 1
    assert message in capsys.readouterr().err


def test_a_usage_error_exits_1_not_2_which_means_changes_pending(capsys):
    assert main(["plan", str(EXAMPLES), "--detailed-exit-code"]) == 1
    err = capsys.readouterr().err
    assert "usage: reconcile plan" in err and "unrecognized arguments: --detailed-exit-code" in err


def test_validate_json_has_its_documented_shape(capsys):
    assert main(["validate", str(EXAMPLES), "-o", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert set(document) == {"valid", "specs", "problems", "skipped"}
    assert document["valid"] is True and document["problems"] == []
    assert {s["name"] for s in document["specs"]} == {"images-api", "hello-api"}
    assert set(document["specs"][0]) == {"file", "line", "name", "environment", "warnings"}


def test_validate_json_lists_each_problem_with_file_line_and_field(tmp_path, capsys):
    (tmp_path / "src").mkdir()
    (tmp_path / "src/Dockerfile").write_text("FROM scratch\nEXPOSE 80\n")
    (tmp_path / "spec.yaml").write_text("apiVersion: reconcile.dev/v1alpha1\nkind: ServerlessContainer\nmetadata:\n"
                                        "  name: web\nspec:\n  replicas: many\n")
    assert main(["validate", str(tmp_path), "-o", "json"]) == 1
    captured = capsys.readouterr()
    (problem,) = json.loads(captured.out)["problems"]
    assert problem["file"] == str(tmp_path / "spec.yaml") and problem["line"] == 6 and problem["column"] == 3
    assert problem["field"] == "spec.replicas" and problem["message"].startswith("must be an integer")
    assert captured.err == ""


def test_render_of_a_folder_holding_one_spec_renders_it(capsys):
    assert main(["render", str(EXAMPLES / "compose-api"), "-o", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["entrypoint"] == {"container": "express", "port": 8080}


def test_render_of_a_folder_holding_several_specs_names_them(capsys):
    assert main(["render", str(EXAMPLES)]) == 1
    err = capsys.readouterr().err
    assert "render takes one ServerlessContainer spec; this holds 2:" in err and "(images-api)" in err


def test_render_says_how_each_table_is_named(tmp_path, capsys):
    (tmp_path / "Dockerfile").write_text("FROM scratch\nEXPOSE 80\n")
    (tmp_path / "spec.yaml").write_text(
        "apiVersion: reconcile.dev/v1alpha1\nkind: ServerlessContainer\nmetadata:\n  name: web\n  environment: prod\n"
        "spec:\n  storage:\n    - {table: orders, permissions: [read], create: true}\n"
        "    - {table: users, permissions: [read]}\n")
    assert main(["render", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "  orders: table prod-orders (created by the reconciler, named per environment ('prod-' + table)); read" in out
    assert "  users: table users (existing table, named by the spec); read" in out
    assert main(["render", str(tmp_path), "-o", "json"]) == 0
    assert [t["tableName"] for t in json.loads(capsys.readouterr().out)["storage"]] == ["prod-orders", "users"]


@pytest.mark.parametrize("shell", ["bash", "zsh"])
def test_completion_script_is_generated_from_the_parser(shell, capsys):
    assert main(["completion", shell]) == 0
    script = capsys.readouterr().out
    for word in (*build_parser().commands, "--detailed-exitcode", "--write-client-config"):
        assert word in script
    if shutil.which(shell):
        assert subprocess.run([shell, "-n"], input=script, text=True, capture_output=True).returncode == 0


@pytest.mark.skipif(not shutil.which("bash"), reason="bash is not installed")
def test_bash_completion_completes_commands_and_options(tmp_path, capsys):
    assert main(["completion", "bash"]) == 0
    (tmp_path / "reconcile.bash").write_text(capsys.readouterr().out)
    complete = ('source reconcile.bash; COMP_WORDS=($WORDS); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); '
                'COMP_LINE="$WORDS"; COMP_POINT=${#COMP_LINE}; _shtab_reconcile; echo "${COMPREPLY[@]}"')
    for words, expected in (("reconcile sta", "status"), ("reconcile plan --detailed", "--detailed-exitcode"),
                            ("reconcile completion z", "zsh")):
        result = subprocess.run(["bash", "-c", complete], cwd=tmp_path, env={"WORDS": words, "PATH": "/usr/bin:/bin"},
                                capture_output=True, text=True)
        assert result.stdout.split() == [expected], result.stderr


def test_the_image_working_directory_belongs_to_its_user():
    final_stage = (ROOT / "Dockerfile").read_text().rsplit("\nFROM ", 1)[1]
    steps = instructions("FROM " + final_stage)
    user = next(s.arguments for s in steps if s.keyword == "USER")
    workdir = next(s.arguments for s in steps if s.keyword == "WORKDIR")
    created = [s for s in steps if s.keyword == "RUN" and f"-o {user}" in s.arguments and workdir in s.arguments]
    assert created and steps.index(created[0]) < steps.index(next(s for s in steps if s.keyword == "WORKDIR"))
