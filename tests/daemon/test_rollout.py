"""Rollout truth: a deployment the circuit breaker rolls back is reported as Degraded with the
reason in words, the failed revision is recorded in the state store and not deployed again
until the spec or its source changes, and `--once` exits non-zero (5) each time it sees it."""
from __future__ import annotations

from reconciler.cli import main
from reconciler.naming import cluster_name
from tests.daemon.harness import client, state, wait_until
from tests.support import write_app

COMPOSE = """\
services:
  web:
    image: public.ecr.aws/docker/library/nginx:1.27
    ports: ["8080:8080"]
    environment:
      VERSION: "1"
"""


def deployments(url: str, app: str) -> tuple[str, list[tuple[str, str, str]]]:
    [found] = client(url, "ecs").describe_services(cluster=cluster_name("dev"), services=[app])["services"]
    return found["taskDefinition"].rsplit(":", 1)[-1], [
        (d["status"], d.get("rolloutState", ""), d["taskDefinition"].rsplit(":", 1)[-1]) for d in found["deployments"]]


def once(url: str, spec) -> int:
    return main(["--once", str(spec), "--timeout", "60", "--target", url])


def test_a_rolled_back_revision_is_degraded_recorded_and_not_deployed_again(moto_server, tmp_path, capsys):
    moto_server.reset()
    url = moto_server.url
    spec = write_app(tmp_path, "roll-api", compose=COMPOSE)
    assert once(url, spec) == 0
    compose = spec.parent / "src/docker-compose.yml"

    moto_server.scheduler.fail_next_deployment(cluster_name("dev"), "roll-api", "Essential container in task exited: exit code 1")
    compose.write_text(COMPOSE.replace('"1"', '"2"'))  # the source changes: revision 2
    capsys.readouterr()
    assert once(url, spec) == 5
    err = capsys.readouterr().err
    assert "ecs.service/dev/roll-api failed: rolled back to dev-roll-api:1: dev-roll-api:2 failed to deploy" in err
    assert "exit code 1" in err
    record = state(url).apps["roll-api"]
    assert record.failed_revision.endswith("task-definition/dev-roll-api:2")

    # The rollback completes; the next runs report it and leave it alone.
    wait_until(lambda: deployments(url, "roll-api") == ("1", [("PRIMARY", "COMPLETED", "1")]), 10, "the rollback done")
    assert once(url, spec) == 5
    assert deployments(url, "roll-api") == ("1", [("PRIMARY", "COMPLETED", "1")])
    capsys.readouterr()
    assert main(["status", str(spec), "--target", url]) == 1
    out = capsys.readouterr().out
    assert "dev/roll-api: Ready=False" in out
    assert "Degraded: ResourcesDegraded: ecs.service/dev/roll-api: rolled back to dev-roll-api:1" in out
    assert "not deployed again until the spec or its source changes" in out
    assert main(["status", str(spec), "--live", "--target", url]) == 1
    assert "Degraded: ResourcesDegraded: ecs.service/dev/roll-api: rolled back" in capsys.readouterr().out
    code = main(["plan", str(spec), "--detailed-exitcode", "--target", url])
    assert code == 0 and "taskDefinition" not in capsys.readouterr().out, "the plan does not offer the failed revision"

    # A fixed source is a new revision: deployed, Ready, the record cleared.
    compose.write_text(COMPOSE.replace('"1"', '"3"'))
    assert once(url, spec) == 0
    assert deployments(url, "roll-api") == ("3", [("PRIMARY", "COMPLETED", "3")])
    assert state(url).apps["roll-api"].failed_revision == ""
