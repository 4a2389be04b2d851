"""The managed source bundle: deterministic, and only what the build needs (no .git,
node_modules, .secret-* files, nor what .dockerignore / .reconcileignore exclude); its hash moves
with the files and with what the build does with them, and with nothing else."""
from __future__ import annotations

import io
import os
import zipfile

from reconciler.delivery.bundle import collect
from reconciler.delivery.ignore import excluded, read_patterns

IMAGES = [{"container": "web", "repository": "dev/a/web", "context": "web", "dockerfile": "Dockerfile", "args": {},
           "target": None}]


def tree(root, files: dict[str, str]):
    for path, text in files.items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    return root


def bundle(root, images=IMAGES):
    return collect(str(root), [i["context"] for i in images], [f"{i['context']}/{i['dockerfile']}" for i in images], images)


def names(root, images=IMAGES) -> list[str]:
    return [f.path for f in bundle(root, images).files]


def test_git_node_modules_secrets_and_ignored_files_stay_out(tmp_path):
    root = tree(tmp_path, {
        "web/Dockerfile": "FROM x\n", "web/index.js": "1", "web/.dockerignore": "*.log\n!keep.log\ndocs/\n",
        "web/debug.log": "x", "web/keep.log": "x", "web/docs/a.md": "x", "web/node_modules/m/i.js": "x",
        ".git/HEAD": "x", "notes/.secret-token": "x", ".reconcileignore": "notes/**/*.tmp\n", "notes/a.tmp": "x",
        "notes/b.txt": "x", "compose.yaml": "services: {}\n", ".reconcile-build/old": "x",
    })
    assert names(root) == [".reconcileignore", "compose.yaml", "notes/b.txt", "web/.dockerignore", "web/Dockerfile",
                           "web/index.js", "web/keep.log"]


def test_a_dockerignore_never_drops_the_dockerfile_and_a_file_another_context_needs(tmp_path):
    root = tree(tmp_path, {"Dockerfile": "FROM x\n", ".dockerignore": "*\n", "web/Dockerfile": "FROM x\n",
                           "web/app.py": "x", "top.txt": "x"})
    images = [dict(IMAGES[0], context="."), IMAGES[0]]
    assert names(root, images) == [".dockerignore", "Dockerfile", "web/Dockerfile", "web/app.py"]


def test_the_zip_is_the_same_bytes_whatever_the_file_times(tmp_path):
    root = tree(tmp_path, {"web/Dockerfile": "FROM x\n", "web/run.sh": "echo\n"})
    os.chmod(root / "web/run.sh", 0o755)
    first = bundle(root).zip_bytes({"extra.txt": "x"})
    os.utime(root / "web/Dockerfile", (1, 1))
    second = bundle(root).zip_bytes({"extra.txt": "x"})
    assert first == second
    info = {i.filename: i for i in zipfile.ZipFile(io.BytesIO(first)).infolist()}
    assert info["web/run.sh"].external_attr >> 16 & 0o777 == 0o755
    assert info["web/Dockerfile"].date_time == (1980, 1, 1, 0, 0, 0)


def test_the_hash_moves_with_content_modes_and_build_inputs_only(tmp_path):
    root = tree(tmp_path, {"web/Dockerfile": "FROM x\n", "web/a.txt": "1"})
    base = bundle(root).hash
    os.utime(root / "web/a.txt", (5, 5))
    assert bundle(root).hash == base  # times do not count
    (root / "web/a.txt").write_text("2")
    changed = bundle(root).hash
    assert changed != base
    assert bundle(root, [dict(IMAGES[0], args={"A": "1"})]).hash != changed  # a build arg is a new build
    os.chmod(root / "web/a.txt", 0o755)
    assert bundle(root).hash != changed


def test_ignore_patterns_read_as_docker_reads_them(tmp_path):
    (tmp_path / ".dockerignore").write_text("# comment\n**/*.pyc\n/build\n!build/keep\n?.txt\n[ab].md\n")
    patterns = read_patterns(str(tmp_path / ".dockerignore"))
    assert excluded("x/y/z.pyc", patterns) and excluded("z.pyc", patterns)
    assert excluded("build/out.o", patterns) and not excluded("build/keep", patterns)
    assert excluded("a.txt", patterns) and not excluded("ab.txt", patterns)
    assert excluded("b.md", patterns) and not excluded("c.md", patterns)
