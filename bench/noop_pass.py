"""Benchmark: AWS requests, wall time and memory of a converged no-op pass.

Converges N API specs (one environment) on the embedded AWS, then plans again and measures that
plan: the requests it sends (counted by the client factory, retries included), its wall time, and
the peak Python memory of the pass (tracemalloc). Targets (issue 3 / the performance wave):
about 25 requests or fewer for one API spec; at most 10x that for 50 specs.

    python bench/noop_pass.py --specs 1 --specs 10 --specs 50
"""
from __future__ import annotations

import argparse
import collections
import json
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from controllers.registry import all_controllers  # noqa: E402
from reconciler import logging as rlog  # noqa: E402
from reconciler.aws import ClientFactory  # noqa: E402
from reconciler.controller import Context  # noqa: E402
from reconciler.emulator.server import EmbeddedAWS  # noqa: E402
from reconciler.engine import converge  # noqa: E402
from reconciler.loading import load_designs  # noqa: E402
from reconciler.plan import make_plan  # noqa: E402
from reconciler.target import emulator_endpoint  # noqa: E402
from specs import AwsLocation  # noqa: E402

COMPOSE = (ROOT / "examples/compose-api/src/docker-compose.yml").read_text()


def write_specs(root: Path, count: int) -> None:
    for i in range(count):
        folder = root / f"app{i:03d}"
        (folder / "src").mkdir(parents=True)
        (folder / "src/Dockerfile").write_text("FROM public.ecr.aws/docker/library/node:20-slim\nEXPOSE 8080\n")
        (folder / "spec.yaml").write_text(
            f"apiVersion: reconcile.dev/v1alpha1\nkind: ServerlessContainer\nmetadata:\n  name: app{i:03d}\n"
            "spec:\n  source: ./src\n  api: {type: REST}\n")


def measure(server: EmbeddedAWS, count: int) -> dict:
    server.reset()
    with tempfile.TemporaryDirectory() as tmp:
        write_specs(Path(tmp), count)
        factory = ClientFactory(emulator_endpoint(server.url))
        ctx = Context(factory)
        designs, errors = load_designs([tmp], AwsLocation(ctx.account_id, ctx.region))
        assert not errors, errors
        controllers = all_controllers()
        started = time.perf_counter()
        report = converge(controllers, designs, ctx, timeout=300)
        converge_s = time.perf_counter() - started
        assert report.converged, "did not converge"
        before = factory.request_count
        requests_before = len(factory.requests)
        tracemalloc.start()
        started = time.perf_counter()
        plan = make_plan(controllers, designs, ctx.new_pass())
        elapsed = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert plan.empty, [c.name for c in plan.pending]
        by_op = collections.Counter(factory.requests[requests_before:])
        return {
            "specs": count,
            "converge_seconds": round(converge_s, 2),
            "noop_requests": factory.request_count - before,
            "noop_seconds": round(elapsed, 3),
            "noop_peak_python_mib": round(peak / 2**20, 2),
            "operations": dict(sorted(by_op.items())) if count == 1 else by_op.most_common(8),
        }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--specs", type=int, action="append", help="number of specs (repeatable); default 1, 10, 50")
    args = parser.parse_args()
    rlog.configure(json=True, level="WARNING")
    server = EmbeddedAWS().start()
    try:
        for count in args.specs or [1, 10, 50]:
            print(json.dumps(measure(server, count)), flush=True)
    finally:
        server.stop()


if __name__ == "__main__":
    main()
