"""cdn.distribution: CloudFront in front of the environment's load balancer, per hosting app.

- The app's domain and aliases are the distribution's aliases, with the app's certificate from
  us-east-1 (CloudFront takes no other region's; requested there whatever the environment's
  region: the original worked in us-east-1 only).
- Every HTTP method is allowed (the original allowed only GET and HEAD: POST, PUT and DELETE
  failed), viewers are redirected to HTTPS, and the origin is reached over HTTPS only.
- Caching is off (the managed CachingDisabled policy) and everything the viewer sent reaches the
  app, the Host header included (managed AllViewer policy): a dynamic app behaves as if reached
  directly, and the load balancer's host-header rule and certificate match the app's domain.
  The load balancer admits only CloudFront (the CloudFront origin-facing prefix list on its
  security group; see network.security_group).

Ours by tags (found among ListDistributions' summaries by comment or alias, then
ListTagsForResource); a distribution holding one of our aliases without our tags is a
look-alike (refused unless adopted). Drift of what we set (aliases, origin, methods, policies,
certificate, enabled) is restored with UpdateDistribution, sending back what we do not own as
it is, with the ETag read just before (IfMatch). Ready when Deployed. Deleting disables it
first and deletes it once the disabled configuration is deployed (minutes on AWS), requeueing
meanwhile.

moto: the ETag never changes and a stale IfMatch is accepted (optimistic concurrency is not
tested here); status is Deployed on the first read after a change; an enabled distribution can
be deleted; CloudFrontDefaultCertificate reads true beside an ACM certificate.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from botocore.exceptions import ClientError

from controllers.cdn import aws, compare
from reconciler import naming
from reconciler.aws import error_code
from reconciler.compare import diff_fields
from reconciler.controller import BaseController, Context
from reconciler.design import AppDesign, EnvironmentDesign
from reconciler.errors import RequeueAfter, TerminalError
from reconciler.ownership import MANAGED_BY_VALUE, TAG_APP, TAG_ENVIRONMENT, TAG_KIND, TAG_MANAGED_BY, TAG_NAME, \
    stale_tags, tags_for
from reconciler.resource import FieldChange, Key, Observation, Ref, Resource, changed_fields

KIND = "cdn.distribution"
SERVICE = "cloudfront"
DISABLE_WAIT = 15.0
US_EAST_1 = "us-east-1"


def edge_certificate(region: str) -> Ref:
    """The issued certificate CloudFront takes: the us-east-1 one ("edge"), or the regional one
    when the environment is in us-east-1."""
    return Ref("acm.validation", "arn", name="edge" if region != US_EAST_1 else "", app=True)


class DistributionController(BaseController):
    kind = KIND
    scope = "app"
    outputs = frozenset({"id", "arn", "domain_name", "hosted_zone_id", "url"})
    references = frozenset({"alb.load_balancer", "acm.validation"})
    ready_after_apply = False

    def identity(self, key: Key) -> dict[str, Any]:
        return {"Comment": naming.distribution_comment(key.environment, key.app or ""), "Aliases": []}

    def desired(self, env: EnvironmentDesign) -> list[Resource]:
        return [self._desired(env, app) for app in env.apps if app.hosting is not None]

    def _desired(self, env: EnvironmentDesign, app: AppDesign) -> Resource:
        assert app.hosting is not None
        key = Key(KIND, env.name, app.name)
        desired = {
            "Comment": naming.distribution_comment(env.name, app.name),
            "Enabled": True,
            "Aliases": sorted(app.hosting.names),
            "OriginDomainName": Ref("alb.load_balancer", "dns_name"),
            "OriginProtocolPolicy": "https-only",
            "ViewerProtocolPolicy": "redirect-to-https",
            "AllowedMethods": list(compare.ALL_METHODS),
            "CachePolicyId": compare.CACHING_DISABLED,
            "OriginRequestPolicyId": compare.ALL_VIEWER,
            "CertificateArn": edge_certificate(env.location.region),
            "MinimumProtocolVersion": "TLSv1.2_2021",
            "HttpVersion": "http2and3",
            "IsIPV6Enabled": True,
            "PriceClass": "PriceClass_All",
        }
        return Resource(key, desired, tags_for(key, app.labels), app.adopt)

    def observe(self, resources: Sequence[Resource], ctx: Context) -> Mapping[Key, Observation]:
        cloudfront = ctx.client(SERVICE)
        listed = ctx.cache.get((SERVICE, "list"), lambda: aws.list_distributions(cloudfront))
        result: dict[Key, Observation] = {}
        for resource in resources:
            aliases = set(resource.desired.get("Aliases") or [])
            candidates = [d for d in listed if d.get("Comment") == resource.desired["Comment"]
                          or aliases & set((d.get("Aliases") or {}).get("Items") or [])]
            tagged = [(d, ctx.cache.get((SERVICE, "tags", d["ARN"]), lambda a=d["ARN"]: aws.tags_of(cloudfront, a)))
                      for d in candidates]
            ours = [item for item in tagged if _tagged_for(resource.key, item[1])]
            found = (ours or [item for item in tagged if aliases & set(compare.flat(item[0])["Aliases"])] or [None])[0]
            result[resource.key] = Observation.absent() if found is None else _observed(found[0], found[1], ctx)
        return result

    def diff(self, resource: Resource, observation: Observation) -> list[FieldChange]:
        desired = {**resource.desired, "tags": resource.tags}
        desired["AllowedMethods"] = sorted(desired["AllowedMethods"])
        return diff_fields(desired, observation.fields)

    def create(self, resource: Resource, ctx: Context) -> Mapping[str, Any]:
        cloudfront = ctx.client(SERVICE)
        reference = (resource.token or str(resource.key)).replace("-", "")[:128]
        try:
            created = aws.create(cloudfront, compare.config(resource.desired, reference), resource.tags)
        except ClientError as error:
            code = error_code(error)
            if code == "DistributionAlreadyExists":
                # An earlier attempt with this token got through (its answer was lost): observe finds it.
                raise RequeueAfter(f"{resource.key}: created by an earlier attempt; reading it again", 2.0) from error
            if code == "CNAMEAlreadyExists":
                raise TerminalError(f"{resource.key}: another CloudFront distribution (in this account or another) "
                                    f"already serves one of {', '.join(resource.desired['Aliases'])}: "
                                    f"{error.response['Error'].get('Message', '')}", "AliasTaken") from error
            raise
        return _outputs(created, ctx.partition)

    def update(self, resource: Resource, observation: Observation, changes: Sequence[FieldChange],
               ctx: Context) -> Mapping[str, Any]:
        cloudfront = ctx.client(SERVICE)
        distribution_id = observation.outputs["id"]
        changed = changed_fields(changes)
        if changed - {"tags"}:
            current = aws.get_config(cloudfront, distribution_id)
            if current is None:
                raise RequeueAfter(f"{resource.key}: deleted meanwhile; looking again", 2.0)
            config, etag = current
            aws.update(cloudfront, distribution_id, compare.merged(config, resource.desired), etag)
        if "tags" in changed:
            aws.tag(cloudfront, observation.outputs["arn"], stale_tags(resource.tags, observation.tags))
        return dict(observation.outputs)

    def delete(self, key: Key, observation: Observation, ctx: Context) -> None:
        cloudfront = ctx.client(SERVICE)
        distribution_id = observation.outputs["id"]
        current = aws.get_config(cloudfront, distribution_id)
        if current is None:
            return
        config, etag = current
        if config.get("Enabled"):
            aws.update(cloudfront, distribution_id, compare.disabled(config), etag)
            raise RequeueAfter(f"{key}: disabled; deleted once that is deployed", DISABLE_WAIT)
        if observation.state.get("Status") != "Deployed":
            raise RequeueAfter(f"{key}: waiting for the disabled distribution to be deployed", DISABLE_WAIT)
        aws.delete(cloudfront, distribution_id, etag)


def _tagged_for(key: Key, tags: Mapping[str, str]) -> bool:
    return (tags.get(TAG_MANAGED_BY) == MANAGED_BY_VALUE and tags.get(TAG_KIND) == key.kind
            and tags.get(TAG_ENVIRONMENT) == key.environment and tags.get(TAG_APP) == key.app
            and tags.get(TAG_NAME, "") == key.name)


def _outputs(distribution: Mapping[str, Any], partition: str) -> dict[str, Any]:
    return {"id": distribution["Id"], "arn": distribution["ARN"], "domain_name": distribution["DomainName"],
            "hosted_zone_id": compare.HOSTED_ZONE.get(partition, compare.HOSTED_ZONE["aws"]),
            "url": f"https://{_first_alias(distribution) or distribution['DomainName']}"}


def _first_alias(distribution: Mapping[str, Any]) -> str | None:
    config = distribution.get("DistributionConfig") or distribution
    items = (config.get("Aliases") or {}).get("Items") or []
    return items[0] if items else None


def _observed(summary: Mapping[str, Any], tags: dict[str, str], ctx: Context) -> Observation:
    status = summary.get("Status", "")
    fields = {**compare.flat(summary), "tags": tags}
    ready = status == "Deployed" and fields["Enabled"]
    return Observation(True, fields=fields, outputs=_outputs(summary, ctx.partition), tags=tags, ready=ready,
                       message="" if ready else f"distribution is {status}" + ("" if fields["Enabled"] else ", disabled"),
                       state=summary)
