"""Where the daemon's specs come from: directories on disk, or a git repository it clones and
pulls on an interval (GitOps). Either way the daemon reads the specs from local paths; a git
source also says which commit they are at (recorded per app in the state store).

Git is driven through the `git` command (the image installs it): clone once (shallow, one
branch), then `fetch` + `reset --hard` to the branch's head. A failed pull keeps the last good
checkout and is reported; the specs it holds stay in force.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import structlog

from reconciler.errors import ConfigurationError

log = structlog.get_logger("reconciler.daemon")

GIT_TIMEOUT = 120.0


@dataclass
class DirectorySource:
    paths: list[str]
    commit: str = ""

    def roots(self) -> list[str]:
        return list(self.paths)

    def refresh(self) -> bool:
        """Nothing to fetch: the file watcher (or polling) sees changes."""
        return False

    def close(self) -> None:
        pass


@dataclass
class GitSource:
    """`url` (any URL or path git accepts), `branch`, and `path` inside the repository."""

    url: str
    branch: str = "main"
    path: str = "."
    interval: float = 60.0
    workdir: str = ""
    commit: str = ""
    clock: Callable[[], float] = time.monotonic
    _owned: bool = field(default=False, repr=False)
    _last_pull: float = field(default=float("-inf"), repr=False)

    def __post_init__(self) -> None:
        if shutil.which("git") is None:
            raise ConfigurationError("--git needs the git command on PATH")
        if not self.workdir:
            self.workdir = tempfile.mkdtemp(prefix="reconcile-git-")
            self._owned = True
        self.checkout = os.path.join(self.workdir, "checkout")
        if os.path.isabs(self.path) or ".." in self.path.split("/"):
            raise ConfigurationError(f"--path {self.path!r}: must be a relative path inside the repository")

    def roots(self) -> list[str]:
        return [os.path.join(self.checkout, self.path)]

    def refresh(self, *, force: bool = False) -> bool:
        """Clone or pull when the interval has passed; True when the commit changed."""
        if not force and self.clock() - self._last_pull < self.interval:
            return False
        self._last_pull = self.clock()
        before = self.commit
        try:
            if not os.path.isdir(os.path.join(self.checkout, ".git")):
                self._git("clone", "--quiet", "--depth", "1", "--branch", self.branch, "--single-branch",
                          self.url, self.checkout, cwd=self.workdir)
            else:
                self._git("fetch", "--quiet", "--depth", "1", "origin", self.branch)
                self._git("reset", "--quiet", "--hard", "FETCH_HEAD")
            self.commit = self._git("rev-parse", "HEAD").strip()
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as error:
            message = getattr(error, "stderr", "") or str(error)
            log.warning("git_pull_failed", url=_safe_url(self.url), branch=self.branch,
                        error=_safe_url(str(message).strip()[:300]))
            return False
        if self.commit != before:
            log.info("git_pulled", url=_safe_url(self.url), branch=self.branch, commit=self.commit)
        return self.commit != before

    def close(self) -> None:
        if self._owned:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def _git(self, *args: str, cwd: str | None = None) -> str:
        env = {**os.environ, "GIT_TERMINAL_PROMPT": "0"}
        return subprocess.run(["git", *args], cwd=cwd or self.checkout, env=env, check=True, capture_output=True,
                              text=True, timeout=GIT_TIMEOUT).stdout


def _safe_url(text: str) -> str:
    """Text without the credentials of any URL in it (https://user:token@host/...), for logs."""
    return re.sub(r"://[^/@\s]+@", "://(credentials)@", text)


def make_source(paths: Sequence[str], git: str | None, branch: str, path: str, interval: float,
                workdir: str = "") -> DirectorySource | GitSource:
    if git:
        return GitSource(git, branch, path, interval, workdir)
    return DirectorySource(list(paths) or ["."])
