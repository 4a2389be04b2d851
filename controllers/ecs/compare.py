"""Pure canonicalisation for the ECS kinds: what AWS adds (defaults, empty lists, reordered
set-like lists, short task-definition names) is removed from both sides before the left-scoped
diff, so AWS defaults never cause endless updates. No I/O here."""
from __future__ import annotations

from dataclasses import dataclass

from collections.abc import Iterable, Mapping
from typing import Any

from reconciler.compare import diff_fields, sorted_list
from reconciler.resource import UNKNOWN, FieldChange

# What we put in a RegisterTaskDefinition request; everything else AWS returns (revision,
# status, compatibilities, registeredAt, requiresAttributes, ...) is not compared.
TASK_DEFINITION_KEYS = (
    "family", "networkMode", "requiresCompatibilities", "cpu", "memory", "containerDefinitions",
    "executionRoleArn", "taskRoleArn", "volumes", "runtimePlatform", "ephemeralStorage",
    "placementConstraints", "proxyConfiguration", "pidMode", "ipcMode",
)
# Per-container values AWS fills in when the request leaves them out.
_CONTAINER_DEFAULTS = {"cpu": 0, "essential": True}
# Lists whose order carries no meaning (compared sorted).
_NAMED_LISTS = ("environment", "secrets", "ulimits", "systemControls")


def prune(value: Any) -> Any:
    """Drop None, empty lists and empty dicts, recursively (AWS echoes `mountPoints: []` & co.)."""
    if isinstance(value, Mapping):
        pruned = {k: prune(v) for k, v in value.items()}
        return {k: v for k, v in pruned.items() if v is not None and v != [] and v != {}}
    if isinstance(value, list):
        return [prune(v) for v in value]
    return value


def canonical_container(container: Mapping[str, Any]) -> dict:
    out = {k: v for k, v in prune(container).items() if _CONTAINER_DEFAULTS.get(k, object()) != v}
    for name in _NAMED_LISTS:
        if isinstance(out.get(name), list):
            out[name] = sorted_list(out[name], key="name")
    return out


def task_definition_content(definition: Mapping[str, Any]) -> dict:
    """The comparable content of a task definition (a request or a DescribeTaskDefinition answer)."""
    content = prune({k: definition[k] for k in TASK_DEFINITION_KEYS if k in definition})
    if isinstance(content.get("requiresCompatibilities"), list):
        content["requiresCompatibilities"] = sorted(content["requiresCompatibilities"])
    containers = content.get("containerDefinitions")
    if isinstance(containers, list):
        content["containerDefinitions"] = sorted(
            (canonical_container(c) for c in containers), key=lambda c: str(c.get("name")))
    return content


def task_definition_changes(desired: Mapping[str, Any], observed: Mapping[str, Any]) -> list[FieldChange]:
    """Content changes only (tags aside): a non-empty result means a new revision is needed.
    Revision numbers are never compared."""
    return diff_fields(task_definition_content(desired), {k: v for k, v in observed.items() if k != "tags"})


def storage_variable_prefix(table: str) -> str:
    """`posts-table.v2` -> `STORAGE_POSTS_TABLE_V2`."""
    return "STORAGE_" + "".join(c if c.isalnum() else "_" for c in table.upper())


def storage_environment(tables: Iterable[tuple[str, str]], region: str, account_id: str,
                        partition: str = "aws") -> list[dict[str, str]]:
    """STORAGE_<TABLE>_NAME/_ARN for (table as the spec writes it, its name in AWS) pairs: the
    variable names stay the same in every environment, the values name that environment's table."""
    variables = []
    for table, name in tables:
        prefix = storage_variable_prefix(table)
        variables.append({"name": f"{prefix}_NAME", "value": name})
        variables.append({"name": f"{prefix}_ARN", "value": f"arn:{partition}:dynamodb:{region}:{account_id}:table/{name}"})
    return variables


def with_environment(container: dict, extra: list[dict[str, str]]) -> dict:
    """The container with `extra` variables added; ours win over a same-named one."""
    names = {v["name"] for v in extra}
    kept = [v for v in container.get("environment") or [] if v.get("name") not in names]
    return {**container, "environment": kept + extra} if extra else container


# -- clusters ---------------------------------------------------------------------------------
def canonical_cluster(fields: Mapping[str, Any]) -> dict:
    out = dict(fields)
    if isinstance(out.get("capacityProviders"), list):
        out["capacityProviders"] = sorted(out["capacityProviders"])
    if isinstance(out.get("defaultCapacityProviderStrategy"), list):
        out["defaultCapacityProviderStrategy"] = sorted_list(out["defaultCapacityProviderStrategy"], key="capacityProvider")
    return out


# -- services ---------------------------------------------------------------------------------
def full_task_definition_arn(task_definition: str | None, service_arn: str) -> str | None:
    """`family:3` -> the full ARN (moto stores what UpdateService was sent, verbatim)."""
    if not task_definition or task_definition.startswith("arn:"):
        return task_definition
    partition, region, account = service_arn.split(":")[1], service_arn.split(":")[3], service_arn.split(":")[4]
    return f"arn:{partition}:ecs:{region}:{account}:task-definition/{task_definition}"


def canonical_network(network: Any) -> Any:
    if not isinstance(network, Mapping) or not isinstance(network.get("awsvpcConfiguration"), Mapping):
        return network
    vpc = dict(network["awsvpcConfiguration"])
    for name in ("subnets", "securityGroups"):
        if isinstance(vpc.get(name), list):
            vpc[name] = sorted(vpc[name], key=repr)
    return {**network, "awsvpcConfiguration": vpc}


def canonical_service(fields: Mapping[str, Any]) -> dict:
    out = dict(fields)
    if "networkConfiguration" in out:
        out["networkConfiguration"] = canonical_network(out["networkConfiguration"])
    return out


def observed_service_fields(service: Mapping[str, Any], tags: dict[str, str],
                            optional: Iterable[str]) -> dict:
    """A DescribeServices entry in the shape of desired. `optional` fields are included only
    when the answer carries them (AWS does; moto does not)."""
    fields = {
        "cluster": service.get("clusterArn", "").rsplit("/", 1)[-1],
        "serviceName": service.get("serviceName"),
        "taskDefinition": full_task_definition_arn(service.get("taskDefinition"), service.get("serviceArn", "")),
        "desiredCount": service.get("desiredCount"),
        "launchType": service.get("launchType"),
        "platformVersion": service.get("platformVersion"),
        "networkConfiguration": service.get("networkConfiguration"),
        "serviceRegistries": service.get("serviceRegistries", []),
        "propagateTags": service.get("propagateTags"),
        "loadBalancers": [{k: lb.get(k) for k in ("targetGroupArn", "containerName", "containerPort")}
                          for lb in service.get("loadBalancers") or []],
        "tags": tags,
    }
    fields.update({name: service[name] for name in optional if name in service})
    return canonical_service(fields)


@dataclass(frozen=True)
class Rollout:
    ready: bool
    message: str
    failed: bool = False  # a deployment FAILED (the circuit breaker rolled it back)
    failed_revision: str = ""  # the task definition whose deployment FAILED


def rollout(service: Mapping[str, Any], desired_arn: Any, stopped: Iterable[str] = ()) -> Rollout:
    """Ready as on AWS: exactly one deployment, PRIMARY, rollout COMPLETED, all desired tasks
    running, on the desired task definition. `stopped`: why recent tasks stopped, in words."""
    deployments = list(service.get("deployments") or [])
    primary = next((d for d in deployments if d.get("status") == "PRIMARY"), None)
    running, wanted = service.get("runningCount", 0), service.get("desiredCount", 0)
    state = (primary or {}).get("rolloutState") or "UNKNOWN"
    arn = service.get("serviceArn", "")
    # With rollback on, AWS makes the rollback the new PRIMARY and keeps the failed one as ACTIVE.
    failed = next((d for d in deployments if d.get("rolloutState") == "FAILED"), None)
    if failed is not None:
        reason = failed.get("rolloutStateReason") or "tasks failed to start"
        # The newest event naming why tasks stopped (the circuit breaker's own reason may not).
        stopped_words = "; ".join(dict.fromkeys(stopped))
        event = "" if stopped_words or "stopped reason" in reason.lower() else next(
            (e["message"] for e in service.get("events") or [] if "stopped" in e.get("message", "").lower()), "")
        detail = "".join(f"; {text}" for text in (stopped_words, event) if text)
        revision = full_task_definition_arn(failed.get("taskDefinition"), arn) or ""
        back = full_task_definition_arn((primary or {}).get("taskDefinition"), arn) if primary is not failed else None
        if back and back != revision:
            detail += f"; rolling back to {back.rsplit('/', 1)[-1]}"
        return Rollout(False, f"deployment FAILED: {reason}{detail}", failed=True, failed_revision=revision)
    message = f"{running}/{wanted} running, deployment {state}"
    if len(deployments) > 1:
        message += f" ({len(deployments)} deployments)"
    current = full_task_definition_arn(service.get("taskDefinition"), arn)
    on_desired = desired_arn is UNKNOWN or desired_arn is None or current == desired_arn
    if not on_desired:
        message += f"; running {current.rsplit('/', 1)[-1] if current else None}, want {str(desired_arn).rsplit('/', 1)[-1]}"
    deploying = full_task_definition_arn((primary or {}).get("taskDefinition"), arn)
    if primary is not None and deploying != current:
        message += "; the new deployment has not started"
    if stopped and state != "COMPLETED":
        message += "; tasks stopped: " + "; ".join(dict.fromkeys(stopped))
    ready = (
        len(deployments) == 1 and primary is not None and state == "COMPLETED" and running == wanted
        and primary.get("desiredCount", wanted) == wanted and on_desired and deploying == current
    )
    return Rollout(ready, message)


def stopped_in_words(task: Mapping[str, Any]) -> str:
    """Why a task stopped, as a person would say it: "essential container web exited: exit code
    1", "image pull failed: ...", "health check failed: ...". From DescribeTasks."""
    reason = str(task.get("stoppedReason") or "")
    for container in task.get("containers") or []:
        if "CannotPullContainerError" in str(container.get("reason") or ""):
            return "image pull failed: " + str(container["reason"]).split(":", 1)[-1].strip()
    if "CannotPullContainerError" in reason or "pull image" in reason.lower():
        return "image pull failed: " + reason.split(":", 1)[-1].strip()
    if "health check" in reason.lower():
        unhealthy = [c.get("name") for c in task.get("containers") or [] if c.get("healthStatus") == "UNHEALTHY"]
        where = f" ({', '.join(map(str, unhealthy))})" if unhealthy else ""
        return f"health check failed{where}: {reason}"
    for container in task.get("containers") or []:
        code = container.get("exitCode")
        if code not in (None, 0):
            return f"essential container {container.get('name')} exited: exit code {code}"
    return reason


def targets_in_words(descriptions: Iterable[Mapping[str, Any]]) -> str:
    """What the load balancer says of a service's targets, when it is not "all healthy":
    "health check on port 8080 failed for 2 of 2 targets: Target.ResponseCodeMismatch (Health
    checks failed with these codes: [502])". Empty when every target is healthy (or none is
    registered yet)."""
    found = list(descriptions)
    unhealthy = [d for d in found if (d.get("TargetHealth") or {}).get("State") in ("unhealthy", "unhealthy.draining")]
    starting = [d for d in found if (d.get("TargetHealth") or {}).get("State") == "initial"]
    if unhealthy:
        health = unhealthy[0].get("TargetHealth") or {}
        port = unhealthy[0].get("HealthCheckPort")  # a port, or "traffic-port": the target's own
        if not port or port == "traffic-port":
            port = (unhealthy[0].get("Target") or {}).get("Port")
        why = health.get("Reason") or "unhealthy"
        if health.get("Description"):
            why += f" ({health['Description']})"
        return f"health check on port {port} failed for {len(unhealthy)} of {len(found)} targets: {why}"
    if starting:
        return f"{len(starting)} of {len(found)} targets still in their first health checks"
    return ""
