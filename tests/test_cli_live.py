"""The main job end to end on the moto server: `reconcile --once` converges the examples, a
second plan is empty, drift is healed, status and delete work."""
from __future__ import annotations

import json
from pathlib import Path

import boto3

from reconciler.cli import main
from reconciler.naming import cluster_name

ROOT = Path(__file__).resolve().parents[1]
COMPOSE = str(ROOT / "examples/compose-api")
SINGLE = str(ROOT / "examples/single-dockerfile")


def ecs(url: str):
    return boto3.client("ecs", endpoint_url=url, region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")


def test_once_converges_then_second_plan_is_empty(moto_server, capsys):
    moto_server.reset()
    target = ["--target", moto_server.url]
    assert main(["--once", COMPOSE, "--timeout", "60", *target]) == 0
    out = capsys.readouterr().out
    assert "dev/posts-api: Ready=True Synced=True" in out or "Ready=True Synced=True" in out
    assert "endpoint https://" in out
    assert main(["plan", COMPOSE, "--detailed-exitcode", *target]) == 0
    assert "No changes" in capsys.readouterr().out


def test_desired_count_changed_behind_our_back_is_healed_by_next_once(moto_server, capsys):
    moto_server.reset()
    target = ["--target", moto_server.url]
    assert main(["--once", SINGLE, "--timeout", "60", *target]) == 0
    client = ecs(moto_server.url)
    service = client.list_services(cluster=cluster_name("dev"))["serviceArns"][0]
    client.update_service(cluster=cluster_name("dev"), service=service, desiredCount=7)
    capsys.readouterr()
    assert main(["plan", SINGLE, "--detailed-exitcode", *target]) == 2
    assert "desiredCount: 7 → 1" in capsys.readouterr().out
    assert main(["--once", SINGLE, "--timeout", "60", *target]) == 0
    described = client.describe_services(cluster=cluster_name("dev"), services=[service])["services"][0]
    assert described["desiredCount"] == 1


def test_dry_run_changes_nothing_and_plan_json_lists_creates(moto_server, capsys):
    moto_server.reset()
    target = ["--target", moto_server.url]
    assert main(["--once", "--dry-run", SINGLE, *target]) == 0
    assert "+ ecs.service/" in capsys.readouterr().out
    assert ecs(moto_server.url).list_clusters()["clusterArns"] == []
    assert main(["plan", SINGLE, "-o", "json", "--detailed-exitcode", *target]) == 2
    document = json.loads(capsys.readouterr().out)
    assert {c["action"] for c in document["changes"]} == {"create"}
    assert document["summary"]["create"] == len(document["changes"])


def test_status_reports_conditions_and_delete_removes_everything(moto_server, capsys):
    moto_server.reset()
    target = ["--target", moto_server.url]
    assert main(["--once", SINGLE, "--timeout", "60", *target]) == 0
    capsys.readouterr()
    assert main(["status", SINGLE, "-o", "json", *target]) == 0
    document = json.loads(capsys.readouterr().out)
    spec = next(iter(v for k, v in document["specs"].items() if "/" in k))
    assert {c["type"]: c["status"] for c in spec["conditions"]} == {"Ready": "True", "Synced": "True"}
    assert all(c["lastTransitionTime"] for c in spec["conditions"])
    assert main(["delete", SINGLE, *target]) == 0
    capsys.readouterr()
    assert main(["plan", SINGLE, "-o", "json", *target]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["changes"] and {c["action"] for c in document["changes"]} == {"create"}, "everything was deleted"
    client = ecs(moto_server.url)
    clusters = client.describe_clusters(clusters=[cluster_name("dev")])["clusters"]
    assert all(c["status"] == "INACTIVE" for c in clusters)


def test_write_client_config_records_endpoints_and_keeps_other_keys(moto_server, capsys, tmp_path):
    moto_server.reset()
    config = tmp_path / "amplifyconfiguration.json"
    config.write_text(json.dumps({"auth": {"plugins": {"keep": True}}}))
    assert main(["--once", SINGLE, "--timeout", "60", "--target", moto_server.url, "--write-client-config", str(config)]) == 0
    endpoint = capsys.readouterr().out.split("endpoint ")[1].split()[0]
    written = json.loads(config.read_text())
    assert written["auth"] == {"plugins": {"keep": True}}
    api = written["api"]["plugins"]["awsAPIPlugin"]["hello-api"]
    assert api["endpoint"] == endpoint and api["region"] == "us-east-1" and api["authorizationType"] == "NONE"


def test_malformed_client_config_is_a_clear_error_and_left_unchanged(moto_server, capsys, tmp_path):
    moto_server.reset()
    config = tmp_path / "amplifyconfiguration.json"
    config.write_text("{not json")
    assert main(["--once", SINGLE, "--timeout", "60", "--target", moto_server.url, "--write-client-config", str(config)]) == 1
    err = capsys.readouterr().err
    assert str(config) in err and "Traceback" not in err
    assert config.read_text() == "{not json"


def test_a_failed_rollout_is_reported_at_once_not_after_the_timeout(moto_server, capsys):
    import time

    moto_server.reset()
    target = ["--target", moto_server.url]
    assert main(["--once", SINGLE, "--timeout", "60", *target]) == 0
    moto_server.scheduler.fail_service(cluster_name("dev"), "hello-api", "Essential container in task exited: exit code 1")
    moto_server.scheduler.tick()
    capsys.readouterr()
    started = time.monotonic()
    try:
        assert main(["--once", SINGLE, "--timeout", "600", *target]) == 5
    finally:
        moto_server.scheduler.recover_service(cluster_name("dev"), "hello-api")
    assert time.monotonic() - started < 60
    captured = capsys.readouterr()
    assert "ecs.service/dev/hello-api failed: deployment FAILED" in captured.err
    assert "exit code 1" in captured.err
    assert "Ready=False" in captured.out
