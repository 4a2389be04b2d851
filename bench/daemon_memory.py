"""Benchmark: the daemon's memory over many passes (issue 12: "memory stays flat").

Starts the embedded AWS in its own process (`reconcile emulator`), then `reconcile run` on N
API specs (one environment) with a short interval, and samples the daemon's resident memory
(VmRSS of its process, so moto's own memory is not counted) and its pass count (from /metrics)
until the time is up. Prints one line per sample and a summary: passes per minute, RSS after
the first converge and at the end, and the growth per thousand passes.

    python bench/daemon_memory.py --specs 50 --minutes 10 --interval 1s
"""
from __future__ import annotations

import argparse
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.emulator import emulator, free_port  # noqa: E402
from bench.noop_pass import write_specs  # noqa: E402


def rss_mb(pid: int) -> float:
    text = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+) kB", text).group(1)) / 1024  # type: ignore[union-attr]


def metrics(port: int) -> dict[str, float]:
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10).read().decode()
    passes = sum(float(v) for v in re.findall(r"^reconcile_passes_total\{[^}]*\} (\S+)$", text, re.M))
    calls = sum(float(v) for v in re.findall(r"^reconcile_aws_calls_total\{[^}]*\} (\S+)$", text, re.M))
    ready = re.search(r'^reconcile_apps\{condition="Ready"\} (\S+)$', text, re.M)
    return {"passes": passes, "calls": calls, "ready": float(ready.group(1)) if ready else 0.0}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--specs", type=int, default=50)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--interval", default="1s", help="the daemon's --interval (short: many passes)")
    parser.add_argument("--sample", type=float, default=30.0, help="seconds between samples")
    parser.add_argument("--converge-minutes", type=float, default=30.0, help="how long the first converge may take")
    args = parser.parse_args()
    metrics_port = free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    with emulator(env) as (url, aws_pid), tempfile.TemporaryDirectory() as tmp:
        write_specs(Path(tmp), args.specs)
        daemon = subprocess.Popen(
            [sys.executable, "-m", "reconciler.cli", "run", tmp, "--target", url,
             "--interval", args.interval, "--metrics-addr", f"127.0.0.1:{metrics_port}", "--journal", "none",
             "--log-level", "warning"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            started = time.monotonic()
            while True:  # the first converge of every app
                time.sleep(2)
                try:
                    if metrics(metrics_port)["ready"] >= args.specs:
                        break
                except OSError:
                    pass
                if time.monotonic() - started > args.converge_minutes * 60:
                    raise SystemExit(f"the specs did not converge within {args.converge_minutes:g} minutes")
            converged_s = time.monotonic() - started
            first = metrics(metrics_port)
            base = first["passes"], rss_mb(daemon.pid), time.monotonic(), first["calls"]
            print(f"{args.specs} apps Ready after {converged_s:.0f}s; RSS {base[1]:.1f} MB after {base[0]:.0f} passes; "
                  f"the embedded AWS {rss_mb(aws_pid):.0f} MB")
            print(f"{'elapsed':>8} {'passes':>8} {'calls':>8} {'RSS MB':>8}")
            deadline = base[2] + args.minutes * 60
            samples = []
            while time.monotonic() < deadline:
                time.sleep(min(args.sample, max(0.1, deadline - time.monotonic())))
                m, rss = metrics(metrics_port), rss_mb(daemon.pid)
                samples.append((time.monotonic() - base[2], m["passes"] - base[0], rss, m["calls"] - base[3]))
                print(f"{samples[-1][0]:>8.0f} {samples[-1][1]:>8.0f} {samples[-1][3]:>8.0f} {rss:>8.1f} "
                      f"(embedded AWS {rss_mb(aws_pid):.0f} MB)", flush=True)
            elapsed, passes, rss, calls = samples[-1]
            peak = max(s[2] for s in samples)
            print(f"passes per minute: {passes / elapsed * 60:.0f}; AWS calls per minute: {calls / elapsed * 60:.0f}; RSS {base[1]:.1f} -> {rss:.1f} MB (peak {peak:.1f}); "
                  f"growth {((rss - base[1]) / max(passes, 1)) * 1000:.2f} MB per 1000 passes")
        finally:
            daemon.send_signal(signal.SIGTERM)
            daemon.wait(timeout=60)
    return 0


if __name__ == "__main__":
    sys.exit(main())
