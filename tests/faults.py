"""The fault layer: what real AWS does that moto does not, put on the production clients through
botocore's event hooks (the code under test never knows), and a counting HTTP proxy for faults
between processes.

- lost response: the call is sent and takes effect, then the answer never arrives (a read
  timeout); botocore resends it, or the caller sees the error;
- throttling (as each protocol says it), 503, a connection reset before the call;
- read-after-create lag: for `lag` seconds after a create, lists do not show what it made;
- every attempt's time, to check call budgets.
"""
from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import urllib3
from botocore.awsrequest import AWSResponse
from botocore.exceptions import ConnectionClosedError, ReadTimeoutError
from botocore.httpsession import URLLib3Session
from botocore.parsers import create_parser

MUTATING = ("Create", "Put", "Update", "Delete", "Register", "Deregister", "Attach", "Detach", "Associate",
            "Disassociate", "Authorize", "Revoke", "Tag", "Untag", "Modify", "Replace", "Transact", "Admin")

# (service, create operation) -> (wrapper key or None, id field) of what it made.
CREATES = {
    ("ec2", "CreateVpc"): ("Vpc", "VpcId"), ("ec2", "CreateSubnet"): ("Subnet", "SubnetId"),
    ("ec2", "CreateInternetGateway"): ("InternetGateway", "InternetGatewayId"),
    ("ec2", "CreateRouteTable"): ("RouteTable", "RouteTableId"), ("ec2", "CreateSecurityGroup"): (None, "GroupId"),
    ("apigatewayv2", "CreateApi"): (None, "ApiId"), ("apigatewayv2", "CreateVpcLink"): (None, "VpcLinkId"),
    ("apigatewayv2", "CreateIntegration"): (None, "IntegrationId"), ("apigatewayv2", "CreateRoute"): (None, "RouteId"),
    ("apigatewayv2", "CreateAuthorizer"): (None, "AuthorizerId"),
    ("cognito-idp", "CreateUserPool"): ("UserPool", "Id"), ("cognito-idp", "CreateUserPoolClient"): ("UserPoolClient", "ClientId"),
}
# (service, list operation) -> (items key, id field): what lag hides.
LISTS = {
    ("ec2", "DescribeVpcs"): ("Vpcs", "VpcId"), ("ec2", "DescribeSubnets"): ("Subnets", "SubnetId"),
    ("ec2", "DescribeInternetGateways"): ("InternetGateways", "InternetGatewayId"),
    ("ec2", "DescribeRouteTables"): ("RouteTables", "RouteTableId"),
    ("ec2", "DescribeSecurityGroups"): ("SecurityGroups", "GroupId"),
    ("apigatewayv2", "GetApis"): ("Items", "ApiId"), ("apigatewayv2", "GetVpcLinks"): ("Items", "VpcLinkId"),
    ("apigatewayv2", "GetIntegrations"): ("Items", "IntegrationId"), ("apigatewayv2", "GetRoutes"): ("Items", "RouteId"),
    ("apigatewayv2", "GetAuthorizers"): ("Items", "AuthorizerId"),
    ("cognito-idp", "ListUserPools"): ("UserPools", "Id"), ("cognito-idp", "ListUserPoolClients"): ("UserPoolClients", "ClientId"),
}
KINDS = ("lost", "throttle", "unavailable", "reset")


@dataclass
class FaultLayer:
    """Attach to a fresh ClientFactory (before it makes clients): `FaultLayer(factory, rate=0.2)`."""

    factory: Any
    rate: float = 0.0
    kinds: tuple[str, ...] = KINDS
    lag: float = 0.0
    seed: int = 7
    services: tuple[str, ...] | None = None  # None: every service but the state table's own
    clock: Callable[[], float] = time.monotonic
    attempts: list[tuple[float, str, str]] = field(default_factory=list)
    injected: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._random = random.Random(self.seed)
        self._lock = threading.Lock()
        self._created: dict[str, float] = {}
        self._http = URLLib3Session()
        self._calling = threading.local()  # the operation model of the call this thread is making
        self.factory.events.register("before-call", self._before_call)
        self.factory.events.register_last("before-send", self._before_send)
        self.factory.events.register("after-call", self._after_call)

    def _before_call(self, model: Any = None, **_: Any) -> None:
        self._calling.model = model

    # --- faults ---------------------------------------------------------------------------

    def _before_send(self, request: Any = None, event_name: str = "", **_: Any) -> Any:
        model = self._calling.model
        service, operation = model.service_model.service_name, model.name
        with self._lock:
            self.attempts.append((self.clock(), service, operation))
            fault = self._pick(service, operation)
            if fault:
                self.injected[fault] = self.injected.get(fault, 0) + 1
        if fault == "lost":
            answer = self._http.send(request)  # it takes effect upstream ...
            self._remember_lost(model, answer)
            raise ReadTimeoutError(endpoint_url=request.url)  # ... and the answer never comes
        if fault == "reset":
            raise ConnectionClosedError(endpoint_url=request.url)
        if fault in ("throttle", "unavailable"):
            return _error(model.metadata["protocol"], request.url, throttled=fault == "throttle")
        return None

    def _pick(self, service: str, operation: str) -> str:
        if not self.rate or (self.services is not None and service not in self.services) or service == "dynamodb":
            return ""
        if self._random.random() >= self.rate:
            return ""
        if operation.startswith(MUTATING) and "lost" in self.kinds and self._random.random() < 0.5:
            return "lost"  # half the faults of a mutating call: the one that makes copies
        allowed = [k for k in self.kinds if k != "lost"]
        return self._random.choice(allowed) if allowed else ""

    # --- read-after-create lag ------------------------------------------------------------

    def _after_call(self, parsed: Any = None, model: Any = None, **_: Any) -> None:
        if not self.lag or not isinstance(parsed, dict) or model is None:
            return
        service, operation = model.service_model.service_name, model.name
        self._remember(service, operation, parsed)
        listed = LISTS.get((service, operation))
        if listed:
            items_key, id_key = listed
            now = self.clock()
            with self._lock:
                hidden = {i for i, at in self._created.items() if now - at < self.lag}
            if items_key in parsed and hidden:
                parsed[items_key] = [item for item in parsed[items_key] if item.get(id_key) not in hidden]

    def _remember(self, service: str, operation: str, parsed: dict) -> None:
        made = CREATES.get((service, operation))
        if not made or not self.lag:
            return
        wrapper, id_key = made
        body = parsed.get(wrapper, {}) if wrapper else parsed
        if isinstance(body, dict) and body.get(id_key):
            with self._lock:
                self._created[body[id_key]] = self.clock()

    def _remember_lost(self, model: Any, answer: Any) -> None:
        service, operation = model.service_model.service_name, model.name
        if (service, operation) not in CREATES or answer.status_code >= 300:
            return
        parsed = create_parser(model.metadata["protocol"]).parse(
            {"status_code": answer.status_code, "headers": answer.headers, "body": answer.content}, model.output_shape)
        self._remember(service, operation, parsed)

    # --- what happened --------------------------------------------------------------------

    def max_in_window(self, service: str, seconds: float) -> int:
        times = sorted(t for t, s, _ in self.attempts if s == service)
        best, start = 0, 0
        for end, at in enumerate(times):
            while at - times[start] > seconds:
                start += 1
            best = max(best, end - start + 1)
        return best


class _Raw:
    def __init__(self, body: bytes) -> None:
        self.body = body

    def stream(self, **_: Any):
        yield self.body


def _error(protocol: str, url: str, *, throttled: bool) -> AWSResponse:
    """A throttling (or 503) answer, spelled the way the service's protocol spells errors."""
    if protocol == "ec2":
        code = "RequestLimitExceeded" if throttled else "Unavailable"
        body = f"<Response><Errors><Error><Code>{code}</Code><Message>injected</Message></Error></Errors><RequestID>x</RequestID></Response>"
        return AWSResponse(url, 503, {}, _Raw(body.encode()))
    if protocol == "rest-xml":
        code = "SlowDown" if throttled else "ServiceUnavailable"
        body = f"<Error><Code>{code}</Code><Message>injected</Message><RequestId>x</RequestId></Error>"
        return AWSResponse(url, 503, {}, _Raw(body.encode()))
    if protocol == "query":
        code = "Throttling" if throttled else "ServiceUnavailable"
        body = (f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>injected</Message></Error>"
                "<RequestId>x</RequestId></ErrorResponse>")
        return AWSResponse(url, 400 if throttled else 503, {}, _Raw(body.encode()))
    code = "TooManyRequestsException" if protocol == "rest-json" and throttled else (
        "ThrottlingException" if throttled else "ServiceUnavailableException")
    status = (429 if protocol == "rest-json" else 400) if throttled else 503
    headers = {"x-amzn-ErrorType": code, "Content-Type": "application/json"}
    return AWSResponse(url, status, headers, _Raw(('{"__type": "%s", "message": "injected"}' % code).encode()))


class CountingProxy:
    """An HTTP proxy in front of the emulator that counts requests and calls `on_request(n)`
    before answering the n-th (which may kill the caller: a crash after the call took effect)."""

    def __init__(self, target: str, on_request: Callable[[int], None]) -> None:
        self.target = target.rstrip("/")
        self.count = 0
        self._lock = threading.Lock()
        pool = urllib3.PoolManager()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _forward(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")}
                answer = pool.request(self.command, proxy.target + self.path, body=body, headers=headers,
                                      redirect=False, preload_content=True)
                with proxy._lock:
                    proxy.count += 1
                    number = proxy.count
                on_request(number)
                try:
                    self.send_response(answer.status)
                    for key, value in answer.headers.items():
                        if key.lower() not in ("content-length", "transfer-encoding", "connection"):
                            self.send_header(key, value)
                    self.send_header("Content-Length", str(len(answer.data)))
                    self.end_headers()
                    self.wfile.write(answer.data)
                except OSError:  # the caller was killed: its answer goes nowhere, as intended
                    self.close_connection = True

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _forward

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
