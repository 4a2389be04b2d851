"""acm.validation: "the certificate is issued", as a resource (Terraform's
aws_acm_certificate_validation). It makes nothing in AWS: it exists once its certificate is
ISSUED, and its `arn` output is what the load balancer, CloudFront and API Gateway reference,
so none of them is given a certificate AWS would refuse.

While the certificate is PENDING_VALIDATION its create requeues, saying why where we can tell
(see diagnosis.py); with `dns: external`, or when only a person can fix the cause (a
delegation), it waits for them (AwaitingUser: `--once` prints the records and exits 6 once
nothing else can move). FAILED and VALIDATION_TIMED_OUT are terminal, with AWS's reason: the
certificate cannot recover; the message says how to start over.

moto issues every certificate after MOTO_ACM_VALIDATION_WAIT seconds whatever the DNS says, and
never fails one: those paths are tested through a test double of `status.READER`.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from controllers.acm import status
from controllers.acm.certificate import EDGE, KIND as CERTIFICATE, wanted
from controllers.acm.diagnosis import diagnose
from reconciler.controller import BaseController, Context
from reconciler.design import EnvironmentDesign
from reconciler.errors import AwaitingUser, RequeueAfter, TerminalError
from reconciler.ownership import tags_for
from reconciler.resource import UNKNOWN, FieldChange, Key, Observation, Ref, Resource

KIND = "acm.validation"
PENDING_REQUEUE = 5.0
_HINTS = {
    "CAA_ERROR": "a CAA record of the domain does not allow amazon.com to issue",
    "DOMAIN_NOT_ALLOWED": "ACM may not issue for this domain",
    "ADDITIONAL_VERIFICATION_REQUIRED": "AWS wants more verification: contact AWS Support",
    "INVALID_PUBLIC_DOMAIN": "the name is not a valid public domain",
    "NO_AVAILABLE_CONTACTS": "no contact could be found for the domain",
}


class ValidationController(BaseController):
    kind = KIND
    scope = "app"
    outputs = frozenset({"arn"})
    references = frozenset({CERTIFICATE})
    standard_names = ("", EDGE)

    def identity(self, key: Key) -> dict[str, Any]:
        return {"CertificateArn": Ref(CERTIFICATE, "arn", name=key.name, app=True),
                "Region": status.US_EAST_1 if key.name == EDGE else None, "Dns": "route53"}

    def desired(self, env: EnvironmentDesign) -> list[Resource]:
        resources = []
        for app in env.apps:
            for name, _, region, dns in wanted(app, env.location.region):
                key = Key(KIND, env.name, app.name, name)
                desired = {"CertificateArn": Ref(CERTIFICATE, "arn", name=name, app=True), "Region": region, "Dns": dns}
                resources.append(Resource(key, desired, tags_for(key, app.labels), app.adopt))
        return resources

    def observe(self, resources: Sequence[Resource], ctx: Context) -> Mapping[Key, Observation]:
        result: dict[Key, Observation] = {}
        for resource in resources:
            arn = resource.desired["CertificateArn"]
            if resource.ensure != "present" or arn is UNKNOWN:
                # Nothing in AWS to delete; and absent until there is a certificate to wait for.
                result[resource.key] = Observation.absent("waiting for the certificate")
                continue
            found = status.read(ctx, _region(resource, ctx), arn)
            if found is not None and found.status == status.ISSUED:
                result[resource.key] = Observation(True, fields={"CertificateArn": arn}, outputs={"arn": arn},
                                                   tags=dict(resource.tags))
            else:
                result[resource.key] = Observation.absent(_explain(ctx, resource, found))
        return result

    def diff(self, resource: Resource, observation: Observation) -> list[FieldChange]:
        return []  # observed only for the certificate it names: issued is all there is to it

    def create(self, resource: Resource, ctx: Context) -> Mapping[str, Any]:
        arn = resource.desired["CertificateArn"]
        found = status.read(ctx, _region(resource, ctx), arn)
        if found is not None and found.status == status.ISSUED:
            return {"arn": arn}
        if found is not None and found.status in status.TERMINAL:
            raise TerminalError(_failure(resource, ctx, found), reason="CertificateFailed")
        message = _explain(ctx, resource, found)
        if found is not None and found.records_known:
            verdict = diagnose(ctx, found, resource.desired["Dns"])
            if verdict.needs_person:
                raise AwaitingUser(message)
        raise RequeueAfter(message, PENDING_REQUEUE)

    def update(self, resource: Resource, observation: Observation, changes: Sequence[FieldChange],
               ctx: Context) -> Mapping[str, Any]:
        return dict(observation.outputs)

    def delete(self, key: Key, observation: Observation, ctx: Context) -> None:
        return None  # nothing of its own in AWS


def _region(resource: Resource, ctx: Context) -> str:
    return resource.desired.get("Region") or ctx.region


def _explain(ctx: Context, resource: Resource, found: status.CertificateStatus | None) -> str:
    if found is None:
        return f"certificate {resource.desired['CertificateArn']} not found"
    if found.status in status.TERMINAL:
        return _failure(resource, ctx, found)
    if not found.records_known:
        return f"{found.status}: waiting for ACM to fill in the validation records"
    return f"{found.status} ({', '.join(found.names)}): {diagnose(ctx, found, resource.desired['Dns']).message}"


def _failure(resource: Resource, ctx: Context, found: status.CertificateStatus) -> str:
    reason = found.failure_reason or "no reason given"
    hint = _HINTS.get(found.failure_reason, "")
    return (f"certificate {found.arn} for {', '.join(found.names)} is {found.status}: {reason}"
            + (f" ({hint})" if hint else "")
            + f". It cannot recover: fix the cause, delete it (aws acm delete-certificate --certificate-arn "
              f"{found.arn} --region {_region(resource, ctx)}) and run again to request a new one")
