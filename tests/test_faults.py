"""Faults injected through botocore before-send hooks on the real client (no mocks): a failing
observation is retried with backoff; a permissions error stops at once with a clear message."""
from __future__ import annotations

from pathlib import Path

import pytest
from botocore.awsrequest import AWSResponse
from botocore.exceptions import ClientError

from controllers.registry import all_controllers
from reconciler.cli import main
from reconciler.engine import converge
from reconciler.loading import load_designs
from specs import AwsLocation

ROOT = Path(__file__).resolve().parents[1]
SINGLE = str(ROOT / "examples/single-dockerfile")


class _Raw:
    def __init__(self, body: bytes) -> None:
        self.body = body

    def stream(self, **kwargs):
        yield self.body


def inject(factory, service: str, operation: str, code: str, times: int) -> dict:
    """Answer the next `times` calls of `operation` with an AWS error `code` (HTTP 400)."""
    state = {"left": times, "seen": 0}
    body = (f'<Response><Errors><Error><Code>{code}</Code><Message>injected</Message></Error></Errors>'
            f'<RequestID>x</RequestID></Response>').encode()

    def hook(request, **kwargs):
        if state["left"] <= 0:
            return None
        state["left"] -= 1
        state["seen"] += 1
        return AWSResponse(request.url, 400, {}, _Raw(body))

    factory.client(service).meta.events.register(f"before-send.{service}.{operation}", hook)
    return state


def test_a_failing_observation_is_retried_with_backoff_and_converges(aws, ctx):
    designs, errors = load_designs([SINGLE], AwsLocation(ctx.account_id, ctx.region))
    assert not errors
    state = inject(aws, "ec2", "DescribeVpcs", "InternalError", times=2)
    sleeps: list[float] = []
    report = converge(all_controllers(), designs, ctx, timeout=120, sleep=sleeps.append)
    assert report.converged
    assert state["seen"] == 2 and len([s for s in sleeps if s > 0]) >= 2


def test_access_denied_stops_at_once(aws, ctx):
    designs, _ = load_designs([SINGLE], AwsLocation(ctx.account_id, ctx.region))
    inject(aws, "ec2", "DescribeVpcs", "UnauthorizedOperation", times=100)
    with pytest.raises(ClientError, match="UnauthorizedOperation"):
        converge(all_controllers(), designs, ctx, timeout=120, sleep=lambda s: None)


def test_unreachable_target_is_a_clear_error_not_a_traceback(capsys):
    assert main(["plan", SINGLE, "--target", "http://127.0.0.1:1"]) == 1
    err = capsys.readouterr().err
    assert "AWS error" in err and "Could not connect" in err and "Traceback" not in err
