"""The reconciler's own state in AWS (issue 7), end to end through the CLI on the moto server:
environments derived from every app registered in them, prune within an app and across apps,
the state table's own life (created once, kept, rebuilt from tags when lost), conditions that
keep their transition times across processes, and the create-pending marker."""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import boto3
import pytest

from reconciler.aws import ClientFactory
from reconciler.cli import main
from reconciler.naming import cluster_name
from reconciler.ownership import MANAGED_BY_VALUE, TAG_MANAGED_BY
from reconciler.state import DEFAULT_TABLE, StateStore
from reconciler.target import emulator_endpoint
from tests.support import DOCKERFILE, write_app

ROOT = Path(__file__).resolve().parents[1]

COMPOSE_TWO = """\
services:
  web:
    build: .
    ports: ["8080:8080"]
  worker:
    image: public.ecr.aws/docker/library/busybox:latest
    command: ["sleep", "3600"]
"""


@pytest.fixture
def url(moto_server):
    moto_server.reset()
    return moto_server.url


def client(url: str, service: str):
    return boto3.client(service, endpoint_url=url, region_name="us-east-1", aws_access_key_id="x",
                        aws_secret_access_key="x")


def once(url: str, *paths, extra=()) -> int:
    return main(["--once", *map(str, paths), "--timeout", "60", "--target", url, *extra])


def plan_text(url: str, capsys, *paths, extra=()) -> tuple[int, str]:
    capsys.readouterr()
    code = main(["plan", *map(str, paths), "--detailed-exitcode", "--target", url, *extra])
    return code, capsys.readouterr().out


def vpc_links(url: str) -> list[dict]:
    return client(url, "apigatewayv2").get_vpc_links()["Items"]


def service_subnets(url: str, app: str) -> list[str]:
    [service] = client(url, "ecs").describe_services(cluster=cluster_name("dev"), services=[app])["services"]
    return service["networkConfiguration"]["awsvpcConfiguration"]["subnets"]


def owned_subnets(url: str) -> list[dict]:
    return client(url, "ec2").describe_subnets(Filters=[{"Name": f"tag:{TAG_MANAGED_BY}", "Values": [MANAGED_BY_VALUE]}])["Subnets"]


def state(url: str, environment: str = "dev"):
    return StateStore(ClientFactory(emulator_endpoint(url))).load(environment)


@pytest.mark.parametrize("ha_first", [True, False], ids=["ha-first", "ha-second"])
def test_apps_converged_one_at_a_time_share_an_environment_neither_reshapes(url, tmp_path, capsys, ha_first):
    ha = write_app(tmp_path, "ha-api", spec_extra="highAvailability: true\n")
    plain = write_app(tmp_path, "plain-api")
    order = [ha, plain] if ha_first else [plain, ha]
    assert once(url, order[0]) == 0
    [link] = vpc_links(url)
    assert once(url, order[1]) == 0
    assert [l["VpcLinkId"] for l in vpc_links(url)] == [link["VpcLinkId"]], "the shared VPC link is never replaced"
    assert len(owned_subnets(url)) == 3
    assert len(service_subnets(url, "ha-api")) == 3 and len(service_subnets(url, "plain-api")) == 1
    for spec in (ha, plain):
        code, out = plan_text(url, capsys, spec)
        assert code == 0, out
    capsys.readouterr()
    assert main(["status", str(tmp_path), "--target", url]) == 0
    out = capsys.readouterr().out
    assert "dev/ha-api: Ready=True" in out and "dev/plain-api: Ready=True" in out

    # The only app asking for three zones stops asking: its tasks shrink to one zone; the
    # environment's network and VPC link stay as they are (nothing else needs to change).
    write_app(tmp_path, "ha-api")
    assert once(url, ha) == 0
    assert len(service_subnets(url, "ha-api")) == 1
    assert [l["VpcLinkId"] for l in vpc_links(url)] == [link["VpcLinkId"]]
    assert state(url).apps["ha-api"].requirements.az_count == 1


def test_removing_a_compose_service_prunes_its_log_group_and_the_plan_shows_it_first(url, tmp_path, capsys):
    spec = write_app(tmp_path, compose=COMPOSE_TWO, spec_extra="entrypoint: {container: web, port: 8080}\n",
                     files={"src/Dockerfile": DOCKERFILE})
    assert once(url, spec) == 0
    logs = client(url, "logs")
    groups = lambda: sorted(g["logGroupName"] for g in logs.describe_log_groups(logGroupNamePrefix="/ecs/dev/")["logGroups"])
    assert groups() == ["/ecs/dev/posts-api/web", "/ecs/dev/posts-api/worker"]

    (tmp_path / "posts-api/src/docker-compose.yml").write_text(COMPOSE_TWO.split("  worker:")[0])
    code, out = plan_text(url, capsys, spec)
    assert code == 2
    assert "- logs.group/dev/posts-api/worker  (no longer in the spec)" in out
    assert once(url, spec) == 0
    assert groups() == ["/ecs/dev/posts-api/web"]
    assert not any(k.name == "worker" for k in state(url).inventory)
    code, out = plan_text(url, capsys, spec)
    assert code == 0, out


def test_prune_deletes_the_app_whose_spec_left_and_spares_the_rest_and_look_alikes(url, tmp_path, capsys):
    apps = tmp_path / "apps"
    keep = write_app(apps, "keep-api")
    gone = write_app(apps, "gone-api", spec_extra="api: {restrictAccess: true}\n")
    assert once(url, apps) == 0
    ec2, logs = client(url, "ec2"), client(url, "logs")
    lookalike_vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16", TagSpecifications=[
        {"ResourceType": "vpc", "Tags": [{"Key": "Name", "Value": "dev"}]}])["Vpc"]["VpcId"]
    logs.create_log_group(logGroupName="/ecs/dev/gone-api/sidecar")  # under our prefix, not ours

    import shutil

    shutil.rmtree(gone.parent)
    code, out = plan_text(url, capsys, apps, extra=["--prune"])
    assert code == 2 and "- ecs.service/dev/gone-api  (spec removed)" in out, out
    assert "keep-api" not in "".join(line for line in out.splitlines() if line.lstrip().startswith(("-", "+", "~")))
    assert once(url, apps, extra=["--prune"]) == 0

    services = client(url, "ecs").describe_services(cluster=cluster_name("dev"), services=["gone-api", "keep-api"])["services"]
    assert {s["serviceName"]: s["status"] for s in services} == {"gone-api": "INACTIVE", "keep-api": "ACTIVE"}
    roles = [r["RoleName"] for r in client(url, "iam").list_roles()["Roles"]]
    assert not [r for r in roles if "gone-api" in r] and len([r for r in roles if "keep-api" in r]) == 2
    names = [a["Name"] for a in client(url, "apigatewayv2").get_apis()["Items"]]
    assert names == ["sc-dev-keep-api"]
    assert client(url, "cognito-idp").list_user_pools(MaxResults=60)["UserPools"] == []
    discovery = [s["Name"] for s in client(url, "servicediscovery").list_services()["Services"]]
    assert discovery == ["keep-api"]
    remaining_groups = sorted(g["logGroupName"] for g in logs.describe_log_groups(logGroupNamePrefix="/ecs/dev/")["logGroups"])
    assert remaining_groups == ["/ecs/dev/gone-api/sidecar", "/ecs/dev/keep-api/app"]
    assert lookalike_vpc in [v["VpcId"] for v in ec2.describe_vpcs()["Vpcs"]]
    assert set(state(url).apps) == {"keep-api"}
    code, out = plan_text(url, capsys, keep)
    assert code == 0, out


def test_a_spec_that_fails_to_load_is_held_not_pruned(url, tmp_path, capsys):
    apps = tmp_path / "apps"
    write_app(apps, "one-api")
    broken = write_app(apps, "two-api")
    assert once(url, apps) == 0
    broken.write_text(broken.read_text().replace("source: ./src", "source: ./src\n  replicas: many"))
    capsys.readouterr()
    assert once(url, apps, extra=["--prune"]) == 1  # the bad spec is an error ...
    err = capsys.readouterr().err
    assert "holding dev/two-api" in err and "replicas" in err
    services = client(url, "ecs").describe_services(cluster=cluster_name("dev"), services=["two-api"])["services"]
    assert services[0]["status"] == "ACTIVE", "... and its app is not taken as removed"


def test_the_state_table_is_created_once_and_survives_deleting_every_app(url, tmp_path):
    spec = write_app(tmp_path)
    assert once(url, spec) == 0
    assert once(url, spec) == 0
    dynamodb = client(url, "dynamodb")
    assert dynamodb.list_tables()["TableNames"] == [DEFAULT_TABLE]
    table = dynamodb.describe_table(TableName=DEFAULT_TABLE)["Table"]
    assert table["DeletionProtectionEnabled"] and table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert table["SSEDescription"]["Status"] == "ENABLED"
    backups = dynamodb.describe_continuous_backups(TableName=DEFAULT_TABLE)["ContinuousBackupsDescription"]
    assert backups["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"] == "ENABLED"
    tags = {t["Key"]: t["Value"] for t in dynamodb.list_tags_of_resource(ResourceArn=table["TableArn"])["Tags"]}
    assert tags[TAG_MANAGED_BY] == MANAGED_BY_VALUE

    assert main(["delete", str(spec), "--timeout", "60", "--target", url]) == 0
    assert dynamodb.list_tables()["TableNames"] == [DEFAULT_TABLE]
    assert state(url).empty, "the deleted app's records and inventory are gone with it"


def test_a_lost_state_table_is_rebuilt_from_tags_before_anything_is_pruned(url, tmp_path, capsys):
    apps = tmp_path / "apps"
    write_app(apps, "keep-api")
    gone = write_app(apps, "gone-api")
    assert once(url, apps) == 0
    dynamodb = client(url, "dynamodb")
    dynamodb.update_table(TableName=DEFAULT_TABLE, DeletionProtectionEnabled=False)
    dynamodb.delete_table(TableName=DEFAULT_TABLE)

    import shutil

    shutil.rmtree(gone.parent)
    code, out = plan_text(url, capsys, apps, extra=["--prune"])
    assert "+ state table" in out and "- ecs.service/dev/gone-api  (spec removed)" in out, out
    assert once(url, apps, extra=["--prune"]) == 0
    services = client(url, "ecs").describe_services(cluster=cluster_name("dev"), services=["gone-api", "keep-api"])["services"]
    assert {s["serviceName"]: s["status"] for s in services} == {"gone-api": "INACTIVE", "keep-api": "ACTIVE"}
    assert not [r for r in client(url, "iam").list_roles()["Roles"] if "gone-api" in r["RoleName"]]
    assert set(state(url).apps) == {"keep-api"}


def test_without_prune_an_app_missing_from_the_paths_is_left_alone(url, tmp_path):
    apps = tmp_path / "apps"
    write_app(apps, "keep-api")
    other = write_app(tmp_path / "elsewhere", "other-api")
    assert once(url, apps) == 0 and once(url, other) == 0
    assert once(url, apps) == 0  # other-api is not under apps/, but no --prune: it stays
    services = client(url, "ecs").describe_services(cluster=cluster_name("dev"), services=["other-api"])["services"]
    assert services[0]["status"] == "ACTIVE"


def test_conditions_keep_their_transition_time_and_another_process_reads_them(url, tmp_path):
    spec = write_app(tmp_path)
    assert once(url, spec) == 0
    first = state(url).conditions["posts-api"].spec["Ready"]
    assert first.status
    assert once(url, spec) == 0
    assert state(url).conditions["posts-api"].spec["Ready"].last_transition_time == first.last_transition_time

    answer = subprocess.run([sys.executable, "-m", "reconciler.cli", "status", str(spec), "-o", "json", "--target", url],
                            capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert answer.returncode == 0, answer.stderr
    document = json.loads(answer.stdout)["specs"]["dev/posts-api"]
    ready = next(c for c in document["conditions"] if c["type"] == "Ready")
    assert ready["lastTransitionTime"] == first.last_transition_time and ready["status"] == "True"
    assert document["endpoint"].startswith("https://")


def test_a_create_pending_marker_is_recorded_before_the_create_and_cleared_after(url, tmp_path):
    seen: list[str] = []
    factory = ClientFactory(emulator_endpoint(url))
    store = StateStore(factory)

    def before_create_vpc(**_):
        entries = [e for e in store.load("dev").inventory.values() if e.key.kind == "network.vpc"]
        seen.append(entries[0].status if entries else "none")

    from reconciler.controller import Context
    from reconciler import workflow
    from controllers.registry import all_controllers
    from tests.support import design

    factory.events.register("before-call.ec2.CreateVpc", before_create_vpc)  # every client, retrying or not
    ctx = Context(factory)
    assert workflow.wait_for_table(store, timeout=10)
    designs = design(write_app(tmp_path))
    states = workflow.load_states(store, ctx, ["dev"], write=True)
    work = workflow.Work(workflow.with_environment_facts(designs, states, ctx), states)
    report = workflow.run_converge(all_controllers(), designs, ctx, store, work=work, timeout=60)
    assert report.converged
    assert seen == ["pending"]
    entry = next(e for e in store.load("dev").inventory.values() if e.key.kind == "network.vpc")
    assert entry.status == "created" and entry.physical_id.startswith("vpc-") and entry.token


def test_a_stale_write_is_refused_and_the_writer_reads_again(url):
    from reconciler.state import AppRecord, Put, StateConflict
    from reconciler.design import AppNeeds

    store = StateStore(ClientFactory(emulator_endpoint(url)))
    store.ensure()
    record = AppRecord("dev", "posts-api", AppNeeds("posts-api"))
    store.write([Put(record.as_item(), 0)])
    with pytest.raises(StateConflict):
        store.write([Put(record.as_item(), 0)])  # another writer made it first
    current = store.load("dev").apps["posts-api"]
    store.write([Put(AppRecord("dev", "posts-api", AppNeeds("posts-api", az_count=3)).as_item(), current.version)])
    assert store.load("dev").apps["posts-api"].requirements.az_count == 3
