"""api.domain_name and api.api_mapping: an API app's custom domain (`api.domain`).

- api.domain_name: a REGIONAL API Gateway custom domain name with the app's issued certificate
  (acm.validation) and TLS 1.2. Outputs the regional target (`target_domain`, `hosted_zone_id`)
  the DNS alias points at, and `url`. Ours by tags (GetDomainName returns them); a same-named
  domain without them is refused unless adopted. A new certificate is put in place with
  UpdateDomainName (moto 5.2.5 lacks it).
- api.api_mapping: the domain's root (empty mapping key) mapped to the app's HTTP API and its
  `$default` stage. Mappings cannot be tagged: ours when the domain is. Drift (another API or
  stage) is restored with UpdateApiMapping.

Read with one GetDomainName and one GetApiMappings per domain per pass.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from controllers.api import domain_aws as aws, inventory
from controllers.api.compare import tagged_for
from reconciler.compare import diff_fields
from reconciler.controller import BaseController, Context
from reconciler.design import EnvironmentDesign
from reconciler.ownership import stale_tags, tags_for
from reconciler.resource import UNKNOWN, FieldChange, Key, Observation, Ref, Resource, changed_fields

DOMAIN = "api.domain_name"
MAPPING = "api.api_mapping"


def _domain(ctx: Context, name: Any) -> dict | None:
    if not isinstance(name, str):
        return None
    return ctx.cache.get((inventory.SERVICE, "domain", name), lambda: aws.find_domain_name(inventory.client(ctx), name))


def _all_domains(ctx: Context) -> list[dict]:
    """Every custom domain of the region (finding ours by tags, from a key alone)."""
    return ctx.cache.get((inventory.SERVICE, "domains"), lambda: aws.list_domain_names(inventory.client(ctx)))


def _configurations(certificate_arn: Any) -> list[dict[str, Any]]:
    return [{"CertificateArn": certificate_arn, "EndpointType": "REGIONAL", "SecurityPolicy": "TLS_1_2"}]


class DomainNameController(BaseController):
    kind = DOMAIN
    scope = "app"
    immutable = frozenset({"DomainName"})
    outputs = frozenset({"name", "target_domain", "hosted_zone_id", "url"})
    references = frozenset({"acm.validation"})
    standard_names = ()  # named by the spec: found through the inventory

    def identity(self, key: Key) -> dict[str, Any]:
        return {"DomainName": None}

    def desired(self, env: EnvironmentDesign) -> list[Resource]:
        resources = []
        for app in env.apps:
            if app.api is None or not app.api.domain:
                continue
            key = Key(DOMAIN, env.name, app.name)
            desired = {"DomainName": app.api.domain,
                       "DomainNameConfigurations": _configurations(Ref("acm.validation", "arn", app=True))}
            resources.append(Resource(key, desired, tags_for(key, app.labels), app.adopt))
        return resources

    def observe(self, resources: Sequence[Resource], ctx: Context) -> Mapping[Key, Observation]:
        result: dict[Key, Observation] = {}
        for resource in resources:
            name = resource.desired["DomainName"]
            found = _domain(ctx, name) if name is not None else next(
                (d for d in _all_domains(ctx) if tagged_for(resource.key, d.get("Tags") or {})), None)
            result[resource.key] = Observation.absent() if found is None else _observed(found)
        return result

    def diff(self, resource: Resource, observation: Observation) -> list[FieldChange]:
        return diff_fields({**resource.desired, "tags": resource.tags}, observation.fields)

    def create(self, resource: Resource, ctx: Context) -> Mapping[str, Any]:
        want = resource.desired
        return _outputs(aws.create_domain_name(inventory.client(ctx), want["DomainName"], want["DomainNameConfigurations"],
                                               resource.tags))

    def update(self, resource: Resource, observation: Observation, changes: Sequence[FieldChange],
               ctx: Context) -> Mapping[str, Any]:
        client = inventory.client(ctx)
        changed = changed_fields(changes)
        if "DomainNameConfigurations" in changed:
            aws.update_domain_name(client, resource.desired["DomainName"], resource.desired["DomainNameConfigurations"])
        if "tags" in changed:
            aws.tag(client, observation.state["DomainNameArn"], stale_tags(resource.tags, observation.tags))
        return dict(observation.outputs)

    def delete(self, key: Key, observation: Observation, ctx: Context) -> None:
        aws.delete_domain_name(inventory.client(ctx), observation.outputs["name"])


def _outputs(found: Mapping[str, Any]) -> dict[str, Any]:
    configuration = (found.get("DomainNameConfigurations") or [{}])[0]
    return {"name": found["DomainName"], "target_domain": configuration.get("ApiGatewayDomainName"),
            "hosted_zone_id": configuration.get("HostedZoneId"), "url": f"https://{found['DomainName']}"}


def _observed(found: Mapping[str, Any]) -> Observation:
    tags = dict(found.get("Tags") or {})
    configurations = [{k: c.get(k) for k in ("CertificateArn", "EndpointType", "SecurityPolicy")}
                      for c in found.get("DomainNameConfigurations") or []]
    status = next((c.get("DomainNameStatus") for c in found.get("DomainNameConfigurations") or []), "AVAILABLE")
    ready = status in (None, "AVAILABLE")
    return Observation(True, fields={"DomainName": found["DomainName"], "DomainNameConfigurations": configurations,
                                     "tags": tags},
                       outputs=_outputs(found), tags=tags, ready=ready,
                       message="" if ready else f"custom domain is {status}", state=found)


class ApiMappingController(BaseController):
    kind = MAPPING
    scope = "app"
    immutable = frozenset({"DomainName"})
    outputs = frozenset({"id"})
    references = frozenset({DOMAIN, "api.http_api", "api.stage"})

    def identity(self, key: Key) -> dict[str, Any]:
        return {"DomainName": Ref(DOMAIN, "name", app=True), "ApiMappingKey": ""}

    def desired(self, env: EnvironmentDesign) -> list[Resource]:
        resources = []
        for app in env.apps:
            if app.api is None or not app.api.domain:
                continue
            key = Key(MAPPING, env.name, app.name)
            desired = {"DomainName": Ref(DOMAIN, "name", app=True), "ApiId": Ref("api.http_api", "id", app=True),
                       "Stage": Ref("api.stage", "name", app=True), "ApiMappingKey": ""}
            resources.append(Resource(key, desired, tags_for(key, app.labels), app.adopt))
        return resources

    def observe(self, resources: Sequence[Resource], ctx: Context) -> Mapping[Key, Observation]:
        result: dict[Key, Observation] = {}
        for resource in resources:
            name = resource.desired["DomainName"]
            domain = _domain(ctx, name)
            mappings = [] if domain is None else ctx.cache.get(
                (inventory.SERVICE, "mappings", name), lambda n=name: aws.api_mappings(inventory.client(ctx), n))
            found = next((m for m in mappings if m.get("ApiMappingKey", "") == resource.desired["ApiMappingKey"]), None)
            if domain is None or found is None:
                result[resource.key] = Observation.absent()
                continue
            # Ours when the domain is: its tags, under the mapping's own key.
            domain_tags = dict(domain.get("Tags") or {})
            tags = dict(resource.tags) if tagged_for(Key(DOMAIN, resource.key.environment, resource.key.app), domain_tags) \
                else domain_tags
            fields = {"DomainName": name, "ApiId": found.get("ApiId"), "Stage": found.get("Stage"),
                      "ApiMappingKey": found.get("ApiMappingKey", "")}
            result[resource.key] = Observation(True, fields=fields, outputs={"id": found["ApiMappingId"]}, tags=tags,
                                               state=found)
        return result

    def diff(self, resource: Resource, observation: Observation) -> list[FieldChange]:
        return diff_fields(dict(resource.desired), observation.fields)

    def create(self, resource: Resource, ctx: Context) -> Mapping[str, Any]:
        want = resource.desired
        created = aws.create_api_mapping(inventory.client(ctx), want["DomainName"], want["ApiId"], want["Stage"],
                                         want["ApiMappingKey"])
        return {"id": created["ApiMappingId"]}

    def update(self, resource: Resource, observation: Observation, changes: Sequence[FieldChange],
               ctx: Context) -> Mapping[str, Any]:
        want = resource.desired
        aws.update_api_mapping(inventory.client(ctx), observation.outputs["id"], want["DomainName"], want["ApiId"],
                               want["Stage"], want["ApiMappingKey"])
        return dict(observation.outputs)

    def delete(self, key: Key, observation: Observation, ctx: Context) -> None:
        if observation.fields.get("DomainName") not in (None, UNKNOWN):
            aws.delete_api_mapping(inventory.client(ctx), observation.outputs["id"], observation.fields["DomainName"])
