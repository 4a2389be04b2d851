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
    allowed = {"commands.py", "commands_aws.py", "cli.py"}
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


def test_every_reference_names_a_declared_output_of_a_declared_kind(tmp_path):
    """Typed outputs: walk every kind's desired resources (a spec using every feature) and the
    identities prune builds from keys alone; every Ref must name an output its kind declares."""
    from controllers.registry import all_controllers
    from reconciler.graph import check_references, kind_dependencies, order_kinds
    from reconciler.resource import Key
    from tests.support import design, write_app

    spec = write_app(tmp_path, spec_extra="highAvailability: true\napi: {restrictAccess: true, domain: api.example.com}\n"
                                          "storage:\n  - {table: orders, permissions: [read], create: true}\n")
    site = write_app(tmp_path, "site", spec_extra="hosting: {domain: example.com, aliases: [www.example.com], "
                                                  "restrictAccess: true}\n")
    controllers = all_controllers()
    by_kind = {c.kind: c for c in controllers}
    [env] = design(spec, site)
    resources = [r for c in controllers for r in c.desired(env)]
    keys = {k for c in controllers for app in (None, "posts-api", "site") for k in c.standard_keys("dev", app)}
    identities = [type(r)(k, by_kind[k.kind].identity(k)) for r in resources[:1] for k in keys | {Key("logs.group", "dev", "posts-api", "app")}]
    check_references(by_kind, resources + identities)
    order = order_kinds(by_kind, kind_dependencies(controllers))
    assert order.index("network.vpc") < order.index("discovery.service") < order.index("api.integration")
    for controller in controllers:
        assert controller.outputs, f"{controller.kind} declares no outputs"


def test_every_test_folder_is_collected():
    """pytest skips folders matching `norecursedirs` (by default every `build` folder, which once
    hid tests/controllers/build from the suite): no folder holding tests may match it."""
    import fnmatch
    import tomllib

    root = pathlib.Path(__file__).resolve().parent.parent
    patterns = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]["norecursedirs"]
    hidden = [str(test.relative_to(root)) for test in (root / "tests").rglob("test_*.py")
              if "node_modules" not in test.parts
              and any(fnmatch.fnmatch(part, p) for part in test.relative_to(root / "tests").parts[:-1] for p in patterns)]
    assert hidden == []
