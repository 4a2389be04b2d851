"""discovery.namespace: one Cloud Map private DNS namespace per environment, in its VPC.

Apps resolve each other (and API Gateway's VPC link reaches them) as `<app>.<env>.sc.internal`.
Creation is asynchronous on AWS: CreatePrivateDnsNamespace returns an OperationId and the
namespace appears once the operation succeeds, so `apply` submits and returns and the engine
holds dependents (`ready_after_apply = False`) until `observe` finds it.

Observed with one ListNamespaces per pass (TYPE=DNS_PRIVATE, plus NAME when one environment is
planned), one ListTagsForResource per namespace with our name, and one Route 53 GetHostedZone
for its VPC (Cloud Map does not return a namespace's VPC). Name and VPC are immutable.

moto 5.2.5 gaps: a retry with the same CreatorRequestId fails with ConflictingDomainExists
(AWS: idempotent), so a conflict on create is answered by re-reading; the namespace's private
hosted zone is not associated with the VPC (so `Vpc` is unobservable there) and is not deleted
with the namespace.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from botocore.exceptions import ClientError

from controllers.discovery import aws
from controllers.discovery.compare import namespace_fields, stale_tags
from reconciler.aws import error_code
from reconciler.compare import diff_fields
from reconciler.controller import BaseController, Context
from reconciler.design import EnvironmentDesign
from reconciler.errors import RequeueAfter, TerminalError
from reconciler.naming import namespace_name
from reconciler.ownership import owner_problem, refuse_unless_ours, tags_for
from reconciler.resource import UNKNOWN, FieldChange, Key, Observation, Ref, Resource

KIND = "discovery.namespace"
CONFLICTS = ("ConflictingDomainExists", "NamespaceAlreadyExists")


class NamespaceController(BaseController):
    kind = KIND
    scope = "environment"
    immutable = frozenset({"Name", "Vpc"})
    ready_after_apply = False
    poll_interval = 5.0
    outputs = frozenset({"id", "arn", "name"})
    references = frozenset({"network.vpc"})

    def identity(self, key: Key) -> dict[str, Any]:
        return {"Name": namespace_name(key.environment), "Vpc": Ref("network.vpc", "id")}

    def desired(self, env: EnvironmentDesign) -> list[Resource]:
        if not env.app_names:
            return []
        key = Key(KIND, env.name)
        desired = {"Name": namespace_name(env.name), "Vpc": Ref("network.vpc", "id")}
        return [Resource(key, desired, tags_for(key), env.adopt)]

    def observe(self, resources: Sequence[Resource], ctx: Context) -> Mapping[Key, Observation]:
        sd = ctx.client("servicediscovery")
        known = [r for r in resources if r.desired["Vpc"] is not UNKNOWN]
        names = sorted({r.desired["Name"] for r in known})
        listed = aws.list_private_namespaces(sd, names[0] if len(names) == 1 else None) if names else []
        result: dict[Key, Observation] = {}
        for resource in resources:
            if resource.desired["Vpc"] is UNKNOWN:
                result[resource.key] = Observation.absent("waiting for the VPC")
                continue
            candidates = [ns for ns in listed if ns["Name"] == resource.desired["Name"]]
            result[resource.key] = self._pick(resource, candidates, ctx)
        return result

    def _pick(self, resource: Resource, candidates: list[dict], ctx: Context) -> Observation:
        """Ours first; a foreign namespace of the same name counts as a look-alike unless it is
        known to live in another VPC (then it is unrelated: private names repeat across VPCs)."""
        sd, route53 = ctx.client("servicediscovery"), ctx.client("route53")
        want_vpc = resource.desired["Vpc"]
        foreign: Observation | None = None
        for namespace in candidates:
            tags = aws.tags_of(sd, namespace["Arn"])
            zone_id = ((namespace.get("Properties") or {}).get("DnsProperties") or {}).get("HostedZoneId")
            vpcs = aws.hosted_zone_vpcs(route53, zone_id)
            ours = owner_problem(resource.key, tags) is None
            if not ours and vpcs and want_vpc not in vpcs:
                continue
            observation = Observation(
                exists=True,
                fields=namespace_fields(namespace, vpcs, want_vpc, tags),
                outputs={"id": namespace["Id"], "arn": namespace["Arn"], "name": namespace["Name"]},
                tags=tags,
                state={"hosted_zone_id": zone_id},
            )
            if ours:
                return observation
            foreign = foreign or observation
        return foreign or Observation.absent()

    def diff(self, resource: Resource, observation: Observation) -> list[FieldChange]:
        # The VPC is compared only where it could be read (not on moto, see module docstring).
        ignore = () if "Vpc" in observation.fields else ("Vpc",)
        return diff_fields({**resource.desired, "tags": resource.tags}, observation.fields, ignore=ignore)

    def create(self, resource: Resource, ctx: Context) -> Mapping[str, Any]:
        sd = ctx.client("servicediscovery")
        name = resource.desired["Name"]
        self._check_earlier_operation(resource, ctx)
        token = resource.token or aws.request_id(resource.key, resource.desired)
        try:
            operation = aws.create_private_namespace(sd, name, resource.desired["Vpc"], token, resource.tags)
        except ClientError as error:
            if error_code(error) not in CONFLICTS:
                raise
            return self._after_conflict(resource, ctx, error)
        # Submitted: the id is known once the operation succeeds and observe finds it. The
        # operation id is recorded (the inventory's physical id) so the next pass can ask how
        # it went: AWS fails namespace creations asynchronously (a hosted-zone conflict, ...).
        return {"operation_id": operation} if operation else {}

    @staticmethod
    def _check_earlier_operation(resource: Resource, ctx: Context) -> None:
        """A namespace we asked for earlier and that observe does not show: still being made
        (wait), or failed (say why, at once: creating it again would fail the same way)."""
        recorded = getattr(ctx.recorded(resource.key), "physical_id", "") or ""
        if not recorded.startswith("operation:"):
            return
        operation = aws.get_operation(ctx.client("servicediscovery"), recorded.removeprefix("operation:"))
        if operation is None:
            return
        status = operation.get("Status")
        if status == "FAIL":
            raise TerminalError(
                f"{resource.key}: Cloud Map could not create namespace {resource.desired['Name']}: "
                f"{operation.get('ErrorCode', 'FAIL')}: {operation.get('ErrorMessage', 'no reason given')}",
                "NamespaceCreationFailed")
        if status == "SUCCESS" and _age(operation) > ctx.pace(60.0):
            return  # made, and gone since (deleted behind our back): create it again
        if status in ("SUBMITTED", "PENDING", "SUCCESS"):
            raise RequeueAfter(f"{resource.key}: namespace creation {status} (operation "
                               f"{operation.get('Id')}); waiting for it to appear", ctx.pace(5.0))

    def update(self, resource: Resource, observation: Observation, changes: Sequence[FieldChange],
               ctx: Context) -> Mapping[str, Any]:
        stale = stale_tags(resource.tags, observation.tags)
        if stale:
            aws.tag(ctx.client("servicediscovery"), observation.outputs["arn"], stale)
        return observation.outputs

    def _after_conflict(self, resource: Resource, ctx: Context, error: ClientError) -> Mapping[str, Any]:
        """A conflict on create: ours (a retry after a crash, or moto's non-idempotent
        CreatorRequestId) is success; someone else's is refused unless adopting."""
        observation = self.observe([resource], ctx)[resource.key]
        if not observation.exists:
            if error_code(error) == "ConflictingDomainExists":
                raise TerminalError(
                    f"{resource.key}: another namespace in VPC {resource.desired['Vpc']} conflicts with "
                    f"{resource.desired['Name']}", "ConflictingDomain"
                ) from error
            raise error  # NamespaceAlreadyExists but not listed yet: the engine retries
        refuse_unless_ours(resource, observation.tags, error)
        return self.update(resource, observation, self.diff(resource, observation), ctx)

    def delete(self, key: Key, observation: Observation, ctx: Context) -> None:
        # Asynchronous on AWS; ResourceInUse (services still in it) propagates and is retried.
        aws.delete_namespace(ctx.client("servicediscovery"), observation.outputs["id"])


def _age(operation: Mapping[str, Any]) -> float:
    import time
    from datetime import datetime

    updated = operation.get("UpdateDate") or operation.get("CreateDate")
    if isinstance(updated, datetime):
        return time.time() - updated.timestamp()
    return time.time() - float(updated or 0)
