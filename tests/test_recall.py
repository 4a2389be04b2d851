"""Recall (issue 13): reads with no batch form are skipped while the state store proves nothing
changed; a full read (every Nth pass, or `--full-read`) still finds drift behind our back; the
account's facts come from the state store; status says how old each observation is."""
from __future__ import annotations

import json

import boto3
import pytest

from reconciler.cli import main
from reconciler.naming import role_name
from reconciler.state.recall import EVERY_ENV
from tests.support import write_app

COMPOSE = """\
services:
  web:
    image: public.ecr.aws/docker/library/nginx:1.27
    ports: ["8080:8080"]
"""


def requests_of(stderr: str) -> dict[str, int]:
    for line in stderr.splitlines():
        if '"aws_requests"' in line:
            return dict(json.loads(line)["operations"])
    raise AssertionError("no aws_requests line")


def run(args: list[str], url: str, capsys) -> tuple[int, dict[str, int], str]:
    capsys.readouterr()
    code = main([*args, "--target", url, "--log-level", "debug", "--log-format", "json"])
    captured = capsys.readouterr()
    return code, requests_of(captured.err), captured.out


@pytest.fixture
def spec(moto_server, tmp_path, monkeypatch):
    monkeypatch.delenv(EVERY_ENV, raising=False)
    moto_server.reset()
    return write_app(tmp_path, "recall-api", compose=COMPOSE, spec_extra="api: {type: REST}\n")


def test_a_no_op_plan_recalls_reads_without_batch_form_and_asks_sts_nothing(moto_server, spec, capsys):
    assert main(["--once", str(spec), "--timeout", "120", "--target", moto_server.url]) == 0
    code, made, _ = run(["plan", str(spec), "--detailed-exitcode"], moto_server.url, capsys)
    assert code == 0
    for read in ("iam.GetRole", "iam.GetRolePolicy", "ecs.DescribeTaskDefinition", "apigatewayv2.GetIntegrations",
                 "apigatewayv2.GetStages", "servicediscovery.GetService", "cloudwatch-logs.ListTagsForResource",
                 "sts.GetCallerIdentity", "ec2.DescribeAvailabilityZones"):
        assert read not in made, read
    assert made["ecs.DescribeServices"] == 1, "the service (desired count, rollout) is read in every pass"
    code, made, _ = run(["plan", str(spec), "--detailed-exitcode", "--full-read"], moto_server.url, capsys)
    assert code == 0 and made["iam.GetRole"] == 2 and made["ecs.DescribeTaskDefinition"] == 1


def test_drift_behind_our_back_is_found_by_the_full_read_and_healed(moto_server, spec, capsys, monkeypatch):
    assert main(["--once", str(spec), "--timeout", "120", "--target", moto_server.url]) == 0
    iam = boto3.client("iam", endpoint_url=moto_server.url, region_name="us-east-1",
                       aws_access_key_id="x", aws_secret_access_key="x")
    role = role_name("dev", "recall-api", "task")
    iam.update_assume_role_policy(RoleName=role, PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}))
    code, _, _ = run(["plan", str(spec), "--detailed-exitcode"], moto_server.url, capsys)
    assert code == 0, "recalled: not read in this pass"
    code, _, out = run(["plan", str(spec), "--detailed-exitcode", "--full-read"], moto_server.url, capsys)
    assert code == 2 and f"iam.role/dev/recall-api/task" in out
    monkeypatch.setenv(EVERY_ENV, "1")  # every pass reads everything: the next converge heals it
    assert main(["--once", str(spec), "--timeout", "120", "--target", moto_server.url]) == 0
    trusted = iam.get_role(RoleName=role)["Role"]["AssumeRolePolicyDocument"]
    assert "ecs-tasks.amazonaws.com" in json.dumps(trusted)


def test_status_says_how_old_each_recalled_observation_is(moto_server, spec, capsys):
    assert main(["--once", str(spec), "--timeout", "120", "--target", moto_server.url]) == 0
    assert main(["--once", str(spec), "--timeout", "120", "--target", moto_server.url]) == 0
    capsys.readouterr()
    assert main(["status", str(spec), "-o", "json", "--target", moto_server.url]) == 0
    entry = json.loads(capsys.readouterr().out)["specs"]["dev/recall-api"]
    assert entry["oldestObservation"] and entry["passesSinceFullRead"] >= 1
    assert entry["resources"]["iam.role/dev/recall-api/task"]["observedAt"]
    assert "observedAt" not in entry["resources"]["ecs.service/dev/recall-api"]
