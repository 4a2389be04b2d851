"""One Fargate service per app in the environment's cluster, registered in Cloud Map.

Tasks run in the public subnets with public IPs (assignPublicIp ENABLED, no NAT gateway: a
documented cost choice); the tasks security group admits only the front door. Deployments are
rolling (min 100 %, max 200 %) with the deployment circuit breaker rolling back failed ones.

Observed per cluster with DescribeServices(include TAGS), 10 services per call (plus, only while
a rollout fails, the last stopped tasks: why they stopped, in words; and, while a load-balanced
service's rollout is not done, what DescribeTargetHealth says of its targets). A DRAINING or INACTIVE
service counts as absent. A task definition whose deployment FAILED (the circuit breaker rolled
it back) is reported as `failed_revision` and held by the engine (`rollout_field`). Ready as on AWS: one PRIMARY deployment, rollout COMPLETED,
runningCount == desiredCount, on the desired task definition (not right after apply:
`ready_after_apply = False`). moto starts no tasks; the embedded AWS simulates the scheduler
(reconciler/emulator/ecs_scheduler.py) so this readiness holds there too.
"""
from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from botocore.exceptions import ClientError

from controllers.ecs import aws
from controllers.ecs.compare import (canonical_service, observed_service_fields, rollout, stopped_in_words,
                                     targets_in_words)
from reconciler import naming
from reconciler.aws import error_code
from reconciler.compare import diff_fields
from reconciler.controller import BaseController, Context
from reconciler.design import EnvironmentDesign
from reconciler.errors import RequeueAfter
from reconciler.ownership import TAG_APP, TAG_ENVIRONMENT, tags_for
from reconciler.resource import UNKNOWN, FieldChange, Key, Observation, Ref, Resource, changed_fields

KIND = "ecs.service"
DEPLOYMENT_CONFIGURATION = {
    "minimumHealthyPercent": 100,
    "maximumPercent": 200,
    "deploymentCircuitBreaker": {"enable": True, "rollback": True},
}
# Fields UpdateService changes in place; others need a new service (see `immutable`).
UPDATABLE = ("desiredCount", "taskDefinition", "networkConfiguration", "deploymentConfiguration", "serviceRegistries",
             "platformVersion", "propagateTags", "enableECSManagedTags", "healthCheckGracePeriodSeconds",
             "loadBalancers")
# A hosting app's tasks get this long to pass the load balancer's health check after starting.
HEALTH_CHECK_GRACE_SECONDS = 60
_NAMESPACE = uuid.UUID("8e0f3d8a-4c1e-4f38-9a55-5a6f3c2b7d10")


def load_balanced(container: str, port: int) -> dict[str, Any]:
    """A hosting app's registration with its target group, through the listener rule's output:
    ECS refuses a target group no load balancer uses yet, so the service waits for the rule.
    Added to an existing service with UpdateService (ECS can change load balancers in place)."""
    return {
        "loadBalancers": [{"targetGroupArn": Ref("alb.listener_rule", "target_group_arn", app=True),
                           "containerName": container, "containerPort": port}],
        "healthCheckGracePeriodSeconds": HEALTH_CHECK_GRACE_SECONDS,
    }


def client_token(resource: Resource) -> str:
    """CreateService idempotency token (≤ 36 chars) from the key and the request: a retried
    create returns the first service instead of failing. (Finding the service ACTIVE by name in
    observe is the main guard; moto ignores the token. Unverified on AWS: how long a token stays
    bound after its service was deleted; a changed request gets a new token anyway.)"""
    digest = hashlib.sha256(json.dumps(resource.desired, sort_keys=True, default=str).encode()).hexdigest()
    return str(uuid.uuid5(_NAMESPACE, f"{resource.key}:{digest}"))


class ServiceController(BaseController):
    kind = KIND
    scope = "app"
    # launchType cannot change on an existing service: replace. (serviceRegistries can: UpdateService
    # takes them, so a new entrypoint port is an update, never a service torn down.)
    immutable = frozenset({"cluster", "serviceName", "launchType"})
    # Not echoed by moto's DescribeServices (AWS does echo them): compared only when the answer
    # carries them, so moto shows no perpetual diff and AWS drift is still seen.
    # healthCheckGracePeriodSeconds is set only with a load balancer (hosting apps).
    unobservable = frozenset({"deploymentConfiguration", "enableECSManagedTags",
                              "healthCheckGracePeriodSeconds", "enableExecuteCommand"})
    ready_after_apply = False
    # A task definition whose rollout failed (the circuit breaker rolled back) is held.
    rollout_field = "taskDefinition"
    outputs = frozenset({"arn", "name"})
    references = frozenset({"ecs.cluster", "ecs.task_definition", "network.subnets", "network.security_group",
                            "discovery.service", "alb.listener_rule"})

    def identity(self, key: Key) -> dict[str, Any]:
        return {"cluster": Ref("ecs.cluster", "name"), "serviceName": naming.service_name(key.app or "")}

    def desired(self, env: EnvironmentDesign) -> list[Resource]:
        resources = []
        for app in env.apps:
            translation = app.translation
            key = Key(KIND, env.name, app.name)
            desired = {
                "cluster": Ref("ecs.cluster", "name"),
                "serviceName": naming.service_name(app.name),
                "taskDefinition": Ref("ecs.task_definition", "arn", app=True),  # full ARN, never family:rev
                "desiredCount": 0 if app.facts.suspended else translation.replicas,
                "launchType": "FARGATE",
                "platformVersion": "LATEST",
                "networkConfiguration": {"awsvpcConfiguration": {
                    # The environment spans three zones; an app runs in one, or in all three.
                    "subnets": Ref("network.subnets", "ids" if app.high_availability else "ids_one_az"),
                    "securityGroups": [Ref("network.security_group", "id", name="tasks", app=True)],
                    "assignPublicIp": "ENABLED",  # public subnets, no NAT gateway (cost choice)
                }},
                "serviceRegistries": [{
                    "registryArn": Ref("discovery.service", "arn", app=True),
                    "containerName": translation.entrypoint.container,  # SRV records need both
                    "containerPort": translation.entrypoint.port,
                }],
                "deploymentConfiguration": json.loads(json.dumps(DEPLOYMENT_CONFIGURATION)),
                "enableECSManagedTags": True,
                "propagateTags": "SERVICE",
            }
            if app.front_door == "hosting":
                desired.update(load_balanced(translation.entrypoint.container, translation.entrypoint.port))
            resources.append(Resource(key, desired, tags_for(key, app.labels), app.adopt))
        return resources

    def observe(self, resources: Sequence[Resource], ctx: Context) -> Mapping[Key, Observation]:
        client = ctx.client("ecs")
        by_cluster: dict[str, list[Resource]] = {}
        result: dict[Key, Observation] = {}
        for resource in resources:
            cluster = resource.desired["cluster"]
            if cluster is UNKNOWN:
                result[resource.key] = Observation.absent("waiting for the cluster")
            else:
                by_cluster.setdefault(cluster, []).append(resource)
        for cluster, members in sorted(by_cluster.items()):
            found = {s["serviceName"]: s for s in aws.describe_services(client, cluster, [r.desired["serviceName"] for r in members])
                     if s.get("status") == "ACTIVE"}  # DRAINING / INACTIVE: gone for us
            for resource in members:
                service = found.get(resource.desired["serviceName"])
                result[resource.key] = (Observation.absent() if service is None
                                        else self._observation(resource, service, client, ctx))
        return result

    def apps_in_environment(self, environment: str, ctx: Context) -> set[str]:
        """Apps with an ACTIVE service in the environment's cluster (teardown asks before it
        deletes what the environment shares)."""
        tags = aws.active_service_tags(ctx.client("ecs"), naming.cluster_name(environment))
        return {t[TAG_APP] for t in tags if t.get(TAG_APP) and t.get(TAG_ENVIRONMENT) == environment}

    def _observation(self, resource: Resource, service: dict, client: Any, ctx: Context) -> Observation:
        tags = aws.tags_of(service)
        failing = any(d.get("rolloutState") == "FAILED" or d.get("failedTasks") for d in service.get("deployments") or [])
        stopped = [stopped_in_words(t) for t in aws.stopped_tasks(client, service.get("clusterArn", ""),
                                                                  service["serviceName"])] if failing else []
        state = rollout(service, resource.desired.get("taskDefinition"), [s for s in stopped if s])
        if not state.ready and service.get("loadBalancers"):
            # Behind a load balancer, a rollout waits on target health: say what the load
            # balancer says (read only while the rollout is not done).
            said = (targets_in_words(aws.target_health(ctx.client("elbv2"), lb["targetGroupArn"]))
                    for lb in service["loadBalancers"] if lb.get("targetGroupArn"))
            words = [w for w in said if w]
            if words:
                state = replace(state, message=f"{state.message}; {'; '.join(words)}")
        return Observation(
            exists=True,
            fields=observed_service_fields(service, tags, self.unobservable),
            outputs={"arn": service["serviceArn"], "name": service["serviceName"]},
            tags=tags,
            ready=state.ready,
            message=state.message,
            state=service,
            failed=state.failed,
            failed_revision=state.failed_revision,
        )

    def diff(self, resource: Resource, observation: Observation) -> list[FieldChange]:
        desired = canonical_service({**resource.desired, "tags": resource.tags})
        ignore = {name for name in self.unobservable if name not in observation.fields}
        return diff_fields(desired, observation.fields, ignore=ignore)

    def create(self, resource: Resource, ctx: Context) -> Mapping[str, Any]:
        # Never called for a service observe found ACTIVE: moto's CreateService silently
        # replaces an existing one (AWS refuses), so a double create would go unnoticed there.
        token = resource.token or client_token(resource)
        request = {**resource.desired, "tags": aws.ecs_tags(resource.tags), "clientToken": token[:36]}
        try:
            service = aws.create_service(ctx.client("ecs"), request)
        except ClientError as error:
            if error_code(error) == "InvalidParameterException" and "draining" in str(error).lower():
                raise RequeueAfter(f"{resource.key}: the previous service is still draining", 10.0) from error
            raise
        return {"arn": service["serviceArn"], "name": service["serviceName"]}

    def update(self, resource: Resource, observation: Observation, changes: Sequence[FieldChange],
               ctx: Context) -> Mapping[str, Any]:
        client = ctx.client("ecs")
        want = resource.desired
        changed = changed_fields(changes)
        updates = {name: want[name] for name in UPDATABLE if name in changed and name in want}
        if updates:
            aws.update_service(client, want["cluster"], want["serviceName"], updates)
        if "tags" in changed:
            stale = {k: v for k, v in resource.tags.items() if observation.tags.get(k) != v}
            aws.tag_resource(client, observation.outputs["arn"], stale)
        return {"arn": observation.outputs["arn"], "name": want["serviceName"]}

    def delete(self, key: Key, observation: Observation, ctx: Context) -> None:
        state = observation.state or {}
        cluster = state.get("clusterArn") or naming.cluster_name(key.environment)
        name = observation.outputs.get("name") or state.get("serviceName") or naming.service_name(key.app or "")
        # force: no scale-to-zero first; ECS drains the tasks (DRAINING, then INACTIVE) on its own.
        aws.delete_service(ctx.client("ecs"), cluster, name)
