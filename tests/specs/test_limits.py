"""Bounds on reading: YAML nodes after alias expansion, depth, time, file sizes and kinds."""

from __future__ import annotations

import os

import pytest

from specs import SpecError, discover, limits
from specs.limits import LimitExceeded, read_text
from specs.yaml_source import load_yaml_documents

from .helpers import SPEC_HEAD


def refusal(text: str) -> str:
    with pytest.raises(SpecError) as raised:
        load_yaml_documents(text, "f.yml")
    return str(raised.value)


def test_aliases_count_once_per_use_toward_the_node_limit(monkeypatch):
    monkeypatch.setattr(limits, "YAML_NODES", 50)
    text = "a: &a [1, 2, 3, 4, 5, 6, 7, 8, 9]\nb: [*a, *a, *a, *a, *a]\n"  # b's list alone: 1 + 5 * 10
    assert refusal(text).startswith("f.yml:2:4: the YAML expands to more than 50 nodes (the limit)")


def test_a_file_below_the_node_limit_loads_with_its_aliases(monkeypatch):
    monkeypatch.setattr(limits, "YAML_NODES", 60)
    (document,) = load_yaml_documents("a: &a [1, 2, 3, 4, 5, 6, 7, 8, 9]\nb: [*a, *a, *a, *a]\n", "f.yml")
    assert document.data["b"][3] == list(range(1, 10))


def test_the_node_limit_covers_every_document_of_a_stream(monkeypatch):
    monkeypatch.setattr(limits, "YAML_NODES", 30)
    text = "---\n" + "\n---\n".join("[" + ", ".join(["x"] * 9) + "]" for _ in range(4)) + "\n"
    assert "expands to more than 30 nodes" in refusal(text)


def test_recursive_alias_is_refused_at_its_line():
    assert refusal("base: &b\n  self: *b\n") == \
        "f.yml:2:9: alias '*b' is used inside its own anchor (recursive aliases are not allowed)"


def test_nesting_deeper_than_the_limit_is_refused():
    message = refusal("a: " + "[" * (limits.YAML_DEPTH + 5) + "]" * (limits.YAML_DEPTH + 5) + "\n")
    assert message.startswith("f.yml:1:") and f"deeper than {limits.YAML_DEPTH} levels" in message


def test_reading_past_the_time_limit_is_refused(monkeypatch):
    monkeypatch.setattr(limits, "YAML_SECONDS", -1.0)
    assert "reading took longer than -1 s (the limit)" in refusal("a: 1\n")


def test_a_file_over_its_limit_is_refused_without_reading_it(tmp_path):
    path = tmp_path / "docker-compose.yml"
    with open(path, "wb") as handle:
        handle.truncate(3 * limits.MiB)
    with pytest.raises(LimitExceeded) as raised:
        read_text(str(path), "compose file", "src/docker-compose.yml")
    assert str(raised.value) == ("src/docker-compose.yml: the compose file is too large: 3,145,728 bytes; "
                                 "the limit is 1 MiB")


@pytest.mark.parametrize("content,message", [
    (b"services:\x00\x01", "the env file is a binary file, not text"),
    (b"A=1\nB=caf\xe9\n", "the env file is not UTF-8 text (byte 0xe9 at offset 9)"),
])
def test_binary_and_non_utf8_files_are_named_plainly(tmp_path, content, message):
    path = tmp_path / ".env"
    path.write_bytes(content)
    with pytest.raises(SpecError) as raised:
        read_text(str(path), "env file")
    assert raised.value.message == message


def test_a_fifo_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "Dockerfile"
    os.mkfifo(fifo)
    with pytest.raises(SpecError) as raised:
        read_text(str(fifo), "Dockerfile")
    assert raised.value.message == "cannot read the Dockerfile: it is not a regular file"


def test_a_directory_walk_lists_what_it_skipped_and_why(project):
    project.write("apps/empty.yaml", "")
    project.write("apps/list.yaml", "- a\n- b\n")
    project.write("apps/other.yaml", "kind: Deployment\n")
    (project.root / "apps/binary.yaml").write_bytes(b"\x00\x01")
    os.symlink("loop.yaml", project.root / "apps/loop.yaml")
    skipped: list[tuple[str, str]] = []
    specs, errors = discover(["apps"], skipped)
    assert specs == [] and errors == []
    reasons = dict(skipped)
    assert reasons["apps/empty.yaml"] == "no 'kind: ServerlessContainer'"
    assert reasons["apps/binary.yaml"] == "the spec file is a binary file, not text"
    assert "symbolic link loop" in reasons["apps/loop.yaml"]
    assert set(reasons) == {"apps/empty.yaml", "apps/list.yaml", "apps/other.yaml", "apps/binary.yaml", "apps/loop.yaml"}


def test_an_unreadable_spec_found_in_a_directory_is_reported_not_skipped(project):
    (project.root / "apps").mkdir()
    (project.root / "apps/spec.yaml").write_bytes(SPEC_HEAD.encode().replace(b"demo", b"caf\xe9"))
    _, errors = discover(["apps"])
    assert [str(e) for e in errors] == ["apps/spec.yaml:4: the spec file is not UTF-8 text (byte 0xe9 at offset 82)"]


def test_a_symlink_loop_given_by_name_is_one_clear_error(project):
    os.symlink("spec.yaml", project.root / "spec.yaml")
    _, errors = discover(["spec.yaml"])
    assert [str(e) for e in errors] == ["spec.yaml: it is a symbolic link loop (a link that points back to itself)"]


def test_a_dockerfile_with_a_latin_1_comment_is_read_as_docker_reads_it(project):
    project.spec()
    (project.root / "src").mkdir()
    (project.root / "src/Dockerfile").write_bytes(b"FROM scratch\n# caf\xe9\nEXPOSE 8080\n")
    assert project.translate().entrypoint.port == 8080


def test_an_env_file_whose_variables_double_at_every_line_is_refused_at_its_line():
    from specs.compose_dotenv import DotenvError, parse_dotenv

    text = "A=" + "x" * 1000 + "\n" + "".join(f"V{n + 1}=${{V{n}}}${{V{n}}}\n" for n in range(40)).replace("V0", "A")
    with pytest.raises(DotenvError) as raised:
        parse_dotenv(text)
    assert raised.value.line == 12 and "more than 4 MiB of text (the limit)" in str(raised.value)


def test_one_string_with_many_references_is_stopped_while_it_expands():
    interpolator = limits.BoundedInterpolator({"BIG": "x" * 100_000}, "src/compose.yaml")
    with pytest.raises(LimitExceeded) as raised:
        interpolator.expand("$BIG" * 100_000)  # 10 GB if expanded
    assert str(raised.value).startswith("src/compose.yaml: variable interpolation (${...}) expands the file")
