"""`reconcile run` as a real process against the moto server: it converges a directory, heals
drift without a restart (asked by `reconcile trigger`), picks up a new spec and a changed compose
file, prunes an app whose spec left while an untagged look-alike survives, holds a bad spec's
app untouched, serves /metrics /healthz /readyz, journals every change, and stops on SIGTERM
with exit 0 and its leases released."""
from __future__ import annotations

import shutil

from reconciler.cli import main
from reconciler.daemon.leases import PARTITION
from reconciler.naming import cluster_name
from tests.daemon.harness import client, ready, state, wait_until
from tests.support import write_app

COMPOSE = """\
services:
  web:
    image: public.ecr.aws/docker/library/nginx:1.27
    ports: ["8080:8080"]
    environment:
      GREETING: hello
"""


def service(url: str, app: str) -> dict:
    found = client(url, "ecs").describe_services(cluster=cluster_name("dev"), services=[app])["services"]
    return found[0] if found else {}


def test_the_daemon_converges_heals_follows_files_prunes_and_holds(url, tmp_path, daemons, capsys):
    specs = tmp_path / "specs"
    web = write_app(specs, "web-api", compose=COMPOSE)
    write_app(specs, "gone-api")
    daemon = daemons(str(specs))
    wait_until(lambda: ready(url, "web-api", "gone-api"), 60, "both apps Ready")
    assert daemon.get("/healthz")[0] == 200
    wait_until(lambda: daemon.get("/readyz")[0] == 200, 30, "readyz")
    code, metrics = daemon.get("/metrics")
    assert code == 200
    for name in ("reconcile_passes_total{", "reconcile_pass_duration_seconds_bucket{", 'reconcile_aws_calls_total{',
                 "reconcile_leases_held 4.0", "reconcile_leader 1.0", "reconcile_queue_depth", 'reconcile_apps{condition="Ready"}'):
        assert name in metrics, name
    assert 'operation="CreateService",outcome="ok",service="ecs"' in metrics
    created = [e for e in daemon.events() if e["action"] == "create"]
    assert {e["app"] for e in created} == {"", "web-api", "gone-api"} and {e["why"] for e in created} == {"spec change"}

    # Drift, healed without a restart; `reconcile trigger` makes it now rather than in 60 s.
    client(url, "ecs").update_service(cluster=cluster_name("dev"), service="web-api", desiredCount=3)
    assert main(["trigger", str(web), "--target", url]) == 0
    wait_until(lambda: service(url, "web-api")["desiredCount"] == 1, 40, "desired count drift healed")
    [heal] = [e for e in daemon.events() if e["action"] == "update" and e["kind"] == "ecs.service"]
    assert heal["why"] == "drift" and heal["changes"] == [{"path": "desiredCount", "before": 3, "after": 1}]
    assert 'reconcile_drift_corrections_total{kind="ecs.service"} 1.0' in daemon.get("/metrics")[1]

    # A new spec file, and a changed compose file, are picked up by the file watcher.
    write_app(specs, "new-api")
    (web.parent / "src/docker-compose.yml").write_text(COMPOSE.replace("hello", "bonjour"))
    wait_until(lambda: ready(url, "new-api"), 60, "the new spec converged")
    wait_until(lambda: any(e["kind"] == "ecs.service" and e["action"] == "update" and e["why"] == "spec change"
                           for e in daemon.events()), 30, "the changed compose file deployed")
    wait_until(lambda: ready(url, "web-api"), 30, "web-api Ready again")
    assert service(url, "web-api")["taskDefinition"].endswith(":2")

    # A spec that fails to load: its app is held (never pruned, never touched), the rest go on.
    before = len([e for e in daemon.events() if e["app"] == "new-api"])
    (specs / "new-api/spec.yaml").write_text((specs / "new-api/spec.yaml").read_text() + "  replicas: many\n")
    # An app whose spec left is pruned; an untagged look-alike under our names survives.
    client(url, "logs").create_log_group(logGroupName="/ecs/dev/gone-api/sidecar")
    shutil.rmtree(specs / "gone-api")
    wait_until(lambda: "gone-api" not in state(url).apps, 60, "gone-api pruned")
    assert service(url, "gone-api")["status"] == "INACTIVE"
    groups = [g["logGroupName"] for g in client(url, "logs").describe_log_groups(logGroupNamePrefix="/ecs/dev/")["logGroups"]]
    assert "/ecs/dev/gone-api/sidecar" in groups and "/ecs/dev/gone-api/app" not in groups
    assert {e["why"] for e in daemon.events() if e["app"] == "gone-api" and e["action"] == "delete"} == {"prune"}
    held = wait_until(lambda: daemon.logged("spec_held"), 30, "the bad spec reported")
    assert "new-api/spec.yaml" in held[0]["problem"] and "replicas" in held[0]["problem"]
    assert service(url, "new-api")["status"] == "ACTIVE" and "new-api" in state(url).apps
    assert len([e for e in daemon.events() if e["app"] == "new-api"]) == before

    # `reconcile events` shows the journal kept in the state store.
    capsys.readouterr()
    assert main(["events", str(web), "--target", url]) == 0
    out = capsys.readouterr().out
    assert "update  ecs.service/dev/web-api (drift: drifted from the spec)" in out
    assert "desiredCount: 3 -> 1" in out

    assert daemon.stop() == 0
    assert "leases released" in "\n".join(daemon.lines)
    leases = client(url, "dynamodb").query(TableName="sc-reconciler-state", KeyConditionExpression="pk = :p",
                                           ExpressionAttributeValues={":p": {"S": PARTITION}})["Items"]
    assert all(int(i["expires"]["N"]) == 0 for i in leases if i["sk"]["S"].startswith(("shard#", "leader")))
