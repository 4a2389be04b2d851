"""alb.listener: the environment's two listeners on its load balancer.

- "https" (443): TLS with a modern policy; one host-header rule per hosting app (alb.listener_rule)
  forwards to the app; anything else gets a fixed 404. Each app's certificate is added to it
  for SNI (alb.listener_certificate).
- "http" (80): redirects everything to HTTPS (301). CloudFront reaches the load balancer over
  HTTPS only and the security group admits only CloudFront on 443, so this is the answer to
  anyone who opens port 80 later, not a path in use.

An HTTPS listener cannot exist without a default certificate, and certificates belong to apps:
at creation it takes an issued certificate of one of the environment's hosting apps (ours, by
tags) and waits (DependencyNotReady) until there is one. Which one stays its default is not
compared; when that app goes, its alb.listener_certificate hands the default over to another
app's certificate before letting go of its own.

Observed with one DescribeListeners per load balancer (and DescribeTags). Port, protocol, TLS
policy and default actions drifting are restored with ModifyListener; the load balancer is
immutable.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from controllers.alb import aws, inventory
from controllers.alb.compare import canonical_actions
from controllers.alb.load_balancer import KIND as LOAD_BALANCER
from reconciler.compare import diff_fields
from reconciler.controller import BaseController, Context
from reconciler.design import EnvironmentDesign
from reconciler.errors import DependencyNotReady, TerminalError
from reconciler.ownership import MANAGED_BY_VALUE, TAG_APP, TAG_ENVIRONMENT, TAG_KIND, TAG_MANAGED_BY, TAG_NAME, \
    as_list, stale_tags, tags_for
from reconciler.resource import FieldChange, Key, Observation, Ref, Resource, changed_fields

KIND = "alb.listener"
HTTPS, HTTP = "https", "http"
SSL_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06"
CERTIFICATE_KIND = "acm.certificate"  # whose certificates may be the default (read by tags)
NOT_FOUND = {"Type": "fixed-response", "Order": 1, "FixedResponseConfig": {
    "StatusCode": "404", "ContentType": "text/plain", "MessageBody": "No site is served at this name."}}
TO_HTTPS = {"Type": "redirect", "Order": 1, "RedirectConfig": {
    "Protocol": "HTTPS", "Port": "443", "Host": "#{host}", "Path": "/#{path}", "Query": "#{query}",
    "StatusCode": "HTTP_301"}}


class ListenerController(BaseController):
    kind = KIND
    scope = "environment"
    immutable = frozenset({"LoadBalancerArn"})
    outputs = frozenset({"arn"})
    # acm.validation: ordering only (the default certificate is found by tags, not referenced).
    references = frozenset({LOAD_BALANCER, "acm.validation"})
    environment_names = (HTTPS, HTTP)
    unobservable = frozenset({"CertificateFrom"})

    def identity(self, key: Key) -> dict[str, Any]:
        return {"LoadBalancerArn": Ref(LOAD_BALANCER, "arn"), "Port": 443 if key.name == HTTPS else 80}

    def desired(self, env: EnvironmentDesign) -> list[Resource]:
        if not env.has_hosting:
            return []
        hosted = sorted({a.name for a in env.apps if a.hosting} | {o.name for o in env.others if o.hosting})
        https = {"LoadBalancerArn": Ref(LOAD_BALANCER, "arn"), "Port": 443, "Protocol": "HTTPS",
                 "SslPolicy": SSL_POLICY, "DefaultActions": [NOT_FOUND], "CertificateFrom": hosted}
        http = {"LoadBalancerArn": Ref(LOAD_BALANCER, "arn"), "Port": 80, "Protocol": "HTTP",
                "DefaultActions": [TO_HTTPS]}
        return [Resource(Key(KIND, env.name, None, name), desired, tags_for(Key(KIND, env.name, None, name)), env.adopt)
                for name, desired in ((HTTPS, https), (HTTP, http))]

    def observe(self, resources: Sequence[Resource], ctx: Context) -> Mapping[Key, Observation]:
        result: dict[Key, Observation] = {}
        for resource in resources:
            found = next((item for item in inventory.listeners(ctx, resource.desired["LoadBalancerArn"])
                          if int(item.get("Port") or 0) == resource.desired["Port"]), None)
            if found is None:
                result[resource.key] = Observation.absent()
                continue
            tags = inventory.tags_of(ctx, [found["ListenerArn"]])[found["ListenerArn"]]
            fields = {
                "LoadBalancerArn": found["LoadBalancerArn"], "Port": int(found["Port"]), "Protocol": found.get("Protocol"),
                "SslPolicy": found.get("SslPolicy"), "DefaultActions": canonical_actions(found.get("DefaultActions")),
                "tags": tags,
            }
            result[resource.key] = Observation(True, fields=fields, outputs={"arn": found["ListenerArn"]}, tags=tags,
                                               state=found)
        return result

    def diff(self, resource: Resource, observation: Observation) -> list[FieldChange]:
        desired = {**resource.desired, "tags": resource.tags}
        desired["DefaultActions"] = canonical_actions(desired["DefaultActions"])
        return diff_fields(desired, observation.fields, ignore=self.unobservable)

    def create(self, resource: Resource, ctx: Context) -> Mapping[str, Any]:
        want = resource.desired
        request: dict[str, Any] = {"LoadBalancerArn": want["LoadBalancerArn"], "Protocol": want["Protocol"],
                                   "Port": want["Port"], "DefaultActions": want["DefaultActions"],
                                   "Tags": as_list(resource.tags)}
        if want["Protocol"] == "HTTPS":
            request["SslPolicy"] = want["SslPolicy"]
            request["Certificates"] = [{"CertificateArn": _default_certificate(ctx, resource)}]
        return {"arn": aws.create_listener(inventory.client(ctx), request)["ListenerArn"]}

    def update(self, resource: Resource, observation: Observation, changes: Sequence[FieldChange],
               ctx: Context) -> Mapping[str, Any]:
        elb = inventory.client(ctx)
        arn = observation.outputs["arn"]
        want = resource.desired
        changed = changed_fields(changes)
        modify = {name: want[name] for name in ("Port", "Protocol", "SslPolicy", "DefaultActions")
                  if name in changed and name in want}
        if modify:
            aws.modify_listener(elb, arn, **modify)
        if "tags" in changed:
            aws.add_tags(elb, arn, stale_tags(resource.tags, observation.tags))
        return dict(observation.outputs)

    def delete(self, key: Key, observation: Observation, ctx: Context) -> None:
        aws.delete_listener(inventory.client(ctx), observation.outputs["arn"])


def _default_certificate(ctx: Context, resource: Resource) -> str:
    """An issued regional certificate of one of the environment's hosting apps. None issued yet:
    wait while one may still be (requested, or pending); when every one of them failed, waiting
    cannot help (their acm.validation says why)."""
    apps = set(resource.desired.get("CertificateFrom") or [])
    statuses: dict[str, list[tuple[str, str]]] = {}
    for summary in aws.certificates(ctx.client("acm")):
        arn = summary["CertificateArn"]
        tags = inventory.certificate_tags(ctx, arn)
        if (tags.get(TAG_MANAGED_BY) == MANAGED_BY_VALUE and tags.get(TAG_KIND) == CERTIFICATE_KIND
                and tags.get(TAG_ENVIRONMENT) == resource.key.environment and tags.get(TAG_NAME, "") == ""
                and tags.get(TAG_APP) in apps):
            statuses.setdefault(summary.get("Status", ""), []).append((tags[TAG_APP], arn))
    if statuses.get("ISSUED"):
        return sorted(statuses["ISSUED"])[0][1]
    if statuses and not statuses.get("PENDING_VALIDATION") and {a for items in statuses.values() for a, _ in items} >= apps:
        raise TerminalError(f"{resource.key}: no certificate of {', '.join(sorted(apps))} can be issued "
                            f"({', '.join(sorted(statuses))}); see their acm.validation", "NoCertificate")
    raise DependencyNotReady(f"{resource.key}: waiting for the certificate of a hosting app "
                             f"({', '.join(sorted(apps)) or 'none'}) to be issued", 5.0)
