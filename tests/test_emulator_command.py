"""`reconcile emulator` runs the embedded AWS in its own process, shared by other commands; the
ECS scheduler simulation runs there too, so a converge against it reaches Ready."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

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


def test_a_second_emulator_on_a_busy_port_exits_1_with_the_reason_instead_of_hanging():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run([sys.executable, "-m", "reconciler.cli", "emulator", "--port", str(port)], cwd=ROOT,
                                capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert result.stderr.strip() == (f"reconcile: cannot listen on 127.0.0.1:{port}: Address already in use; is another "
                                     "`reconcile emulator` running? Stop it or pick another --port")


def _outbound_address() -> str | None:
    """This machine's non-loopback address (a UDP connect sends nothing)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("10.255.255.255", 1))
        except OSError:
            return None
        address = probe.getsockname()[0]
    return None if address.startswith("127.") else address


def test_the_embedded_aws_listens_on_loopback_only_by_default(moto_server):
    address = _outbound_address()
    if address is None:
        pytest.skip("this machine has no non-loopback address")
    with pytest.raises(OSError):
        socket.create_connection((address, moto_server.port), timeout=2).close()
    socket.create_connection(("127.0.0.1", moto_server.port), timeout=2).close()


def test_emulator_host_option_binds_all_interfaces_for_a_container():
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "reconciler.cli", "emulator", "--port", str(port), "--host", "0.0.0.0"],
                               cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                               env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        assert process.stdout is not None
        banner = process.stdout.readline()
        assert f"listening on http://127.0.0.1:{port} (bound to 0.0.0.0)" in banner
        address = _outbound_address() or "127.0.0.1"
        socket.create_connection((address, port), timeout=5).close()
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0


def test_an_interrupted_converge_exits_130_with_a_hint():
    with socket.socket() as silent:  # accepts connections, never answers: the converge waits on it
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        silent.settimeout(60)
        url = f"http://127.0.0.1:{silent.getsockname()[1]}"
        process = subprocess.Popen([sys.executable, "-m", "reconciler.cli", "--once", "examples/single-dockerfile",
                                    "--target", url], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        connection, _ = silent.accept()  # the command is now inside its first AWS call
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=30)
        connection.close()
    assert process.returncode == 130
    assert "interrupted; run it again" in err and "Traceback" not in err
