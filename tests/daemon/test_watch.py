"""The file watcher wakes the daemon on a change under its roots, natively or by polling (the
fallback), and ignores git's own bookkeeping; durations and credentials in URLs are read and
hidden as a person expects."""
from __future__ import annotations

import threading

import pytest

from reconciler.daemon.commands import duration
from reconciler.daemon.sources import _safe_url
from reconciler.daemon.watch import Watcher


@pytest.mark.parametrize("poll", [False, True], ids=["native", "polling"])
def test_a_changed_file_wakes_the_daemon_and_git_bookkeeping_does_not(tmp_path, poll):
    (tmp_path / "app/src").mkdir(parents=True)
    (tmp_path / ".git").mkdir()
    changed = threading.Event()
    watcher = Watcher([str(tmp_path)], changed, poll=poll, poll_interval=0.2).start()
    try:
        assert watcher.mode == ("polling" if poll else "native")
        (tmp_path / ".git/index").write_text("git's own")
        assert not changed.wait(0.6)
        (tmp_path / "app/src/compose.yaml").write_text("services: {}\n")
        assert changed.wait(5)
    finally:
        watcher.stop()


def test_durations_and_urls_read_as_a_person_writes_them():
    assert [duration(t) for t in ("60s", "5m", "500ms", "2", "1.5h")] == [60, 300, 0.5, 2, 5400]
    with pytest.raises(Exception, match="duration"):
        duration("soon")
    assert _safe_url("fatal: https://bot:s3cret@git.example.com/acme/deploy.git not found") == \
        "fatal: https://(credentials)@git.example.com/acme/deploy.git not found"


def test_run_refuses_a_path_that_does_not_exist_before_touching_aws(tmp_path, capsys):
    from reconciler.cli import main

    assert main(["run", str(tmp_path / "nope"), "--target", "http://127.0.0.1:9"]) == 1
    assert "nope: no such file or directory" in capsys.readouterr().err
