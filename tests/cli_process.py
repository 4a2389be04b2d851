"""Run `reconcile` in a child process and measure it: exit code, output, wall time and peak
memory (tests/measured_cli.py reports the child's own peak RSS)."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

MEASURED_CLI = Path(__file__).with_name("measured_cli.py")


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str
    seconds: float
    max_rss_mb: float


def run_cli(args: list[str], cwd: Path, timeout: float = 60.0) -> Run:
    with tempfile.TemporaryDirectory() as scratch:
        peak = Path(scratch) / "peak"
        out, err = Path(scratch) / "out", Path(scratch) / "err"
        started = time.monotonic()
        with open(out, "wb") as stdout, open(err, "wb") as stderr:
            process = subprocess.Popen([sys.executable, str(MEASURED_CLI), str(peak), *args], cwd=cwd, stdout=stdout,
                                       stderr=stderr, stdin=subprocess.DEVNULL, env={**os.environ, "PYTHONUNBUFFERED": "1"})
            try:
                code = process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                process.send_signal(signal.SIGKILL)
                code = process.wait()
        seconds = time.monotonic() - started
        rss_kib = int(peak.read_text()) if peak.exists() and peak.read_text() else 0
        # No peak file: killed before it could write one; report it as beyond any bound.
        return Run(code, out.read_text(errors="replace"), err.read_text(errors="replace"), seconds,
                   rss_kib / 1024 if rss_kib else float("inf"))
