"""What happens instead, for each docker-compose key we do not honour (for the warnings)."""

from __future__ import annotations

_LOCALHOST = "all containers of a task share one network namespace on Fargate; they reach " \
             "each other on localhost"
_TASK_SIZE = "size the whole task with spec.task (cpu, memory)"

SERVICE_KEY_REASONS = {
    "networks": _LOCALHOST,
    "network_mode": "Fargate tasks always use awsvpc networking",
    "links": _LOCALHOST,
    "external_links": _LOCALHOST,
    "expose": "only 'ports' are mapped, and containers of a task reach each other on localhost",
    "volumes": "no volumes are mounted; files written in a container are lost when its task stops",
    "volumes_from": "no volumes are mounted",
    "tmpfs": "Fargate does not support tmpfs mounts",
    "restart": "ECS replaces stopped tasks itself",
    "labels": "container labels are not set",
    "logging": "container logs go to CloudWatch Logs (see spec.logs)",
    "extra_hosts": "Fargate does not support extra host entries",
    "dns": "Fargate uses the VPC's DNS resolver",
    "dns_search": "Fargate uses the VPC's DNS resolver",
    "dns_opt": "Fargate uses the VPC's DNS resolver",
    "cap_add": "Linux capabilities are not changed",
    "cap_drop": "Linux capabilities are not changed",
    "privileged": "Fargate does not run privileged containers",
    "ulimits": "the Fargate defaults apply",
    "configs": "configs are not mounted; use environment variables or secrets",
    "hostname": "Fargate sets the host name",
    "domainname": "Fargate sets the host name",
    "cpus": _TASK_SIZE,
    "cpu_shares": _TASK_SIZE,
    "mem_limit": _TASK_SIZE,
    "mem_reservation": _TASK_SIZE,
    "memswap_limit": _TASK_SIZE,
    "stop_grace_period": "ECS's default stop timeout applies",
    "stop_signal": "ECS stops containers with SIGTERM",
    "pull_policy": "ECS pulls the image whenever a task starts",
    "platform": "the task's platform applies",
}
DEPLOY_KEY_REASONS = {
    "resources": _TASK_SIZE,
    "placement": "Fargate places tasks itself",
    "restart_policy": "ECS replaces stopped tasks itself",
    "update_config": "the ECS service's rolling deployment applies",
    "rollback_config": "the ECS service's rolling deployment applies",
    "mode": "only replicated services exist on Fargate",
    "endpoint_mode": _LOCALHOST,
}
TOP_LEVEL_KEY_REASONS = {
    "networks": _LOCALHOST,
    "volumes": "no volumes are mounted; files written in a container are lost when its task stops",
    "configs": "configs are not mounted; use environment variables or secrets",
    "name": "metadata.name in the spec names everything",
    "models": "models are not deployed",
}
_DEFAULT_REASON = "it has no equivalent in this Fargate deployment"


def ignored_reason(reasons: dict[str, str], key: object) -> str:
    return reasons.get(str(key)) or _DEFAULT_REASON
