"""alb.listener_certificate: a hosting app's issued certificate on the shared HTTPS listener, for
SNI (CloudFront forwards the viewer's Host, so the load balancer must present a certificate for
the app's names).

The resource is the set of this app's certificates on the listener (ours by their ACM tags): the
one desired, plus any older one (its names changed and a new certificate replaced it). Adding
the new one and removing the old is one update, so the site is never without a certificate; if
the old one was the listener's default, the default moves to the new one first.

On delete (the app leaves) the app's certificates are removed; one that is the listener's
default is first replaced as default by another app's certificate on the listener. When there
is none, this was the last hosting app and the listener goes with the load balancer.

Listener certificates cannot be tagged: ours when the certificate is (observed with the
certificate's tags, read with ListTagsForCertificate). moto: ModifyListener(Certificates) drops
the SNI list (AWS keeps it); the other apps' resources add theirs back on their next pass.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from controllers.alb import aws, inventory
from controllers.alb.listener import CERTIFICATE_KIND, HTTPS, KIND as LISTENER
from reconciler.controller import BaseController, Context
from reconciler.design import EnvironmentDesign
from reconciler.ownership import MANAGED_BY_VALUE, TAG_APP, TAG_ENVIRONMENT, TAG_KIND, TAG_MANAGED_BY, TAG_NAME, tags_for
from reconciler.resource import UNKNOWN, FieldChange, Key, Observation, Ref, Resource
from reconciler.compare import diff_fields

KIND = "alb.listener_certificate"


class ListenerCertificateController(BaseController):
    kind = KIND
    scope = "app"
    immutable = frozenset({"ListenerArn"})
    outputs = frozenset({"certificate_arn"})
    references = frozenset({LISTENER, "acm.validation"})

    def identity(self, key: Key) -> dict[str, Any]:
        return {"ListenerArn": Ref(LISTENER, "arn", name=HTTPS), "CertificateArns": []}

    def desired(self, env: EnvironmentDesign) -> list[Resource]:
        resources = []
        for app in env.apps:
            if app.hosting is None:
                continue
            key = Key(KIND, env.name, app.name)
            desired = {"ListenerArn": Ref(LISTENER, "arn", name=HTTPS),
                       "CertificateArns": [Ref("acm.validation", "arn", app=True)]}
            resources.append(Resource(key, desired, tags_for(key, app.labels), app.adopt))
        return resources

    def observe(self, resources: Sequence[Resource], ctx: Context) -> Mapping[Key, Observation]:
        result: dict[Key, Observation] = {}
        for resource in resources:
            listener = resource.desired["ListenerArn"]
            attached = inventory.listener_certificates(ctx, listener)
            # The SNI entries: a certificate that is only the listener's default (it was created
            # with it) is not attached by this resource.
            ours = sorted({c["CertificateArn"] for c in attached
                           if not c.get("IsDefault") and _is_apps(ctx, resource.key, c["CertificateArn"])})
            if not ours:
                result[resource.key] = Observation.absent()
                continue
            default = next((c["CertificateArn"] for c in attached if c.get("IsDefault")), None)
            result[resource.key] = Observation(
                True, fields={"ListenerArn": listener, "CertificateArns": ours},
                outputs={"certificate_arn": ours[0]}, tags=dict(resource.tags),
                state={"attached": attached, "default": default, "ours": ours})
        return result

    def diff(self, resource: Resource, observation: Observation) -> list[FieldChange]:
        desired = dict(resource.desired)
        if all(arn is not UNKNOWN for arn in desired["CertificateArns"]):
            desired["CertificateArns"] = sorted(desired["CertificateArns"])
        return diff_fields(desired, observation.fields)

    def create(self, resource: Resource, ctx: Context) -> Mapping[str, Any]:
        listener, (arn,) = resource.desired["ListenerArn"], resource.desired["CertificateArns"]
        aws.add_listener_certificate(inventory.client(ctx), listener, arn)
        return {"certificate_arn": arn}

    def update(self, resource: Resource, observation: Observation, changes: Sequence[FieldChange],
               ctx: Context) -> Mapping[str, Any]:
        elb = inventory.client(ctx)
        listener, (arn,) = resource.desired["ListenerArn"], resource.desired["CertificateArns"]
        state = observation.state
        if arn not in state["ours"]:
            aws.add_listener_certificate(elb, listener, arn)
        if state["default"] in state["ours"] and state["default"] != arn:
            aws.set_default_certificate(elb, listener, arn)
        for old in state["ours"]:
            if old != arn:
                aws.remove_listener_certificate(elb, listener, old)
        return {"certificate_arn": arn}

    def delete(self, key: Key, observation: Observation, ctx: Context) -> None:
        elb = inventory.client(ctx)
        listener = observation.fields["ListenerArn"]
        state = observation.state
        others = sorted({c["CertificateArn"] for c in state["attached"] if not c.get("IsDefault")} - set(state["ours"]))
        if state["default"] in state["ours"] and others:
            aws.set_default_certificate(elb, listener, others[0])
        # With no other app's certificate to hand over to, this is the last hosting app: its
        # certificate stays the listener's default until the listener goes with the load balancer.
        for arn in state["ours"]:
            aws.remove_listener_certificate(elb, listener, arn)


def _is_apps(ctx: Context, key: Key, certificate_arn: str) -> bool:
    tags = inventory.certificate_tags(ctx, certificate_arn)
    return (tags.get(TAG_MANAGED_BY) == MANAGED_BY_VALUE and tags.get(TAG_KIND) == CERTIFICATE_KIND
            and tags.get(TAG_ENVIRONMENT) == key.environment and tags.get(TAG_APP) == key.app
            and tags.get(TAG_NAME, "") == "")
