"""A simulation of the embedded AWS that moves on its own: a daemon thread calling `tick()`
every `interval` seconds until stopped (the ECS scheduler, the build simulation)."""
from __future__ import annotations

import threading


class Ticker:
    name = "simulation"
    interval = 0.25

    def __init__(self) -> None:
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def tick(self) -> None:
        raise NotImplementedError

    def start(self) -> "Ticker":
        if self._thread is None or not self._thread.is_alive():
            self._stop = threading.Event()
            self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.tick()
            except Exception:  # noqa: BLE001 - a simulation hiccup must not kill the thread
                pass
