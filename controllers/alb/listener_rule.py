"""alb.listener_rule: per hosting app, one rule on the shared HTTPS listener: host-header = the
app's domain and aliases -> (with `restrictAccess`, authenticate-cognito against the app's user
pool and Hosted UI first) -> forward to the app's target group.

The host names of two apps never overlap (refused when the specs load), so priorities carry no
meaning: a rule takes a free one near a stable hash of its app at creation and keeps it (not
compared). Conditions and actions drifting are restored with ModifyRule. A rule for one of our
names without our tags (someone else's rule catching our traffic) is refused unless adopted.

Outputs `target_group_arn`, the group the rule forwards to: the ECS service registers with the
target group through it, so it is registered only once the group is attached to the load
balancer (ECS refuses a target group that is not).

Observed with one DescribeRules per listener and DescribeTags.
"""
from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

from botocore.exceptions import ClientError

from controllers.alb import aws, inventory
from controllers.alb.compare import canonical_actions, canonical_conditions, forwarded_target_group
from controllers.alb.listener import HTTPS, KIND as LISTENER
from controllers.alb.target_group import KIND as TARGET_GROUP, group_key
from reconciler.compare import diff_fields
from reconciler.controller import BaseController, Context
from reconciler.design import AppDesign, EnvironmentDesign
from reconciler.ownership import as_list, stale_tags, tags_for
from reconciler.resource import FieldChange, Key, Observation, Ref, Resource, changed_fields

KIND = "alb.listener_rule"
MAX_PRIORITY = 50000
SESSION_TIMEOUT = 7 * 24 * 3600  # a signed-in user stays signed in for a week (the ALB's default)


def authenticate(app: AppDesign) -> dict[str, Any]:
    return {"Type": "authenticate-cognito", "Order": 1, "AuthenticateCognitoConfig": {
        "UserPoolArn": Ref("auth.user_pool", "arn", app=True),
        "UserPoolClientId": Ref("auth.user_pool_client", "client_id", app=True),
        "UserPoolDomain": Ref("auth.user_pool_domain", "prefix", app=True),
        "OnUnauthenticatedRequest": "authenticate", "Scope": "openid",
        "SessionCookieName": "AWSELBAuthSessionCookie", "SessionTimeout": SESSION_TIMEOUT,
    }}


class ListenerRuleController(BaseController):
    kind = KIND
    scope = "app"
    immutable = frozenset({"ListenerArn"})
    outputs = frozenset({"arn", "target_group_arn"})
    references = frozenset({LISTENER, TARGET_GROUP, "auth.user_pool", "auth.user_pool_client", "auth.user_pool_domain"})
    unobservable = frozenset({"Priority"})

    def identity(self, key: Key) -> dict[str, Any]:
        return {"ListenerArn": Ref(LISTENER, "arn", name=HTTPS), "Conditions": None}

    def desired(self, env: EnvironmentDesign) -> list[Resource]:
        resources = []
        for app in env.apps:
            if app.hosting is None:
                continue
            key = Key(KIND, env.name, app.name)
            group = group_key(env.name, app)
            forward = {"Type": "forward", "Order": 2 if app.hosting.restrict_access else 1,
                       "TargetGroupArn": Ref(TARGET_GROUP, "arn", name=group.name, app=True)}
            desired = {
                "ListenerArn": Ref(LISTENER, "arn", name=HTTPS),
                "Conditions": [{"Field": "host-header", "HostHeaderConfig": {"Values": list(app.hosting.names)}}],
                "Actions": ([authenticate(app)] if app.hosting.restrict_access else []) + [forward],
                "Priority": _preferred_priority(env.name, app.name),
            }
            resources.append(Resource(key, desired, tags_for(key, app.labels), app.adopt))
        return resources

    def observe(self, resources: Sequence[Resource], ctx: Context) -> Mapping[Key, Observation]:
        result: dict[Key, Observation] = {}
        for resource in resources:
            rules = [r for r in inventory.rules(ctx, resource.desired["ListenerArn"]) if not r.get("IsDefault")]
            tags = inventory.tags_of(ctx, [r["RuleArn"] for r in rules])
            found = next((r for r in rules if inventory.tagged_for(resource.key, tags[r["RuleArn"]])), None)
            if found is None and resource.desired.get("Conditions"):
                wanted = set(canonical_conditions(resource.desired["Conditions"])[0]["HostHeaderConfig"]["Values"])
                found = next((r for r in rules if wanted & _hosts(r)), None)  # a look-alike on our names
            result[resource.key] = Observation.absent() if found is None else _observed(found, tags[found["RuleArn"]])
        return result

    def diff(self, resource: Resource, observation: Observation) -> list[FieldChange]:
        desired = {**resource.desired, "tags": resource.tags}
        desired["Conditions"] = canonical_conditions(desired["Conditions"])
        desired["Actions"] = canonical_actions(desired["Actions"])
        return diff_fields(desired, observation.fields, ignore=self.unobservable)

    def create(self, resource: Resource, ctx: Context) -> Mapping[str, Any]:
        want = resource.desired
        elb = inventory.client(ctx)
        taken = {int(r["Priority"]) for r in inventory.rules(ctx, want["ListenerArn"]) if str(r.get("Priority")).isdigit()}
        priority = want["Priority"]
        for _ in range(20):  # another app may take the same number at the same moment: try the next
            while priority in taken:
                priority = priority % MAX_PRIORITY + 1
            try:
                rule = aws.create_rule(elb, {"ListenerArn": want["ListenerArn"], "Priority": priority,
                                             "Conditions": want["Conditions"], "Actions": want["Actions"],
                                             "Tags": as_list(resource.tags)})
            except ClientError as error:
                if not aws.is_priority_taken(error):
                    raise
                taken.add(priority)
                continue
            return {"arn": rule["RuleArn"], "target_group_arn": forwarded_target_group(want["Actions"])}
        raise RuntimeError(f"{resource.key}: no free rule priority found near {want['Priority']}")

    def update(self, resource: Resource, observation: Observation, changes: Sequence[FieldChange],
               ctx: Context) -> Mapping[str, Any]:
        elb = inventory.client(ctx)
        arn = observation.outputs["arn"]
        changed = changed_fields(changes)
        if changed & {"Conditions", "Actions"}:
            aws.modify_rule(elb, arn, resource.desired["Conditions"], resource.desired["Actions"])
        if "tags" in changed:
            aws.add_tags(elb, arn, stale_tags(resource.tags, observation.tags))
        return {"arn": arn, "target_group_arn": forwarded_target_group(resource.desired["Actions"])}

    def delete(self, key: Key, observation: Observation, ctx: Context) -> None:
        aws.delete_rule(inventory.client(ctx), observation.outputs["arn"])


def _preferred_priority(environment: str, app: str) -> int:
    digest = hashlib.sha256(f"{environment}/{app}".encode()).hexdigest()
    return int(digest[:8], 16) % (MAX_PRIORITY - 1) + 1


def _hosts(rule: Mapping[str, Any]) -> set[str]:
    return {v for c in canonical_conditions(rule.get("Conditions")) for v in c["HostHeaderConfig"]["Values"]}


def _observed(rule: Mapping[str, Any], tags: dict[str, str]) -> Observation:
    fields = {
        "ListenerArn": rule["RuleArn"].replace(":listener-rule/", ":listener/").rsplit("/", 1)[0],
        "Conditions": canonical_conditions(rule.get("Conditions")),
        "Actions": canonical_actions(rule.get("Actions")),
        "tags": tags,
    }
    outputs = {"arn": rule["RuleArn"], "target_group_arn": forwarded_target_group(rule.get("Actions"))}
    return Observation(True, fields=fields, outputs=outputs, tags=tags, state=rule)
