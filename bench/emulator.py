"""What every benchmark starts with: a fresh `reconcile emulator` (the embedded AWS) in its own
process, so that moto's work is not counted in the measured process."""
from __future__ import annotations

import contextlib
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parents[1]
RECONCILE = [sys.executable, "-m", "reconciler.cli"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Emulator(NamedTuple):
    url: str
    pid: int  # to watch its memory


@contextlib.contextmanager
def emulator(env: dict[str, str]) -> Iterator[Emulator]:
    """A fresh `reconcile emulator` in its own process, listening."""
    port = free_port()
    process = subprocess.Popen([*RECONCILE, "emulator", "--port", str(port)], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert process.stdout is not None
        process.stdout.readline()  # the banner: listening
        yield Emulator(f"http://127.0.0.1:{port}", process.pid)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
