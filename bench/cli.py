"""Benchmark: the command line as a user runs it, each command a whole process.

Starts `reconcile emulator` (its own process), then for a spec:
- converge from empty (`reconcile --once`): wall time and AWS requests, per kind and operation;
- no-op `reconcile plan` of the converged stack, several times: wall time (process start
  included) and requests;
- `reconcile --help`: process start.
Requests are what the command's client factory counted (`--log-level debug` prints them as
`aws_requests` when the command ends), retries included.

    python bench/cli.py                       # the Terraform-shaped app (image-only) and examples/compose-api
    python bench/cli.py --spec examples/compose-api --runs 10

The issue's yardstick (Terraform 1.11, AWS provider 5.100, the same 22-resource stack on the same
emulator): no-op plan 7.4 s and 39 requests; converge from empty 33 s and 97 requests.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.emulator import RECONCILE, emulator  # noqa: E402
from bench.noop_pass import write_terraform_shaped  # noqa: E402
TERRAFORM = {"plan_seconds": 7.4, "plan_requests": 39, "converge_seconds": 33.0, "converge_requests": 97}


def run(args: list[str], env: dict[str, str], *, count: bool = True) -> tuple[float, int, dict]:
    """Run one command; its wall time, exit code and the aws_requests line it logged. `count`:
    with debug logging, which prints that line (and costs the command time: timed runs of the
    no-op plan are made without it, and one more run counts)."""
    logging = ["--log-level", "debug", "--log-format", "json"] if count else ["--log-format", "json"]
    started = time.perf_counter()
    done = subprocess.run([*RECONCILE, *args, *logging], cwd=ROOT, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    requests: dict = {"total": 0, "operations": [], "kinds": []}
    for line in done.stderr.splitlines():
        if '"aws_requests"' in line:
            requests = json.loads(line)
    return elapsed, done.returncode, requests


def measure(spec: str, runs: int, env: dict[str, str]) -> dict:
    with emulator(env) as (url, _):
        target = ["--target", url]
        converge_s, code, converge = run(["--once", spec, "--timeout", "300", *target], env)
        assert code == 0, f"--once exited {code}"
        plans = []
        for _ in range(runs + 1):  # the first is a warm-up (file cache)
            plans.append(run(["plan", spec, "--detailed-exitcode", *target], env, count=False))
            assert plans[-1][1] == 0, f"plan exited {plans[-1][1]}: the stack is not converged"
        walls = [p[0] for p in plans[1:]]
        plans.append(run(["plan", spec, "--detailed-exitcode", *target], env))  # counts the requests
        return {"spec": spec, "converge_seconds": round(converge_s, 2), "converge_requests": converge["total"],
                "converge_kinds": dict(converge["kinds"]), "converge_operations": dict(converge["operations"]),
                "plan_seconds_median": round(statistics.median(walls), 3), "plan_seconds_min": round(min(walls), 3),
                "plan_requests": plans[-1][2]["total"], "plan_kinds": dict(plans[-1][2]["kinds"]),
                "plan_operations": dict(plans[-1][2]["operations"])}


def help_seconds(runs: int, env: dict[str, str]) -> float:
    walls = []
    for _ in range(runs + 1):
        started = time.perf_counter()
        subprocess.run([*RECONCILE, "--help"], cwd=ROOT, env=env, capture_output=True, check=True)
        walls.append(time.perf_counter() - started)
    return round(statistics.median(walls[1:]), 3)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--spec", action="append", help="spec paths (repeatable); default: the Terraform-shaped app "
                        "and examples/compose-api")
    parser.add_argument("--runs", type=int, default=5, help="no-op plans measured per spec (after one warm-up)")
    args = parser.parse_args()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.pop("RECONCILE_TARGET", None)
    with tempfile.TemporaryDirectory() as tmp:
        specs = args.spec or [str(write_terraform_shaped(Path(tmp))), str(ROOT / "examples/compose-api")]
        for spec in specs:
            print(json.dumps(measure(spec, args.runs, env)), flush=True)
    print(json.dumps({"help_seconds_median": help_seconds(args.runs, env), "terraform": TERRAFORM}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
