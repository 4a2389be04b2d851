"""Benchmark: AWS requests, wall time and memory of a converged no-op pass.

Converges N API specs (one environment) on the embedded AWS through the state store, as
`--once` does, then plans again (as `reconcile plan` does: with the state store's records) and
measures that plan: the requests it sends (counted by the client factory, retries included) per
kind and per operation, its wall time, and the peak Python memory of the pass (tracemalloc).
Targets (issue 13): a no-op pass of 50 apps at most 10x the requests and 10x the time of one.

    python bench/noop_pass.py --specs 1 --specs 50            # apps built from a Dockerfile (delivery included)
    python bench/noop_pass.py --shape terraform --specs 1     # image-only: the stack Terraform was measured on
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import tracemalloc
from collections import Counter
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from controllers.registry import all_controllers  # noqa: E402
from reconciler import logging as rlog  # noqa: E402
from reconciler.aws import ClientFactory  # noqa: E402
from reconciler.controller import Context  # noqa: E402
from reconciler.emulator.server import EmbeddedAWS  # noqa: E402
from reconciler import workflow  # noqa: E402
from reconciler.loading import load_designs  # noqa: E402
from reconciler.plan import make_plan  # noqa: E402
from reconciler.state import StateStore  # noqa: E402
from reconciler.target import emulator_endpoint  # noqa: E402
from specs import AwsLocation  # noqa: E402

# The stack Terraform was measured on (issue 13): two containers from public images (two log
# groups), no build: VPC, subnets, gateway, routes, security groups, Cloud Map namespace and
# service, two roles, cluster, task definition, service, HTTP API, VPC link, integration, route, stage.
TERRAFORM_COMPOSE = """\
services:
  web:
    image: public.ecr.aws/docker/library/nginx:1.27
    ports: ["8080:8080"]
  worker:
    image: public.ecr.aws/docker/library/redis:7
"""


def write_specs(root: Path, count: int, shape: str = "build") -> None:
    for i in range(count):
        folder = root / f"app{i:03d}"
        (folder / "src").mkdir(parents=True)
        if shape == "terraform":
            (folder / "src/compose.yaml").write_text(TERRAFORM_COMPOSE)
            entry = "  entrypoint: {container: web, port: 8080}\n"
        else:
            (folder / "src/Dockerfile").write_text("FROM public.ecr.aws/docker/library/node:20-slim\nEXPOSE 8080\n")
            entry = ""
        (folder / "spec.yaml").write_text(
            f"apiVersion: reconcile.dev/v1alpha1\nkind: ServerlessContainer\nmetadata:\n  name: app{i:03d}\n"
            "spec:\n  source: ./src\n  api: {type: REST}\n" + entry)


def write_terraform_shaped(root: Path) -> Path:
    """One Terraform-shaped app under `root`; its spec path."""
    write_specs(root, 1, "terraform")
    return root / "app000/spec.yaml"


def measure(server: EmbeddedAWS, count: int, shape: str) -> dict:
    server.reset()
    with tempfile.TemporaryDirectory() as tmp:
        write_specs(Path(tmp), count, shape)
        factory = ClientFactory(emulator_endpoint(server.url))
        ctx = Context(factory)
        store = StateStore(factory, "bench-state")
        started = time.perf_counter()
        assert workflow.wait_for_table(store, timeout=60)
        designs, errors = load_designs([tmp], AwsLocation(ctx.account_id, ctx.region))
        assert not errors, errors
        controllers = all_controllers()
        states = workflow.load_states(store, ctx, [env.name for env in designs], write=True)
        designs = workflow.with_environment_facts(designs, states, ctx)
        report = workflow.run_converge(controllers, designs, ctx, store, timeout=600,
                                       work=workflow.Work(designs, states))
        converge_s = time.perf_counter() - started
        assert report.converged, "did not converge"
        before, requests_before, kinds_before = factory.request_count, len(factory.requests), Counter(getattr(factory, "requests_by_kind", {}))
        tracemalloc.start()
        started = time.perf_counter()
        states = workflow.load_states(store, ctx, [env.name for env in designs], write=False)
        plan = make_plan(controllers, workflow.with_environment_facts(designs, states, ctx), pass_context(ctx, store, states))
        elapsed = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert plan.empty, [c.name for c in plan.pending]
        by_op = Counter(factory.requests[requests_before:])
        by_kind = Counter(getattr(factory, "requests_by_kind", {})) - kinds_before
        return {
            "specs": count, "shape": shape,
            "converge_seconds": round(converge_s, 2),
            "noop_requests": factory.request_count - before,
            "noop_seconds": round(elapsed, 3),
            "noop_peak_python_mib": round(peak / 2**20, 2),
            "kinds": dict(sorted(by_kind.items())),
            "operations": dict(sorted(by_op.items())),
        }


def pass_context(ctx: Context, store: StateStore, states: dict) -> Context:
    """The context a pass with the state store gets (what the store recorded), where the engine
    knows it; a plain pass context otherwise."""
    from reconciler.state.sync import StateSync

    sync = StateSync(store, states, ctx.region)
    if hasattr(sync, "start_recall"):  # reads the state store proves unneeded are skipped (issue 13)
        return replace(ctx.new_pass(), memory=sync, recall=sync.start_recall(all_controllers()))
    return replace(ctx.new_pass(), memory=sync)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--specs", type=int, action="append", help="number of specs (repeatable); default 1, 50")
    parser.add_argument("--shape", choices=("build", "terraform"), default="build",
                        help="build: a Dockerfile (delivery included); terraform: image-only, the issue's yardstick")
    args = parser.parse_args()
    rlog.configure(json=True, level="WARNING")
    server = EmbeddedAWS().start()
    try:
        for count in args.specs or [1, 50]:
            print(json.dumps(measure(server, count, args.shape)), flush=True)
    finally:
        server.stop()


if __name__ == "__main__":
    main()
