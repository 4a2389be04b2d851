"""A converge killed mid-way (SIGKILL, no cleanup) and run again leaves exactly one of every
resource: every create is found again by its tags or made idempotent by its token."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

import boto3

from reconciler.cli import main
from reconciler.ownership import MANAGED_BY_VALUE, TAG_MANAGED_BY

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = str(ROOT / "examples/compose-api")


def _client(service: str, url: str):
    return boto3.client(service, endpoint_url=url, region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")


def inventory(url: str) -> Counter:
    """How many of each thing exist that carry our tags (or our names, where tags are not listable)."""
    ours = [{"Name": f"tag:{TAG_MANAGED_BY}", "Values": [MANAGED_BY_VALUE]}]
    ec2 = _client("ec2", url)
    counts: Counter = Counter()
    counts["vpc"] = len(ec2.describe_vpcs(Filters=ours)["Vpcs"])
    counts["subnet"] = len(ec2.describe_subnets(Filters=ours)["Subnets"])
    counts["igw"] = len(ec2.describe_internet_gateways(Filters=ours)["InternetGateways"])
    counts["route_table"] = len(ec2.describe_route_tables(Filters=ours)["RouteTables"])
    counts["security_group"] = len(ec2.describe_security_groups(Filters=ours)["SecurityGroups"])
    ecs = _client("ecs", url)
    clusters = [c for c in ecs.describe_clusters(clusters=ecs.list_clusters()["clusterArns"])["clusters"] if c["status"] == "ACTIVE"]
    counts["cluster"] = len(clusters)
    counts["ecs_service"] = sum(len(ecs.list_services(cluster=c["clusterArn"])["serviceArns"]) for c in clusters)
    counts["task_definition_family"] = len(ecs.list_task_definition_families(status="ACTIVE")["families"])
    counts["namespace"] = len(_client("servicediscovery", url).list_namespaces()["Namespaces"])
    counts["discovery_service"] = len(_client("servicediscovery", url).list_services()["Services"])
    counts["role"] = len([r for r in _client("iam", url).list_roles()["Roles"] if r["RoleName"].startswith("sc-")])
    counts["repository"] = len(_client("ecr", url).describe_repositories()["repositories"])
    counts["bucket"] = len(_client("s3", url).list_buckets()["Buckets"])
    counts["build_project"] = len(_client("codebuild", url).list_projects()["projects"])
    counts["pipeline"] = len(_client("codepipeline", url).list_pipelines()["pipelines"])
    counts["secret"] = len(_client("secretsmanager", url).list_secrets()["SecretList"])
    counts["log_group"] = len(_client("logs", url).describe_log_groups(logGroupNamePrefix="/ecs/")["logGroups"])
    apigw = _client("apigatewayv2", url)
    apis = apigw.get_apis()["Items"]
    counts["api"] = len(apis)
    counts["vpc_link"] = len(apigw.get_vpc_links()["Items"])
    for api in apis:
        counts["integration"] += len(apigw.get_integrations(ApiId=api["ApiId"])["Items"])
        counts["route"] += len(apigw.get_routes(ApiId=api["ApiId"])["Items"])
        counts["stage"] += len(apigw.get_stages(ApiId=api["ApiId"])["Items"])
    return counts


def test_converge_killed_midway_and_rerun_leaves_exactly_one_of_everything(moto_server, capsys):
    moto_server.reset()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "reconciler.cli", "--once", EXAMPLE, "--target", moto_server.url, "--log-format", "json", "--timeout", "60"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    created = 0
    assert process.stderr is not None
    for line in process.stderr:
        if line.startswith("{") and json.loads(line).get("event") == "resource_created":
            created += 1
            if created == 6:  # part of the stack exists, the rest does not
                process.send_signal(signal.SIGKILL)
                break
    process.wait(timeout=30)
    assert created == 6, "the run finished before it could be killed"
    partial = inventory(moto_server.url)
    assert 0 < sum(partial.values())

    assert main(["--once", EXAMPLE, "--target", moto_server.url, "--timeout", "60"]) == 0
    capsys.readouterr()
    counts = inventory(moto_server.url)
    expected_one = ["vpc", "igw", "route_table", "cluster", "ecs_service", "task_definition_family",
                    "namespace", "discovery_service", "api", "vpc_link", "integration", "route", "stage",
                    "bucket", "build_project", "pipeline", "secret"]
    assert {k: counts[k] for k in expected_one} == dict.fromkeys(expected_one, 1)
    assert counts["subnet"] == 3  # the environment spans three zones
    assert counts["security_group"] == 2  # the environment's VPC-link group and the app's tasks group
    assert counts["role"] == 4  # execution, task, and CodeBuild's and CodePipeline's
    assert counts["repository"] == 2  # one per built container
    assert counts["log_group"] == 2  # one per container
    assert main(["plan", EXAMPLE, "--target", moto_server.url, "--detailed-exitcode"]) == 0
