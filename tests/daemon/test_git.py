"""GitOps: `reconcile run --git` against a local bare repository: the daemon clones it,
converges the specs under --path, and applies a pushed commit that changes replicas; the
commit each app was applied from is recorded in the state store and shown by `status`."""
from __future__ import annotations

import subprocess
from pathlib import Path

from reconciler.cli import main
from reconciler.naming import cluster_name
from tests.daemon.harness import client, ready, state, wait_until
from tests.support import write_app


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args], cwd=cwd,
                          check=True, capture_output=True, text=True).stdout.strip()


def push(work: Path, message: str) -> str:
    git(work, "add", "-A")
    git(work, "commit", "-q", "-m", message)
    git(work, "push", "-q", "origin", "main")
    return git(work, "rev-parse", "HEAD")


def test_git_mode_applies_a_pushed_commit_and_shows_its_id(url, tmp_path, daemons, capsys):
    remote, work = tmp_path / "remote.git", tmp_path / "work"
    git(tmp_path, "init", "-q", "--bare", "--initial-branch", "main", str(remote))
    git(tmp_path, "clone", "-q", str(remote), str(work))
    git(work, "checkout", "-q", "-b", "main")
    spec = write_app(work / "deploy", "hello-api")
    first = push(work, "hello-api, one replica")

    daemon = daemons("--git", f"file://{remote}", "--branch", "main", "--path", "deploy", "--git-interval", "1s")
    wait_until(lambda: ready(url, "hello-api"), 60, "hello-api Ready")
    assert state(url).apps["hello-api"].commit == first

    write_app(work / "deploy", "hello-api", spec_extra="replicas: 2\n")
    second = push(work, "hello-api: two replicas")
    services = lambda: client(url, "ecs").describe_services(cluster=cluster_name("dev"), services=["hello-api"])["services"]
    wait_until(lambda: services()[0]["desiredCount"] == 2, 30, "the pushed commit applied")
    wait_until(lambda: state(url).apps["hello-api"].commit == second, 30, "the commit recorded")
    assert any(e.get("commit") == second for e in daemon.events())
    capsys.readouterr()
    main(["status", str(spec), "--target", url])
    assert f"commit {second[:12]}" in capsys.readouterr().out
    assert daemon.stop() == 0
