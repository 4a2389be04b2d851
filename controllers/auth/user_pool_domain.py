"""auth.user_pool_domain: the Cognito Hosted UI domain of a hosting app with `restrictAccess`
(`<prefix>.auth.<region>.amazoncognito.com`), where the load balancer's authenticate-cognito
action sends users to sign in. The prefix is unique per region across all of AWS, so ours
carries a digest of the account (`naming.hosted_ui_prefix`); a prefix taken by someone else is
refused with AWS's message.

Kept like its pool when access is opened again (`ensure="retain"`), deleted with the app (before
its pool: AWS refuses to delete a pool that still has a domain). A domain has no tags: ours when
its pool is. The pool exposes the full domain as its `hosted_ui_domain` output (DescribeUserPool
names its domain), which the client configuration reads. Read with DescribeUserPoolDomain; ACTIVE
is ready (a few minutes after creation on AWS, at once on moto).
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from botocore.exceptions import ClientError

from controllers.auth import inventory
from reconciler import naming
from reconciler.aws import error_code, is_not_found
from reconciler.compare import diff_fields
from reconciler.controller import BaseController, Context
from reconciler.design import EnvironmentDesign
from reconciler.errors import TerminalError
from reconciler.ownership import tags_for
from reconciler.resource import UNKNOWN, FieldChange, Key, Observation, Ref, Resource

KIND = "auth.user_pool_domain"


def hosted_ui_domain(prefix: str, region: str) -> str:
    return f"{prefix}.auth.{region}.amazoncognito.com"


class UserPoolDomainController(BaseController):
    kind = KIND
    scope = "app"
    immutable = frozenset({"UserPoolId", "Domain"})
    outputs = frozenset({"prefix", "domain"})
    references = frozenset({"auth.user_pool"})
    ready_after_apply = False
    standard_names = ()  # only hosting apps have one: found through the inventory

    def identity(self, key: Key) -> dict[str, Any]:
        return {"UserPoolId": Ref("auth.user_pool", "id", app=True), "Domain": None}

    def desired(self, env: EnvironmentDesign) -> list[Resource]:
        resources = []
        for app in env.apps:
            if app.hosting is None:
                continue
            key = Key(KIND, env.name, app.name)
            desired = {"UserPoolId": Ref("auth.user_pool", "id", app=True),
                       "Domain": naming.hosted_ui_prefix(env.name, app.name, env.location.account_id)}
            ensure = "present" if app.hosting.restrict_access else "retain"
            resources.append(Resource(key, desired, tags_for(key, app.labels), app.adopt, ensure=ensure))
        return resources

    def observe(self, resources: Sequence[Resource], ctx: Context) -> Mapping[Key, Observation]:
        result: dict[Key, Observation] = {}
        for resource in resources:
            pool_id = resource.desired["UserPoolId"]
            pool = None if pool_id is UNKNOWN else inventory.pool_by_id(ctx, pool_id)
            prefix = resource.desired["Domain"] or (pool or {}).get("Domain")
            found = _describe(ctx, prefix) if prefix else None
            if not found:
                result[resource.key] = Observation.absent()
                continue
            ours = pool is not None and found.get("UserPoolId") == pool["Id"]
            status = found.get("Status", "")
            result[resource.key] = Observation(
                True, fields={"UserPoolId": found.get("UserPoolId"), "Domain": found["Domain"]},
                outputs={"prefix": found["Domain"], "domain": hosted_ui_domain(found["Domain"], ctx.region)},
                tags=dict((pool or {}).get("UserPoolTags") or {}) if ours else {},
                ready=status == "ACTIVE", message="" if status == "ACTIVE" else f"Hosted UI domain is {status}",
                state=found)
        return result

    def diff(self, resource: Resource, observation: Observation) -> list[FieldChange]:
        return diff_fields(dict(resource.desired), observation.fields)

    def create(self, resource: Resource, ctx: Context) -> Mapping[str, Any]:
        want = resource.desired
        try:
            inventory.client(ctx).create_user_pool_domain(Domain=want["Domain"], UserPoolId=want["UserPoolId"])
        except ClientError as error:
            if error_code(error) == "InvalidParameterException" and "exist" in str(error).lower():
                raise TerminalError(f"{resource.key}: the Hosted UI prefix {want['Domain']} is taken: "
                                    f"{error.response['Error'].get('Message', '')}", "DomainTaken") from error
            raise
        return {"prefix": want["Domain"], "domain": hosted_ui_domain(want["Domain"], ctx.region)}

    def update(self, resource: Resource, observation: Observation, changes: Sequence[FieldChange],
               ctx: Context) -> Mapping[str, Any]:
        return dict(observation.outputs)  # nothing updatable: the fields compared are immutable

    def delete(self, key: Key, observation: Observation, ctx: Context) -> None:
        try:
            inventory.client(ctx).delete_user_pool_domain(Domain=observation.fields["Domain"],
                                                          UserPoolId=observation.fields["UserPoolId"])
        except ClientError as error:
            if not is_not_found(error):
                raise


def _describe(ctx: Context, prefix: str) -> dict | None:
    try:
        found = inventory.client(ctx).describe_user_pool_domain(Domain=prefix).get("DomainDescription") or {}
    except ClientError as error:
        if is_not_found(error):
            return None
        raise
    return found if found.get("Domain") else None
