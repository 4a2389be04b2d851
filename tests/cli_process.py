"""Run `reconcile` in a child process and measure it: exit code, output, wall time and peak
memory (the child's own max RSS from wait4, not the largest of all children so far)."""
from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

# A regression that expands a bomb must fail the test, not take the machine down with it.
ADDRESS_SPACE_CAP = 3 * 1024**3


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str
    seconds: float
    max_rss_mb: float


def _cap_memory() -> None:  # runs in the child, before exec
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE_CAP, ADDRESS_SPACE_CAP))


def run_cli(args: list[str], cwd: Path, timeout: float = 60.0) -> Run:
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.monotonic()
        process = subprocess.Popen([sys.executable, "-m", "reconciler.cli", *args], cwd=cwd, stdout=out, stderr=err,
                                   stdin=subprocess.DEVNULL, preexec_fn=_cap_memory,
                                   env={**os.environ, "PYTHONUNBUFFERED": "1"})
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() - started > timeout:
                process.send_signal(signal.SIGKILL)
                pid, status, usage = os.wait4(process.pid, 0)
                break
            time.sleep(0.02)
        seconds = time.monotonic() - started
        process.returncode = code = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        # ru_maxrss is in KiB on Linux, bytes on macOS.
        rss = usage.ru_maxrss / (1024 * 1024 if sys.platform == "darwin" else 1024)
        return Run(code, out.read().decode(errors="replace"), err.read().decode(errors="replace"), seconds, rss)
