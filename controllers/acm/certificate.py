"""acm.certificate: the DNS-validated certificates of an app's domain.

A hosting app has one in the environment's region (the load balancer's) and, when that region
is not us-east-1, one in us-east-1 (CloudFront accepts only those), named "edge". An API app
with `api.domain` has one in its region (the API Gateway custom domain's). In us-east-1 the
load balancer and CloudFront share the regional one.

A certificate's names cannot change, and a certificate in use cannot be deleted: so a change of
names requests a new certificate beside the old one, and the old one ("superseded") is deleted
once nothing uses it any more (the listener and CloudFront move to the new one as soon as it is
issued). A certificate of ours for this resource that already covers the names is reused (an
alias removed needs no new certificate), preferring an issued one.

Ready as soon as AWS has filled in the validation records (a few seconds after the request):
the `validation_records` output (`NAME CNAME VALUE` lines) is what the DNS kind writes and what
`dns: external` prints. Issuance itself is acm.validation's business. Ours by tags: a foreign
certificate for the same names is never touched, nor counted.

Observed per region with one ListCertificates, ListTagsForCertificate of the certificates
carrying a domain we want (all of them when looking one up from its key alone, for prune), and
DescribeCertificate (through `status.read`) of ours. moto: the idempotency token is ignored (a
retried request makes a second certificate: the extra one is superseded and deleted), records
are the same fixed token for every name, and InUseBy never lists CloudFront.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from controllers.acm import aws, status
from reconciler.compare import diff_fields
from reconciler.controller import BaseController, Context
from reconciler.design import AppDesign, EnvironmentDesign
from reconciler.domains import covers_all, plain
from reconciler.errors import RequeueAfter
from reconciler.ownership import (MANAGED_BY_VALUE, TAG_APP, TAG_ENVIRONMENT, TAG_KIND, TAG_MANAGED_BY, TAG_NAME,
                                  stale_tags, tags_for)
from reconciler.resource import FieldChange, Key, Observation, Resource, changed_fields

KIND = "acm.certificate"
EDGE = "edge"
KEY_ALGORITHM = "RSA_2048"
# Prefer what works: issued, then on its way, then failed (so the failure is reported).
_PREFERENCE = {status.ISSUED: 0, status.PENDING: 1}


def wanted(app: AppDesign, region: str) -> list[tuple[str, tuple[str, ...], str, str]]:
    """(key name, names, region, dns mode) of each certificate the app needs."""
    if app.hosting is not None:
        names, dns = app.hosting.names, app.hosting.dns
        found = [("", names, region, dns)]
        return found + ([(EDGE, names, status.US_EAST_1, dns)] if region != status.US_EAST_1 else [])
    if app.api is not None and app.api.domain:
        return [("", (app.api.domain,), region, app.api.dns)]
    return []


def _tagged_for(key: Key, tags: Mapping[str, str]) -> bool:
    return (tags.get(TAG_MANAGED_BY) == MANAGED_BY_VALUE and tags.get(TAG_KIND) == key.kind
            and tags.get(TAG_ENVIRONMENT) == key.environment and tags.get(TAG_APP) == key.app
            and tags.get(TAG_NAME, "") == key.name)


class CertificateController(BaseController):
    kind = KIND
    scope = "app"
    outputs = frozenset({"arn", "status", "validation_records", "names", "region"})
    standard_names = ("", EDGE)
    ready_after_apply = False  # the validation records appear a few seconds after the request

    def identity(self, key: Key) -> dict[str, Any]:
        return {"Region": status.US_EAST_1 if key.name == EDGE else None}

    def desired(self, env: EnvironmentDesign) -> list[Resource]:
        resources = []
        for app in env.apps:
            for name, names, region, _ in wanted(app, env.location.region):
                key = Key(KIND, env.name, app.name, name)
                desired = {"DomainName": names[0], "SubjectAlternativeNames": sorted(names),
                           "KeyAlgorithm": KEY_ALGORITHM, "Region": region}
                resources.append(Resource(key, desired, tags_for(key, app.labels), app.adopt))
        return resources

    def observe(self, resources: Sequence[Resource], ctx: Context) -> Mapping[Key, Observation]:
        result: dict[Key, Observation] = {}
        for resource in resources:
            region = resource.desired.get("Region") or ctx.region
            ours = [(found, tags) for arn, tags in _ours(ctx, region, resource)
                    if (found := status.read(ctx, region, arn)) is not None]
            result[resource.key] = _observed(resource, region, ours)
        return result

    def diff(self, resource: Resource, observation: Observation) -> list[FieldChange]:
        desired = {**resource.desired, "tags": resource.tags, "Superseded": []}
        desired["Region"] = observation.fields.get("Region")
        return diff_fields(desired, observation.fields)

    def create(self, resource: Resource, ctx: Context) -> Mapping[str, Any]:
        want = resource.desired
        region = want.get("Region") or ctx.region
        others = [n for n in want["SubjectAlternativeNames"] if n != want["DomainName"]]
        arn = aws.request_certificate(ctx.client("acm", region), want["DomainName"], others, resource.token or str(resource.key),
                                      resource.tags, want["KeyAlgorithm"])
        return {"arn": arn, "status": status.PENDING, "names": list(want["SubjectAlternativeNames"]), "region": region}

    def update(self, resource: Resource, observation: Observation, changes: Sequence[FieldChange],
               ctx: Context) -> Mapping[str, Any]:
        region = observation.fields["Region"]
        acm = ctx.client("acm", region)
        changed = changed_fields(changes)
        if "tags" in changed:
            aws.add_tags(acm, observation.outputs["arn"], stale_tags(resource.tags, observation.tags))
        if "Superseded" in changed:
            for arn in observation.fields["Superseded"]:
                aws.delete_certificate(acm, arn)  # one still in use stays for a later pass
        return dict(observation.outputs)

    def delete(self, key: Key, observation: Observation, ctx: Context) -> None:
        acm = ctx.client("acm", observation.fields["Region"])
        busy = [arn for arn in [observation.outputs["arn"], *observation.state["superseded"]]
                if not aws.delete_certificate(acm, arn)]
        if busy:
            raise RequeueAfter(f"{key}: {', '.join(busy)} still in use (a listener or CloudFront lets go of it first)", 15.0)


def _ours(ctx: Context, region: str, resource: Resource) -> list[tuple[str, dict[str, str]]]:
    """(ARN, tags) of the region's certificates tagged for this resource's key."""
    acm = ctx.client("acm", region)
    listed = ctx.cache.get(("acm", "list", region), lambda: aws.list_certificates(acm))
    domain = resource.desired.get("DomainName")
    candidates = [c["CertificateArn"] for c in listed if domain is None or plain(c.get("DomainName", "")) == plain(domain)]
    tagged = [(arn, ctx.cache.get(("acm", "tags", arn), lambda a=arn: aws.tags_of(acm, a))) for arn in candidates]
    return [(arn, tags) for arn, tags in tagged if _tagged_for(resource.key, tags)]


def _observed(resource: Resource, region: str, ours: list[tuple[status.CertificateStatus, dict[str, str]]]) -> Observation:
    names = resource.desired.get("SubjectAlternativeNames")
    usable = [(s, tags) for s, tags in ours if names is None or covers_all(s.names, names)]
    usable.sort(key=lambda item: (_PREFERENCE.get(item[0].status, 2), len(item[0].names) != len(names or item[0].names),
                                  -_created(item[0])))
    if not usable:
        # Nothing covers the names: a new one is requested; the old ones are superseded by it.
        return Observation.absent()
    match, tags = usable[0]
    superseded = [s for s, _ in ours if s.arn != match.arn]
    fields = {
        "DomainName": resource.desired.get("DomainName", match.names[0]),
        "SubjectAlternativeNames": sorted(names) if names is not None else sorted(match.names),
        "KeyAlgorithm": resource.desired.get("KeyAlgorithm", match.key_algorithm),
        "Region": region,
        "tags": tags,
        "Superseded": [s.arn for s in superseded if not s.in_use_by],
    }
    ready = match.status == status.ISSUED or match.records_known
    return Observation(
        exists=True,
        fields=fields,
        outputs={"arn": match.arn, "status": match.status, "region": region, "names": list(match.names),
                 "validation_records": sorted(r.line() for r in match.records)},
        tags=fields["tags"],
        ready=ready,
        message="" if ready else f"{match.status}: waiting for ACM to fill in the validation records",
        state={"superseded": [s.arn for s in superseded], "status": match},
    )


def _created(certificate: status.CertificateStatus) -> float:
    created = certificate.created_at
    return created.timestamp() if hasattr(created, "timestamp") else 0.0
