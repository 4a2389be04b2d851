"""`reconcile logs`: the containers' CloudWatch lines (the embedded AWS's tasks write a few when
they start), one container or all, since a time, and followed until Ctrl-C."""
from __future__ import annotations

import _thread
import threading

from reconciler.commands_delivery import since_ms
from reconciler.errors import EXIT_ERROR, EXIT_OK
from tests.delivery.helpers import once, run, shop


def test_logs_of_all_containers_or_one_since_a_time_and_followed(moto_server, tmp_path, capsys):
    url = moto_server.reset() or moto_server.url
    spec = shop(tmp_path)
    assert once(url, spec) == EXIT_OK
    capsys.readouterr()
    assert run(url, "logs", spec) == EXIT_OK
    lines = capsys.readouterr().out.splitlines()
    assert {line.split()[1] for line in lines} == {"web", "cache"}
    assert any("started container web from image" in line and ".dkr.ecr." in line for line in lines)
    assert run(url, "logs", spec, "--container", "web", "--since", "1h") == EXIT_OK
    assert {line.split()[1] for line in capsys.readouterr().out.splitlines()} == {"web"}
    assert run(url, "logs", spec, "--since", "2999-01-01T00:00:00Z") == EXIT_OK
    assert capsys.readouterr().out == ""
    assert run(url, "logs", spec, "--container", "nope") == EXIT_ERROR
    assert "has no container 'nope' (it has: web, cache)" in capsys.readouterr().err

    timer = threading.Timer(4.0, _thread.interrupt_main)  # Ctrl-C (late enough on a loaded machine)
    timer.start()
    try:
        assert run(url, "logs", spec, "--follow") == 130
    finally:
        timer.cancel()
    assert len(capsys.readouterr().out.splitlines()) == len(lines)  # each line once


def test_since_reads_durations_and_iso_times():
    now = 10_000_000
    assert since_ms("10m", now) == now - 600_000 and since_ms("2h", now) == now - 7_200_000
    assert since_ms("1970-01-01T00:00:01Z", now) == 1000 and since_ms(None, now) is None
