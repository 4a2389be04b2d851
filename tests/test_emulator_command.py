"""`reconcile emulator` runs the embedded AWS in its own process, shared by other commands; the
ECS scheduler simulation runs there too, so a converge against it reaches Ready."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

from reconciler.cli import main

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_emulator_is_shared_by_separate_commands_and_simulates_ecs(capsys):
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "reconciler.cli", "emulator", "--port", str(port)], cwd=ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        assert process.stdout is not None
        banner = process.stdout.readline()
        assert f"http://127.0.0.1:{port}" in banner
        url = f"http://127.0.0.1:{port}"
        single = str(ROOT / "examples/single-dockerfile")
        # Ready needs the simulated ECS deployment to complete inside the emulator process.
        assert main(["--once", single, "--target", url, "--timeout", "60"]) == 0
        assert main(["plan", single, "--target", url, "--detailed-exitcode"]) == 0
        assert "No changes" in capsys.readouterr().out
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0
