"""The AWS reads and writes behind `reconcile history / rollback / suspend / logs / rebuild`:
thin calls, no decisions (those are in reconciler.commands_delivery)."""
from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from botocore.exceptions import ClientError

from reconciler import naming
from reconciler.aws import error_code, paginate
from reconciler.design import AppDesign

LATEST = "latest"


@dataclass(frozen=True)
class Build:
    """One build as ECR shows it: a tag and the containers that have an image with it."""

    tag: str
    pushed_at: datetime | None
    containers: tuple[str, ...]
    complete: bool  # every built container has it: deployable
    latest: bool


def builds(ecr: Any, app: AppDesign) -> list[Build]:
    """Every tag of the app's images, newest first."""
    images = app.delivery.images
    found: dict[str, dict[str, datetime | None]] = {}
    latest: set[str] = set()
    for image in images:
        try:
            details = list(paginate(ecr, "describe_images", "imageDetails", repositoryName=image.repository,
                                    filter={"tagStatus": "TAGGED"}))
        except ClientError as error:
            if error_code(error) != "RepositoryNotFoundException":
                raise
            continue
        for detail in details:
            tags = detail.get("imageTags") or []
            for tag in tags:
                if tag != LATEST:
                    found.setdefault(tag, {})[image.container] = detail.get("imagePushedAt")
                    if LATEST in tags:
                        latest.add(tag)
    oldest = datetime.min.replace(tzinfo=timezone.utc)
    result = [Build(tag, max((t for t in pushed.values() if t), default=None), tuple(sorted(pushed)),
                    len(pushed) == len(images), tag in latest) for tag, pushed in found.items()]
    return sorted(result, key=lambda b: (b.pushed_at or oldest, b.tag), reverse=True)


def scale_to_zero(ecs: Any, environment: str, app: str) -> bool:
    """Desired count 0 on the app's service; False when there is no such service."""
    try:
        ecs.update_service(cluster=naming.cluster_name(environment), service=naming.service_name(app), desiredCount=0)
        return True
    except ClientError as error:
        if error_code(error) in ("ServiceNotFoundException", "ServiceNotActiveException", "ClusterNotFoundException"):
            return False
        raise


def start_build(codepipeline: Any, environment: str, app: str) -> str:
    return codepipeline.start_pipeline_execution(name=naming.pipeline_name(environment, app))["pipelineExecutionId"]


@dataclass(frozen=True)
class LogLine:
    timestamp: int  # milliseconds
    container: str
    stream: str
    message: str
    event_id: str


def log_lines(logs: Any, environment: str, app: str, containers: Sequence[str], start_ms: int | None) -> list[LogLine]:
    """Every event since `start_ms` in the containers' log groups, oldest first."""
    lines: list[LogLine] = []
    for container in containers:
        kwargs: dict[str, Any] = {"logGroupName": naming.log_group_name(environment, app, container)}
        if start_ms is not None:
            kwargs["startTime"] = start_ms
        try:
            for event in paginate(logs, "filter_log_events", "events", **kwargs):
                lines.append(LogLine(event["timestamp"], container, event.get("logStreamName", ""),
                                     event.get("message", "").rstrip("\n"), event.get("eventId", "")))
        except ClientError as error:
            if error_code(error) != "ResourceNotFoundException":
                raise
    return sorted(lines, key=lambda line: (line.timestamp, line.container, line.event_id))


def now_ms() -> int:
    return int(time.time() * 1000)


def follow(fetch: Any, start_ms: int | None, interval: float, sleep: Any = time.sleep) -> Iterator[LogLine]:
    """Lines as they arrive (each once), until interrupted."""
    seen: set[str] = set()
    since = start_ms
    while True:
        for line in fetch(since):
            if line.event_id not in seen:
                seen.add(line.event_id)
                since = line.timestamp if since is None else max(since, line.timestamp)
                yield line
        sleep(interval)
