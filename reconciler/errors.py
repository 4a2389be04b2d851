"""The three outcomes of a reconcile step, typed (controller-runtime, kopf), and CLI exit codes.

- TerminalError: the spec must change (bad input, foreign resource). Never retried.
- RequeueAfter / DependencyNotReady: expected waiting; retried after a fixed interval, no backoff.
- Anything else: retried by the engine with jittered exponential backoff.
"""
from __future__ import annotations


class TerminalError(Exception):
    """The spec (or the world) must change before this can succeed. Never retried."""

    def __init__(self, message: str, reason: str = "TerminalError") -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


class RequeueAfter(Exception):
    """Expected waiting: look again after `seconds`."""

    def __init__(self, message: str, seconds: float = 5.0, reason: str = "Waiting") -> None:
        super().__init__(message)
        self.message = message
        self.seconds = seconds
        self.reason = reason


class DependencyNotReady(RequeueAfter):
    """An output this resource needs is not there yet (Flux's dependsOn): requeue, not an error."""

    def __init__(self, message: str, seconds: float = 2.0) -> None:
        super().__init__(message, seconds, reason="DependencyNotReady")


class AwaitingUser(RequeueAfter):
    """Waiting on something only a person can do outside AWS (records to add at an external
    DNS registrar, a domain's delegation to fix): `--once` says what and stops (exit 6) once
    nothing else can move, instead of waiting until --timeout."""

    def __init__(self, message: str, seconds: float = 30.0) -> None:
        super().__init__(message, seconds, reason="AwaitingUser")


class ConfigurationError(Exception):
    """Bad command-line input or environment (no credentials for --target aws, ...)."""


# Documented exit codes of the CLI (README "Exit codes").
EXIT_OK = 0
EXIT_ERROR = 1  # bad input, AWS error, refusal
EXIT_CHANGES = 2  # plan --detailed-exitcode: changes pending
EXIT_TIMEOUT = 3  # --once: resources not Ready before --timeout
EXIT_REFUSED = 4  # --once: a resource was refused (foreign, terminal)
EXIT_FAILED = 5  # --once: a resource failed in a way waiting will not fix (ECS rollout FAILED)
EXIT_AWAITING = 6  # --once: waiting on you (DNS records to add at your registrar; printed)
EXIT_BUILD_FAILED = 7  # --once: the build of the images failed (phase and reason on stderr)
