"""Prometheus metrics (prometheus_client, one registry per daemon) and the health endpoints,
served on `--metrics-addr` (default 127.0.0.1:9464):

    /metrics   the metrics below, in Prometheus' text format
    /healthz   200 while the loop is alive (it ticked within a few intervals), else 503
    /readyz    200 once a first pass finished and leases are held or being waited for, else 503
"""
from __future__ import annotations

import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest

THROTTLE_CODES = frozenset({"Throttling", "ThrottlingException", "ThrottledException", "TooManyRequestsException",
                            "RequestLimitExceeded", "ProvisionedThroughputExceededException", "RequestThrottled",
                            "SlowDown", "PriorRequestNotComplete"})


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.passes = Counter("reconcile_passes", "Reconcile passes by app and outcome", ["app", "outcome"], registry=r)
        self.pass_seconds = Histogram("reconcile_pass_duration_seconds", "Duration of one pass, by app", ["app"],
                                      buckets=(0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120), registry=r)
        self.changes = Counter("reconcile_resource_changes", "Changes applied, by kind and action",
                               ["kind", "action"], registry=r)
        self.drift = Counter("reconcile_drift_corrections", "Changes made to undo drift (the spec had not changed)",
                             ["kind"], registry=r)
        self.aws_calls = Counter("reconcile_aws_calls", "AWS API calls, by service, operation and outcome",
                                 ["service", "operation", "outcome"], registry=r)
        self.throttles = Counter("reconcile_aws_throttles", "AWS answers that throttled us (retries included)",
                                 ["service"], registry=r)
        self.queue_depth = Gauge("reconcile_queue_depth", "Apps due for a pass now", registry=r)
        self.leases = Gauge("reconcile_leases_held", "Shard leases this replica holds", registry=r)
        self.leader = Gauge("reconcile_leader", "1 while this replica is the leader", registry=r)
        self.apps = Gauge("reconcile_apps", "Apps by condition", ["condition"], registry=r)
        self.apps_total = Gauge("reconcile_apps_known", "Apps under the spec roots (all shards)", registry=r)

    def render(self) -> bytes:
        return generate_latest(self.registry)

    # --- AWS calls (botocore events on every client of the daemon's factory) --------------

    def after_call(self, http_response: Any = None, parsed: Any = None, model: Any = None, **kwargs: Any) -> None:
        if model is None:
            return
        code = ((parsed or {}).get("Error") or {}).get("Code") if isinstance(parsed, dict) else None
        service = model.service_model.endpoint_prefix
        self.aws_calls.labels(service, model.name, code or "ok").inc()

    def needs_retry(self, response: Any = None, operation: Any = None, **kwargs: Any) -> None:
        if not response or operation is None:
            return
        parsed = response[1] if isinstance(response, tuple) and len(response) > 1 else {}
        code = ((parsed or {}).get("Error") or {}).get("Code") if isinstance(parsed, dict) else None
        if code in THROTTLE_CODES:
            self.throttles.labels(operation.service_model.endpoint_prefix).inc()


class HealthServer:
    """/metrics, /healthz and /readyz on one small threaded HTTP server."""

    def __init__(self, address: str, metrics: Metrics, healthy: Callable[[], bool], ready: Callable[[], tuple[bool, str]]) -> None:
        host, _, port = address.rpartition(":")
        self.metrics, self.healthy, self.ready = metrics, healthy, ready
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                path = self.path.split("?", 1)[0]
                if path == "/metrics":
                    self._send(200, outer.metrics.render(), CONTENT_TYPE_LATEST)
                elif path == "/healthz":
                    alive = outer.healthy()
                    self._send(200 if alive else 503, b"ok\n" if alive else b"loop stalled\n")
                elif path == "/readyz":
                    ok, why = outer.ready()
                    self._send(200 if ok else 503, (why + "\n").encode())
                else:
                    self._send(404, b"not found: /metrics, /healthz, /readyz\n")

            def _send(self, code: int, body: bytes, content_type: str = "text/plain; charset=utf-8") -> None:
                self.send_response(code)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass  # scrapes are not news

        self.server = ThreadingHTTPServer((host.strip("[]") or "127.0.0.1", int(port)), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, name="metrics", daemon=True)

    @property
    def address(self) -> str:
        host, port = self.server.server_address[:2]
        return f"{host}:{port}"

    def start(self) -> "HealthServer":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)

