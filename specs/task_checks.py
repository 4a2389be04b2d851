"""Checks on the translated task definition as a whole: ECS's size limit, and secrets left in
plain `environment`."""

from __future__ import annotations

from specs import limits, sensitive
from specs.compose_service import ComposeService
from specs.errors import Problems, SpecError
from specs.loader import LoadedSpec
from specs.yaml_source import YamlDocument

# What the controllers add to each registered task definition: the two role ARNs, one
# awslogs configuration per container, two STORAGE_* variables per storage grant per container.
_RESERVED_BYTES = 512
_RESERVED_PER_CONTAINER = 320
_RESERVED_PER_GRANT = 200


def check_task_definition(
    spec: LoadedSpec, services: list[ComposeService], containers: list[dict],
    document: YamlDocument, problems: Problems,
) -> None:
    _warn_about_plain_secrets(services, document, problems)
    _check_size(spec, containers, document, problems)


def _warn_about_plain_secrets(
    services: list[ComposeService], document: YamlDocument, problems: Problems
) -> None:
    found = [(service, name) for service in services for name in sensitive.secret_looking(service.environment)]
    if not found:
        return
    first_service, first_name = found[0]
    names = [f"{name} (service '{service.key}')" if len(services) > 1 else name for service, name in found]
    at = first_service.environment_at.get(first_name, first_service.at)
    problems.warn(document.warning(at, sensitive.warning_text(names)))


def _check_size(spec: LoadedSpec, containers: list[dict], document: YamlDocument, problems: Problems) -> None:
    limit = limits.ECS_TASK_DEFINITION_BYTES
    counted = 16 * limit  # sizes are counted up to here: exact enough to act on, cheap for any input
    grants = len(spec.model.spec.storage)
    reserved = _RESERVED_BYTES + len(containers) * (_RESERVED_PER_CONTAINER + grants * _RESERVED_PER_GRANT)
    sizes = [limits.json_size(container, counted) for container in containers]
    total = sum(sizes) + reserved
    if total <= limit:
        return
    largest = max(range(len(containers)), key=lambda index: sizes[index])
    name = containers[largest]["name"]
    environment = limits.json_size(containers[largest].get("environment") or [], counted)
    def size(value: int) -> str:
        return f"more than {counted:,}" if value > counted else f"{value:,}"

    detail = f"container '{name}' takes {size(sizes[largest])} bytes"
    if environment > sizes[largest] // 2:
        detail += f", {size(environment)} of them its environment"
    shown = size(total) if total > counted else f"about {total:,}"
    problems.add(SpecError(document.path, message=(
        f"the task definition would be {shown} bytes; ECS accepts at most "
        f"{limits.human_size(limit)} ({limit:,} bytes): {detail}. Move large values into the "
        "image, a file, or a .secret- file")))
