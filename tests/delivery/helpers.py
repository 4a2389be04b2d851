"""Builders and readers for the delivery tests (end to end through the CLI on the moto server)."""
from __future__ import annotations

from pathlib import Path

import boto3

from reconciler.cli import main
from tests.support import write_app

SECRET_VALUE = "s3cr3t-VALUE-do-not-print"
TOKEN_VALUE = "ghp_TOKENVALUEdoNOTprint0123456789"
COMPOSE = """\
services:
  web:
    build: ./web
    ports: ["8080:8080"]
    secrets: [PASSWORD]
  cache:
    image: public.ecr.aws/docker/library/redis:7
secrets:
  PASSWORD:
    file: ../secrets/.secret-password
"""
DOCKERFILE = "FROM public.ecr.aws/docker/library/node:20-slim\nEXPOSE 8080\nCMD [\"node\", \"index.js\"]\n"
REPOSITORY = "dev/shop/web"
FAMILY = "dev-shop"
PIPELINE = "sc-dev-shop"


def shop(root: Path, *, spec_extra: str = "", dockerfile: str = DOCKERFILE, files: dict[str, str] | None = None) -> Path:
    """A spec with one built container (web), one image-only (cache) and a secret."""
    return write_app(root, "shop", compose=COMPOSE, spec_extra="entrypoint: {container: web, port: 8080}\n" + spec_extra,
                     files={"src/web/Dockerfile": dockerfile, "src/web/index.js": "console.log('v1')\n",
                            "secrets/.secret-password": SECRET_VALUE + "\n", **(files or {})})


def client(url: str, service: str):
    return boto3.client(service, endpoint_url=url, region_name="us-east-1", aws_access_key_id="x",
                        aws_secret_access_key="x")


def once(url: str, *paths, extra=()) -> int:
    return main(["--once", *map(str, paths), "--timeout", "60", "--target", url, *extra])


def run(url: str, *args) -> int:
    return main([*map(str, args), "--target", url])


def image_tags(url: str, repository: str = REPOSITORY) -> set[str]:
    return {t for d in client(url, "ecr").describe_images(repositoryName=repository)["imageDetails"]
            for t in d.get("imageTags") or []}


def task_definition(url: str, family: str = FAMILY) -> dict:
    return client(url, "ecs").describe_task_definition(taskDefinition=family)["taskDefinition"]


def container(definition: dict, name: str) -> dict:
    return next(c for c in definition["containerDefinitions"] if c["name"] == name)


def revisions(url: str, family: str = FAMILY) -> int:
    return len(client(url, "ecs").list_task_definitions(familyPrefix=family)["taskDefinitionArns"])


def executions(url: str, pipeline: str = PIPELINE) -> list[dict]:
    return client(url, "codepipeline").list_pipeline_executions(pipelineName=pipeline)["pipelineExecutionSummaries"]


def bundle_versions(url: str) -> int:
    s3 = client(url, "s3")
    bucket = next(b["Name"] for b in s3.list_buckets()["Buckets"] if b["Name"].startswith("sc-dev-shop-"))
    return len([v for v in s3.list_object_versions(Bucket=bucket).get("Versions", []) if v["Key"] == "source/bundle.zip"])


def service(url: str, app: str = "shop") -> dict:
    return client(url, "ecs").describe_services(cluster="sc-dev", services=[app])["services"][0]
