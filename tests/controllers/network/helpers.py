"""Helpers for the network kinds' tests (engine calls, AWS filters, builders)."""
from __future__ import annotations

import dataclasses
from contextlib import contextmanager

from botocore.awsrequest import AWSResponse

from reconciler.engine import ConvergeReport, apply_plan, converge
from reconciler.ownership import MANAGED_BY_VALUE, TAG_ENVIRONMENT, TAG_KIND, TAG_MANAGED_BY, as_list
from reconciler.plan import Plan, make_plan
from reconciler.resource import Key


def converge_ok(controllers, envs, ctx) -> ConvergeReport:
    report = converge(controllers, envs, ctx, timeout=30, sleep=lambda s: None)
    assert report.converged, [(str(c.key), c.action, c.changes) for c in report.last_plan.pending] + [
        (str(o.key), o.status, o.message) for o in (report.last_result.outcomes.values() if report.last_result else [])
        if o.status != "unchanged"
    ]
    return report


def plan(controllers, envs, ctx) -> Plan:
    return make_plan(controllers, envs, ctx.new_pass())


def apply_only(plan_: Plan, kinds: set[str], controllers, ctx) -> None:
    """A pass interrupted: apply only the changes of some kinds (the rest 'crashed')."""
    partial = dataclasses.replace(plan_, changes=[c for c in plan_.changes if c.kind in kinds])
    apply_plan(partial, controllers, ctx)


def pending(plan_: Plan) -> list[tuple[str, str]]:
    return [(c.name, c.action) for c in plan_.pending]


def owned(kind: str, environment: str = "dev") -> list[dict]:
    return [
        {"Name": f"tag:{TAG_MANAGED_BY}", "Values": [MANAGED_BY_VALUE]},
        {"Name": f"tag:{TAG_ENVIRONMENT}", "Values": [environment]},
        {"Name": f"tag:{TAG_KIND}", "Values": [kind]},
    ]


def tag_spec(resource_type: str, tags: dict[str, str]) -> list[dict]:
    return [{"ResourceType": resource_type, "Tags": as_list(tags)}]


def output(report: ConvergeReport, kind: str, name: str = "", app: str | None = None, env: str = "dev"):
    return report.last_plan.observations[Key(kind, env, app, name)].outputs


def only(controllers, *kinds: str) -> list:
    """The controllers of some kinds (their references must stay inside the set): fewer calls
    for a test about one kind."""
    return [c for c in controllers if c.kind in kinds]


@contextmanager
def refusing(client, operation: str, code: str, message: str = "refused by the test"):
    """A fault injected at the client (botocore before-call): `operation` answers `code`.
    For AWS behaviour moto lacks (e.g. DeleteSubnet with network interfaces still in it)."""

    def answer(**_: object):
        return AWSResponse("", 400, {}, None), {"Error": {"Code": code, "Message": message}, "ResponseMetadata": {"HTTPStatusCode": 400}}

    event = f"before-call.ec2.{operation}"
    client.meta.events.register(event, answer, unique_id=f"refusing-{operation}")
    try:
        yield
    finally:
        client.meta.events.unregister(event, unique_id=f"refusing-{operation}")
