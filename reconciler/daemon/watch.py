"""Wakes the daemon when a file under its spec roots changes (spec, Dockerfile, compose, env and
secret files): watchdog's native observer (inotify, FSEvents, ...), or its polling observer
where the native one cannot start (no inotify watches left, network file systems) or when
asked (`--poll`). The daemon re-reads the specs on a wake-up and reconciles the apps whose
generation (spec + translation, sources included) changed; it also re-reads on its interval,
so a missed event delays a change, never loses it.
"""
from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from typing import Any

import structlog
from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.polling import PollingObserver

log = structlog.get_logger("reconciler.daemon")


class _Wake(FileSystemEventHandler):
    def __init__(self, changed: threading.Event) -> None:
        self.changed = changed

    def on_any_event(self, event: FileSystemEvent) -> None:
        path = str(event.src_path)
        if event.event_type in ("opened", "closed_no_write") or "/.git/" in path or path.endswith("/.git"):
            return  # reads, and git's own bookkeeping, change no spec
        self.changed.set()


class Watcher:
    def __init__(self, roots: Sequence[str], changed: threading.Event, *, poll: bool = False,
                 poll_interval: float = 2.0) -> None:
        self.roots = [r for r in roots if os.path.exists(r)]
        self.changed = changed
        self.poll = poll
        self.poll_interval = poll_interval
        self._observer: Any = None
        self.mode = "off"

    def start(self) -> "Watcher":
        handler = _Wake(self.changed)
        if not self.poll:
            try:
                self._observer = self._schedule(Observer(), handler)
                self._observer.start()
                self.mode = "native"
                return self
            except OSError as error:  # inotify limits, unsupported file system
                log.warning("file_watch_fallback_to_polling", error=str(error))
                self._observer = None
        self._observer = self._schedule(PollingObserver(timeout=self.poll_interval), handler)
        self._observer.start()
        self.mode = "polling"
        return self

    def _schedule(self, observer: Any, handler: _Wake) -> Any:
        for root in self.roots:
            observer.schedule(handler, root if os.path.isdir(root) else os.path.dirname(os.path.abspath(root)),
                              recursive=True)
        return observer

    def stop(self) -> None:
        if self._observer is not None:
            self._observer.stop()
            self._observer.join(timeout=5)
            self._observer = None
