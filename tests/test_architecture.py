"""The layers stay visible: import-linter contracts in pyproject.toml (specs imports nothing of
ours; controllers never import each other), and only the registry and CLI name controllers."""
from __future__ import annotations

import ast
import pathlib
import shutil
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]


def test_import_contracts_hold():
    lint = shutil.which("lint-imports") or str(pathlib.Path(sys.executable).parent / "lint-imports")
    result = subprocess.run([lint, "--config", str(ROOT / "pyproject.toml")], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_engine_does_not_import_concrete_controllers():
    allowed = {"commands.py", "cli.py"}
    offenders = []
    for path in (ROOT / "reconciler").rglob("*.py"):
        if path.name in allowed:
            continue
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            offenders += [f"{path.relative_to(ROOT)} imports {n}" for n in names if n.startswith("controllers")]
    assert offenders == []


def test_modules_stay_small():
    too_long = [
        f"{p.relative_to(ROOT)}: {n} lines"
        for p in list((ROOT / "reconciler").rglob("*.py")) + list((ROOT / "controllers").rglob("*.py")) + list((ROOT / "specs").rglob("*.py"))
        if (n := len(p.read_text().splitlines())) > 500
    ]
    assert too_long == []
