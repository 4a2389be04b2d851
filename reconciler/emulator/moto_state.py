"""Reads and writes of moto's in-process backends for the build simulation -- used ONLY by the
embedded AWS: the bundle a pipeline reads from S3, the images a build pushes to ECR."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from reconciler.emulator.docker_simulation import CommandFailed


def now_iso() -> str:
    from moto.core.utils import iso_8601_datetime_with_milliseconds

    return iso_8601_datetime_with_milliseconds()


def s3_object(account: str, bucket: str, key: str) -> Any:
    from moto.s3.models import s3_backends

    try:
        return s3_backends[account]["aws"].get_object(bucket, key)
    except Exception:  # noqa: BLE001 - a missing bucket reads as a missing object
        return None


def user_metadata(key: Any) -> dict[str, str]:
    """An S3 object's user metadata without its `x-amz-meta-` prefix (as moto keeps it)."""
    return {k.lower().removeprefix("x-amz-meta-"): v for k, v in dict(key.metadata).items()}


def pusher(account: str, region: str) -> Callable[[str, str, str], None]:
    def push(repository: str, tag: str, manifest: str) -> None:
        from moto.ecr.models import ecr_backends

        backend = ecr_backends[account][region]
        if repository not in backend.repositories:
            raise CommandFailed(f"name unknown: The repository with name '{repository}' does not exist")
        try:
            backend.put_image(repository, manifest, tag)
        except Exception as error:  # noqa: BLE001 - ECR's refusal is the push's failure
            raise CommandFailed(f"{type(error).__name__}: {getattr(error, 'message', error)}") from error

    return push
