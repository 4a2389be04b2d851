"""`python tests/measured_cli.py PEAK_FILE ARGS...`: run `reconcile ARGS...` capped at 3 GiB of
address space (a regression that expands a bomb fails the test instead of taking the machine
down), then write this process's peak RSS in KiB to PEAK_FILE.

The peak is VmHWM from /proc/self/status: it counts this program only. getrusage's ru_maxrss of
a child also holds the pages of the (large) pytest worker that forked it."""
from __future__ import annotations

import resource
import sys

CAP = 3 * 1024**3


def _peak_kib() -> int:
    try:
        with open("/proc/self/status") as status:
            return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
    except (OSError, StopIteration):  # not Linux: the closest there is
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak // 1024 if sys.platform == "darwin" else peak


if __name__ == "__main__":
    del sys.path[0]  # tests/, where `specs` would be the tests' package, not ours
    peak_file = sys.argv.pop(1)
    resource.setrlimit(resource.RLIMIT_AS, (CAP, CAP))
    try:
        from reconciler.cli import main

        code = main(sys.argv[1:])
    finally:
        with open(peak_file, "w") as out:
            out.write(str(_peak_kib()))
    sys.exit(code)
