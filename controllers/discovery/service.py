"""discovery.service: one Cloud Map service per app, named after the app, in the environment's
namespace. ECS registers the tasks (serviceRegistries); API Gateway's HTTP_PROXY integration over
the VPC link resolves the SRV record (host + port), other callers the A record.

`desired` is the canonical shape, flattened from CreateService's request so that the fields AWS
cannot update (RoutingPolicy, HealthCheckCustomConfig, Name, NamespaceId) are top-level and the
engine can turn their changes into a replace; UpdateService changes TTLs only.

Observed with one ListServices (filter NAMESPACE_ID) per namespace per pass, then, for each
service named like one of ours, GetService (the authoritative read: summaries carry no
NamespaceId, and moto ignores the filter) and ListTagsForResource.
"""
from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

from botocore.exceptions import ClientError

from controllers.discovery import aws
from controllers.discovery.compare import dns_records, service_fields, stale_tags
from reconciler.aws import error_code
from reconciler.controller import BaseController, Context
from reconciler.design import EnvironmentDesign
from reconciler.ownership import owner_problem, refuse_unless_ours, tags_for
from reconciler.resource import UNKNOWN, FieldChange, Key, Observation, Ref, Resource, changed_fields

KIND = "discovery.service"
DNS_TTL = 60
# SRV for API Gateway's HTTP_PROXY integration (needs the port), A for everyone else.
DNS_RECORDS = dns_records([{"Type": "SRV", "TTL": DNS_TTL}, {"Type": "A", "TTL": DNS_TTL}])


class ServiceController(BaseController):
    kind = KIND
    recallable = True  # read one by one: skipped while the state store proves it unchanged
    scope = "app"
    immutable = frozenset({"Name", "NamespaceId", "RoutingPolicy", "HealthCheckCustomConfig"})
    outputs = frozenset({"id", "arn", "name"})
    references = frozenset({"discovery.namespace"})

    def identity(self, key: Key) -> dict[str, Any]:
        return {"Name": key.app, "NamespaceId": Ref("discovery.namespace", "id")}

    def desired(self, env: EnvironmentDesign) -> list[Resource]:
        resources = []
        for app in env.apps:
            key = Key(KIND, env.name, app.name)
            desired = {
                "Name": app.name,
                "NamespaceId": Ref("discovery.namespace", "id"),
                "RoutingPolicy": "MULTIVALUE",
                "DnsRecords": copy.deepcopy(DNS_RECORDS),
                # ECS reports task health; AWS now always uses 1 and cannot change it later.
                "HealthCheckCustomConfig": {"FailureThreshold": 1},
            }
            resources.append(Resource(key, desired, tags_for(key, app.labels), app.adopt))
        return resources

    def observe(self, resources: Sequence[Resource], ctx: Context) -> Mapping[Key, Observation]:
        sd = ctx.client("servicediscovery")
        result: dict[Key, Observation] = {}
        by_namespace: dict[str, list[Resource]] = {}
        for resource in resources:
            if resource.desired["NamespaceId"] is UNKNOWN:
                result[resource.key] = Observation.absent("waiting for the namespace")
            else:
                by_namespace.setdefault(resource.desired["NamespaceId"], []).append(resource)
        for namespace_id, group in by_namespace.items():
            summaries = aws.list_services(sd, namespace_id)
            for resource in group:
                candidates = [s for s in summaries if s.get("Name") == resource.desired["Name"]]
                result[resource.key] = self._pick(resource, namespace_id, candidates, sd)
        return result

    def _pick(self, resource: Resource, namespace_id: str, candidates: list[dict], sd: Any) -> Observation:
        foreign: Observation | None = None
        for summary in candidates:
            service = aws.get_service(sd, summary["Id"])
            if service is None or service.get("NamespaceId", namespace_id) != namespace_id:
                continue
            observation = _observation(service, aws.tags_of(sd, service["Arn"]))
            if owner_problem(resource.key, observation.tags) is None:
                return observation
            foreign = foreign or observation
        return foreign or Observation.absent()

    def create(self, resource: Resource, ctx: Context) -> Mapping[str, Any]:
        sd = ctx.client("servicediscovery")
        token = resource.token or aws.request_id(resource.key, resource.desired)
        try:
            service = aws.create_service(sd, resource.desired, token, resource.tags)
        except ClientError as error:
            if error_code(error) != "ServiceAlreadyExists":
                raise
            # Ours (a retry after a crash) is success; else refused unless adopting.
            observation = self.observe([resource], ctx)[resource.key]
            if not observation.exists:
                raise  # not listed yet: the engine retries
            refuse_unless_ours(resource, observation.tags, error)
            return self.update(resource, observation, self.diff(resource, observation), ctx)
        return _outputs(service)

    def update(self, resource: Resource, observation: Observation, changes: Sequence[FieldChange],
               ctx: Context) -> Mapping[str, Any]:
        sd = ctx.client("servicediscovery")
        changed = changed_fields(changes)
        if "DnsRecords" in changed:
            aws.update_dns_records(sd, observation.outputs["id"], resource.desired["DnsRecords"])
        if "tags" in changed:
            aws.tag(sd, observation.outputs["arn"], stale_tags(resource.tags, observation.tags))
        return observation.outputs

    def delete(self, key: Key, observation: Observation, ctx: Context) -> None:
        aws.delete_service(ctx.client("servicediscovery"), observation.outputs["id"])


def _outputs(service: Mapping[str, Any]) -> dict[str, Any]:
    return {"id": service["Id"], "arn": service["Arn"], "name": service["Name"]}


def _observation(service: Mapping[str, Any], tags: dict[str, str]) -> Observation:
    return Observation(exists=True, fields=service_fields(service, tags), outputs=_outputs(service), tags=tags, state=service)
