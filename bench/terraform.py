"""Benchmark: Terraform on the same emulator and stack as ours, each command a whole process.

bench/terraform/main.tf is the 22-resource stack one API app of ours converges to (the
Terraform-shaped app of bench/noop_pass.py: two image-only containers). This starts
`reconcile emulator` (its own process, a fresh moto), copies main.tf to a temporary directory,
runs `terraform init` (not timed), then times, as bench/cli.py does for ours:
- converge from empty: `terraform apply -auto-approve`;
- the no-op `terraform plan -detailed-exitcode`, N times after one warm-up; each must exit 0
  (no changes), else the diff is printed and the benchmark fails.
Timed runs log nothing. The AWS requests are counted afterwards from the provider's debug log
(TF_LOG_PROVIDER=DEBUG, TF_LOG_PATH; one "HTTP Request Sent" entry per attempt, retries
included): one more plan on the same emulator, and one more converge from empty on a second
fresh emulator. Their wall times are printed too (`logged`): what the logging costs.

    python bench/terraform.py                 # Terraform 1.11 at /usr/local/bin, the AWS provider from /opt/tf-plugins
    python bench/terraform.py --runs 10 --with-ours

`--with-ours` also runs bench/cli.py's measurement of the Terraform-shaped spec (on its own fresh
emulator) and prints it after Terraform's. No internet is needed: bench/terraform/cli.tfrc
installs the provider from the filesystem mirror only.
"""
from __future__ import annotations

import argparse
import collections
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.cli import measure as measure_ours  # noqa: E402
from bench.emulator import emulator  # noqa: E402
from bench.noop_pass import write_terraform_shaped  # noqa: E402

HERE = ROOT / "bench/terraform"
TERRAFORM = shutil.which("terraform") or "/usr/local/bin/terraform"
# The provider logs the SDK's service ID; ours counts boto3's client names.
SERVICES = {"ApiGatewayV2": "apigatewayv2", "CloudWatch Logs": "logs", "EC2": "ec2", "ECS": "ecs", "IAM": "iam",
            "ServiceDiscovery": "servicediscovery", "STS": "sts"}
LOG_ENTRY = re.compile(r"\n(?=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)")  # an entry's values may span lines


def tf_env(env: dict[str, str], endpoint: str, log: Path | None = None) -> dict[str, str]:
    env = {k: v for k, v in env.items() if not k.startswith("TF_") or k.startswith("TF_VAR_")}
    env.update(TF_CLI_CONFIG_FILE=str(HERE / "cli.tfrc"), CHECKPOINT_DISABLE="1", TF_IN_AUTOMATION="1",
               TF_INPUT="0", TF_VAR_endpoint=endpoint)
    if log is not None:
        env.update(TF_LOG_PROVIDER="DEBUG", TF_LOG_PATH=str(log))
    return env


def terraform(args: list[str], workdir: Path, env: dict[str, str]) -> tuple[float, int, str]:
    """Run one terraform command; its wall time, exit code and output."""
    started = time.perf_counter()
    done = subprocess.run([TERRAFORM, *args, "-no-color"], cwd=workdir, env=env, capture_output=True, text=True,
                          check=False)
    return time.perf_counter() - started, done.returncode, done.stdout + done.stderr


def workdir(parent: Path, name: str, env: dict[str, str]) -> Path:
    """A copy of main.tf, initialised (the provider from the mirror)."""
    path = parent / name
    path.mkdir()
    shutil.copy(HERE / "main.tf", path)
    _, code, out = terraform(["init", "-input=false"], path, env)
    assert code == 0, f"terraform init failed:\n{out}"
    return path


def apply(path: Path, env: dict[str, str]) -> float:
    elapsed, code, out = terraform(["apply", "-auto-approve", "-input=false"], path, env)
    assert code == 0, f"terraform apply failed:\n{out}"
    return elapsed


def plan(path: Path, env: dict[str, str]) -> float:
    elapsed, code, out = terraform(["plan", "-detailed-exitcode", "-input=false"], path, env)
    assert code != 2, f"the no-op plan has changes: the config does not converge on moto\n{out}"
    assert code == 0, f"terraform plan failed:\n{out}"
    return elapsed


def requests(log: Path) -> tuple[collections.Counter, collections.Counter]:
    """The provider's HTTP requests in a debug log: per `service.Operation` and per resource type."""
    operations: collections.Counter = collections.Counter()
    types: collections.Counter = collections.Counter()
    for entry in LOG_ENTRY.split(log.read_text()):
        if "HTTP Request Sent" not in entry:
            continue
        service = re.search(r'\brpc\.service=("[^"]*"|\S+)', entry)
        operation = re.search(r"\brpc\.method=(\S+)", entry)
        kind = re.search(r"\btf_resource_type=(\S+)", entry)
        name = service.group(1).strip('"') if service else "?"
        operations[f"{SERVICES.get(name, name)}.{operation.group(1) if operation else '?'}"] += 1
        types[kind.group(1) if kind else "(provider)"] += 1
    return operations, types


def measure(runs: int, env: dict[str, str], tmp: Path) -> dict:
    with emulator(env) as (url, _):
        timed = tf_env(env, url)
        path = workdir(tmp, "timed", timed)
        converge_s = apply(path, timed)
        _, _, listed = terraform(["state", "list"], path, timed)
        walls = [plan(path, timed) for _ in range(runs + 1)][1:]  # the first is a warm-up (file cache)
        logged_plan_s = plan(path, tf_env(env, url, tmp / "plan.log"))
        _, _, version = terraform(["version", "-json"], path, timed)
    with emulator(env) as (url, _):  # converge from empty again, logged: a fresh emulator and state
        logged = tf_env(env, url, tmp / "apply.log")
        logged_apply_s = apply(workdir(tmp, "logged", logged), logged)
    plan_ops, plan_types = requests(tmp / "plan.log")
    apply_ops, apply_types = requests(tmp / "apply.log")
    versions = json.loads(version)
    return {"tool": "terraform", "terraform": versions["terraform_version"],
            "aws_provider": versions["provider_selections"].get("registry.terraform.io/hashicorp/aws"),
            "resources": len(listed.split()),
            "converge_seconds": round(converge_s, 2), "converge_requests": sum(apply_ops.values()),
            "converge_resource_types": dict(sorted(apply_types.items())),
            "converge_operations": dict(sorted(apply_ops.items())),
            "plan_seconds_median": round(statistics.median(walls), 3), "plan_seconds_min": round(min(walls), 3),
            "plan_seconds": [round(w, 3) for w in walls],
            "plan_requests": sum(plan_ops.values()), "plan_resource_types": dict(sorted(plan_types.items())),
            "plan_operations": dict(sorted(plan_ops.items())),
            "logged": {"converge_seconds": round(logged_apply_s, 2), "plan_seconds": round(logged_plan_s, 3)}}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5, help="no-op plans measured (after one warm-up)")
    parser.add_argument("--with-ours", action="store_true", help="also measure ours (bench/cli.py) on the same stack")
    args = parser.parse_args()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.pop("RECONCILE_TARGET", None)
    with tempfile.TemporaryDirectory() as tmp:
        print(json.dumps(measure(args.runs, env, Path(tmp))), flush=True)
        if args.with_ours:
            print(json.dumps(measure_ours(str(write_terraform_shaped(Path(tmp) / "ours")), args.runs, env)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
