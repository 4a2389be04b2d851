"""Daemons as real processes (`reconcile run` against the session's moto server), their stderr
collected as it comes, their journal read back; and small helpers to wait on what they do."""
from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3

from reconciler.aws import ClientFactory
from reconciler.state import StateStore
from reconciler.target import emulator_endpoint

ROOT = Path(__file__).resolve().parents[2]


def client(url: str, service: str) -> Any:
    return boto3.client(service, endpoint_url=url, region_name="us-east-1", aws_access_key_id="x",
                        aws_secret_access_key="x")


def state(url: str, environment: str = "dev") -> Any:
    return StateStore(ClientFactory(emulator_endpoint(url))).load(environment)


def wait_until(predicate: Callable[[], Any], timeout: float, what: str, every: float = 0.25) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        found = predicate()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout}s: {what}")
        time.sleep(every)


def ready(url: str, *apps: str) -> bool:
    records = state(url).apps
    return all(app in records and records[app].outcome == "Ready" for app in apps)


class DaemonProcess:
    def __init__(self, url: str, tmp_path: Path, *args: str, name: str = "r1", interval: str = "60s",
                 lease: str = "3s", shards: int = 4) -> None:
        self.name = name
        self.journal = tmp_path / f"journal-{name}.jsonl"
        command = [sys.executable, "-m", "reconciler.cli", "run", *args, "--target", url, "--interval", interval,
                   "--lease-duration", lease, "--shards", str(shards), "--metrics-addr", "127.0.0.1:0",
                   "--journal", str(self.journal), "--replica", name, "--log-format", "json", "--log-level", "info"]
        self.process = subprocess.Popen(command, cwd=ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.lines.append(line.rstrip("\n"))

    def logged(self, event: str) -> list[dict]:
        found = []
        for line in list(self.lines):
            if line.startswith("{"):
                record = json.loads(line)
                if record.get("event") == event:
                    found.append(record)
        return found

    def events(self) -> list[dict]:
        if not self.journal.exists():
            return []
        return [json.loads(line) for line in self.journal.read_text().splitlines() if line.strip()]

    @property
    def address(self) -> str:
        def found() -> str:
            for line in list(self.lines):
                match = re.search(r"metrics on http://([\d.:]+)/metrics", line)
                if match:
                    return match.group(1)
            assert self.process.poll() is None, "\n".join(self.lines)
            return ""

        return wait_until(found, 30, f"{self.name} to start")

    def get(self, path: str) -> tuple[int, str]:
        try:
            with urllib.request.urlopen(f"http://{self.address}{path}", timeout=5) as answer:
                return answer.status, answer.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def stop(self, timeout: float = 30) -> int:
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=timeout)

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
