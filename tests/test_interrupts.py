"""A Ctrl-C that lands inside a finalizer is not lost (reconciler.interrupts)."""
from __future__ import annotations

import gc
import sys
import time

import pytest

from reconciler.interrupts import kept


class _Interrupted:
    """An object whose finalizer is where the Ctrl-C lands."""

    def __del__(self) -> None:
        raise KeyboardInterrupt


def _work(seconds: float = 1.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:  # plain steps, where the main thread checks for pending signals
        pass


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_without_it_cpython_drops_the_interrupt_and_the_work_goes_on():
    _Interrupted()
    gc.collect()
    _work(0.3)  # not interrupted


def test_an_interrupt_raised_in_a_finalizer_reaches_the_main_thread():
    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        with kept():
            _Interrupted()  # freed at once: its __del__ raises, CPython drops it, kept() hands it back
            _work(10)
    assert time.monotonic() - started < 5


def test_other_unraisable_exceptions_still_go_to_the_previous_hook(monkeypatch):
    seen = []
    monkeypatch.setattr(sys, "unraisablehook", lambda unraisable: seen.append(unraisable.exc_value))

    class Broken:
        def __del__(self) -> None:
            raise ValueError("from a finalizer")

    with kept():
        Broken()
        gc.collect()
    assert [str(e) for e in seen] == ["from a finalizer"]
