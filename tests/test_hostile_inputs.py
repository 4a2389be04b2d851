"""The hostile and odd input corpus (tests/inputs/cases.yaml), plus the huge and "billion laughs"
cases generated here: each is refused (or accepted) with the expected exit code and message,
within a memory and time bound measured on the real CLI process."""
from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from tests.cli_process import run_cli

INPUTS = Path(__file__).parent / "inputs"
MANIFEST = yaml.safe_load((INPUTS / "cases.yaml").read_text())
DEFAULTS = MANIFEST["defaults"]
MiB = 1024 * 1024

SPEC = "apiVersion: reconcile.dev/v1alpha1\nkind: ServerlessContainer\nmetadata:\n  name: web\nspec:\n  source: ./src\n"
COMPOSE = "services:\n  web:\n    image: nginx\n    ports: ['80:80']\n"


def _laughs(levels: int, indent: str = "") -> str:
    """Nine aliases per level: 9**levels nodes once expanded, a few hundred bytes written."""
    lines = [f'{indent}x-l0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"{indent}x-l{n}: &l{n} [" + ",".join([f"*l{n - 1}"] * 9) + "]" for n in range(1, levels)]
    return "\n".join(lines) + "\n"


def _project(root: Path, compose: str | None = COMPOSE, spec: str = SPEC) -> None:
    (root / "src").mkdir(parents=True)
    (root / "spec.yaml").write_text(spec)
    if compose is not None:
        (root / "src/docker-compose.yml").write_text(compose)


def _sparse(path: Path, size: int) -> None:
    with open(path, "wb") as handle:
        handle.truncate(size)


def spec_alias_bomb(root: Path) -> None:
    # 9 levels: 387 million nodes once expanded (the 535-byte file passed 6.8 GB).
    _project(root, spec=SPEC.replace("  name: web\n", "  name: web\n  labels:\n    bomb: *l8\n")
             .replace("apiVersion", _laughs(9) + "apiVersion", 1))


def compose_unused_x_anchors(root: Path) -> None:
    # The 0.5 KB compose file: anchors under x- keys that no service uses.
    _project(root, compose=_laughs(8) + COMPOSE)


def compose_many_nodes(root: Path) -> None:
    _project(root, compose=COMPOSE + "    command: [" + ",".join(["a"] * 150_000) + "]\n")


def compose_many_services(root: Path) -> None:
    # Reading costs services x nodes: 2,000 services in 60 KB took minutes.
    _project(root, compose="services:\n" + "".join(f"  s{n}: {{image: nginx}}\n" for n in range(2000)))


def compose_extends_growth(root: Path) -> None:
    # 99 services extending one 9,000-item base: 100 times the file once resolved.
    _project(root, compose="services:\n  base:\n    image: nginx\n    command: [" + ",".join(["a"] * 9000) + "]\n"
             + "".join(f"  s{n}: {{extends: base}}\n" for n in range(99)))


def spec_too_large(root: Path) -> None:
    _project(root, spec=SPEC + "#" * (300 * 1024) + "\n")


def compose_50_mb(root: Path) -> None:
    _project(root, compose=None)
    _sparse(root / "src/docker-compose.yml", 50 * MiB)


def env_file_too_large(root: Path) -> None:
    _project(root, compose=COMPOSE + "    env_file: [big.env]\n")
    (root / "src/big.env").write_text("A=" + "x" * (300 * 1024) + "\n")


def dotenv_too_large(root: Path) -> None:
    _project(root)
    (root / "src/.env").write_text("A=" + "x" * (300 * 1024) + "\n")


def dockerfile_too_large(root: Path) -> None:
    _project(root, compose=None)
    _sparse(root / "src/Dockerfile", 2 * MiB)


def interpolation_bomb(root: Path) -> None:
    # One 200 KB .env value used a hundred times: 20 MB of text from a 2 KB compose file.
    _project(root, compose=COMPOSE + "    environment:\n" + "".join(f"      V{n}: ${{BIG}}\n" for n in range(100)))
    (root / "src/.env").write_text("BIG=" + "x" * (200 * 1024) + "\n")


def env_file_doubling_bomb(root: Path) -> None:
    # 45 lines, each twice the one before: 35 TB if expanded.
    _project(root, compose=COMPOSE + "    env_file: [app.env]\n")
    lines = "".join(f"V{n + 1}=${{V{n}}}${{V{n}}}\n" for n in range(45))
    (root / "src/app.env").write_text("V0=" + "x" * 1000 + "\n" + lines)


def task_definition_over_64_kib(root: Path) -> None:
    _project(root, compose=COMPOSE + "    environment:\n" + "".join(f"      V{n}: {'x' * 1000}\n" for n in range(80)))


def compose_symlink_loop(root: Path) -> None:
    _project(root, compose=None)
    os.symlink("compose.yaml", root / "src/docker-compose.yml")
    os.symlink("docker-compose.yml", root / "src/compose.yaml")


def spec_symlink_loop(root: Path) -> None:
    root.mkdir()
    os.symlink("spec.yaml", root / "spec.yaml")


def compose_fifo(root: Path) -> None:
    _project(root, compose=None)
    os.mkfifo(root / "src/docker-compose.yml")


def compose_dev_zero(root: Path) -> None:
    _project(root, compose=None)
    os.symlink("/dev/zero", root / "src/docker-compose.yml")


def dotenv_symlink_outside(root: Path) -> None:
    _project(root, compose=COMPOSE + "    environment: ['HOST=${HOSTNAME}']\n")
    os.symlink("/etc/hostname", root / "src/.env")


GENERATED: dict[str, tuple[Callable[[Path], None], list[str], list[str]]] = {
    "spec-alias-bomb": (spec_alias_bomb, ["validate", "spec.yaml"],
                        ["spec.yaml:5:7: the YAML expands to more than 20,000 nodes (the limit)"]),
    "compose-unused-x-anchors": (compose_unused_x_anchors, ["validate", "."],
                                 ["src/docker-compose.yml:", "expands to more than 20,000 nodes"]),
    "compose-many-nodes": (compose_many_nodes, ["validate", "."], ["src/docker-compose.yml:5:", "20,000 nodes"]),
    "compose-many-services": (compose_many_services, ["validate", "."],
                              ["src/docker-compose.yml:1:1: services: 2,000 services; the limit is 100"]),
    "compose-extends-growth": (compose_extends_growth, ["validate", "."],
                               ["src/docker-compose.yml:6:8: services.s1.extends: with what 'extends' copies, the file "
                                "grows past 20,000 nodes (the limit)"]),
    "spec-too-large": (spec_too_large, ["validate", "spec.yaml"],
                       ["spec.yaml: the spec file is too large: 307,", "the limit is 256 KiB"]),
    "compose-50-mb": (compose_50_mb, ["validate", "."],
                      ["src/docker-compose.yml: the compose file is too large: 52,428,800 bytes; the limit is 1 MiB"]),
    "env-file-too-large": (env_file_too_large, ["validate", "."], ["src/big.env: the env file is too large", "256 KiB"]),
    "dotenv-too-large": (dotenv_too_large, ["validate", "."], ["src/.env: the env file is too large", "256 KiB"]),
    "dockerfile-too-large": (dockerfile_too_large, ["render", "spec.yaml"],
                             ["src/Dockerfile: the Dockerfile is too large: 2,097,152 bytes; the limit is 1 MiB"]),
    "interpolation-bomb": (interpolation_bomb, ["render", "spec.yaml", "-o", "json"],
                           ["src/docker-compose.yml: variable interpolation", "more than 4 MiB of text (the limit)"]),
    "env-file-doubling-bomb": (env_file_doubling_bomb, ["validate", "."],
                               ["src/app.env:12: variable interpolation (${...}) expands the file to more than 4 MiB"]),
    "task-definition-over-64-kib": (task_definition_over_64_kib, ["validate", "."],
                                    ["src/docker-compose.yml: the task definition would be about 8", "ECS accepts at most 64 KiB",
                                     "container 'web'", "of them its environment"]),
    "compose-symlink-loop": (compose_symlink_loop, ["validate", "."],
                             ["src/docker-compose.yml: cannot read it: it is a symbolic link loop"]),
    "spec-symlink-loop": (spec_symlink_loop, ["validate", "spec.yaml"], ["spec.yaml: it is a symbolic link loop"]),
    "compose-fifo": (compose_fifo, ["validate", "."], ["src/docker-compose.yml: cannot read it: it is not a regular file"]),
    "compose-dev-zero": (compose_dev_zero, ["validate", "."], ["src/docker-compose.yml: cannot read it: it is not a regular file"]),
    "dotenv-symlink-outside": (dotenv_symlink_outside, ["validate", "."], ["src/.env: .env '.env' (/etc/hostname) is outside the source folder"]),
}


def _manifest_cases() -> list:
    return [pytest.param(name, case, id=name) for name, case in MANIFEST["cases"].items()]


def _check(run, exit_code: int, stderr: list[str], stdout: list[str] = (), absent: list[str] = (),
           max_rss_mb: float = DEFAULTS["max_rss_mb"], max_seconds: float = DEFAULTS["max_seconds"]) -> None:
    shown = f"exit {run.code}, {run.seconds:.1f}s, {run.max_rss_mb:.0f} MB\nstdout:\n{run.out}\nstderr:\n{run.err}"
    assert run.code == exit_code, shown
    for fragment in stderr:
        assert fragment in run.err, f"{fragment!r} not on stderr:\n{shown}"
    for fragment in stdout:
        assert fragment in run.out, f"{fragment!r} not on stdout:\n{shown}"
    for fragment in absent:
        assert fragment not in run.out + run.err, shown
    assert "Traceback" not in run.err, shown
    if exit_code == 1:
        assert run.err.count(stderr[0]) == 1, f"the message is printed once:\n{shown}"
    assert run.max_rss_mb < max_rss_mb, shown
    assert run.seconds < max_seconds, shown


@pytest.mark.parametrize("name,case", _manifest_cases())
def test_corpus_case_exits_with_its_message_in_bounded_time_and_memory(name, case):
    run = run_cli([str(a) for a in case["args"]], INPUTS / case.get("folder", name))
    _check(run, case["exit"], case.get("stderr", []), case.get("stdout", []), case.get("absent", []),
           case.get("max_rss_mb", DEFAULTS["max_rss_mb"]), case.get("max_seconds", DEFAULTS["max_seconds"]))


@pytest.mark.parametrize("name", list(GENERATED))
def test_generated_case_is_refused_in_bounded_time_and_memory(name, tmp_path):
    build, args, stderr = GENERATED[name]
    root = tmp_path / name
    build(root)
    try:
        run = run_cli(args, root)
    finally:
        if name == "compose-fifo":  # nothing may stay blocked on it
            (root / "src/docker-compose.yml").unlink()
    _check(run, 1, stderr)


def test_every_corpus_folder_is_used_by_a_case():
    used = {case.get("folder", name) for name, case in MANIFEST["cases"].items()}
    folders = {path.name for path in INPUTS.iterdir() if path.is_dir()}
    assert folders == used


def test_every_corpus_file_is_small():
    sizes = {str(p.relative_to(INPUTS)): p.stat().st_size for p in INPUTS.rglob("*") if p.is_file()}
    assert max(sizes.values()) < 4096, sizes


def test_copying_the_corpus_is_harmless(tmp_path):
    # No symlink loops or devices are committed (they are generated above): tools that walk
    # the repository stay safe.
    shutil.copytree(INPUTS, tmp_path / "inputs", symlinks=False)
