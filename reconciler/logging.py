"""structlog setup: JSON lines when stderr is not a TTY, a readable console on a TTY.
Identity (run id, app, kind, name, phase) is bound with contextvars; a redaction processor masks
secret-like keys and values so no secret reaches a log line."""
from __future__ import annotations

import logging
import re
import sys
from collections.abc import Mapping
from typing import Any

import structlog

from specs.sensitive import is_secret_entry

REDACTED = "(sensitive)"
_SECRET_KEY = re.compile(r"(secret|password|passwd|token|credential|private[_-]?key|authorization|api[_-]?key)", re.I)
# AWS access key ids and long base64-ish blobs that look like credentials.
_SECRET_VALUE = re.compile(r"\b(AKIA|ASIA)[A-Z0-9]{16}\b|-----BEGIN [A-Z ]*PRIVATE KEY-----")


def redact(value: Any, key: str = "") -> Any:
    if key and _SECRET_KEY.search(key) and not key.endswith(("_arn", "Arn", "_id_ref")):
        return REDACTED
    if isinstance(value, Mapping):
        if is_secret_entry(value):  # an environment variable {name, value} that looks secret
            return {k: (REDACTED if k == "value" else redact(v, str(k))) for k, v in value.items()}
        return {k: redact(v, str(k)) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [redact(v) for v in value]
    if isinstance(value, str) and _SECRET_VALUE.search(value):
        return _SECRET_VALUE.sub(REDACTED, value)
    return value


def _redaction_processor(logger: Any, method: str, event: dict[str, Any]) -> dict[str, Any]:
    return {k: (v if k in ("event", "timestamp", "level") else redact(v, k)) for k, v in event.items()}


class _Stderr:
    """Whatever sys.stderr is at the time of writing (not at configure time: a test harness or a
    daemon may swap it), so a log line never goes to a closed stream."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


def configure(*, json: bool | None = None, level: str = "INFO") -> None:
    """Configure structlog once per process; logs go to stderr (stdout is for results)."""
    as_json = (not sys.stderr.isatty()) if json is None else json
    renderer: Any = structlog.processors.JSONRenderer() if as_json else structlog.dev.ConsoleRenderer(colors=False)
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            _redaction_processor,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.PrintLoggerFactory(file=_Stderr()),
        cache_logger_on_first_use=False,
    )
