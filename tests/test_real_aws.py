"""Correct on real AWS, not only on the emulator (issue 8): what AWS does and moto does not, put
on the real clients by the fault layer (tests/faults.py): lost answers, throttling, 503s, resets,
read-after-create lag; SIGKILLs between requests; asynchronous failures; call budgets; refused
permissions. Afterwards there must be exactly one of everything."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import boto3
import pytest

from controllers.registry import all_controllers
from reconciler import workflow
from reconciler.aws import ClientFactory
from reconciler.cli import main
from reconciler.controller import Context
from reconciler.emulator import control
from reconciler.naming import cluster_name
from reconciler.ownership import MANAGED_BY_VALUE, TAG_MANAGED_BY
from reconciler.plan import make_plan
from reconciler.state import StateStore
from reconciler.target import emulator_endpoint
from tests.faults import CountingProxy, FaultLayer
from tests.support import design, write_app

ROOT = Path(__file__).resolve().parents[1]
RESTRICTED = "api: {restrictAccess: true}\nstorage:\n  - {table: orders, permissions: [read], create: true}\n"


def client(url: str, service: str):
    return boto3.client(service, endpoint_url=url, region_name="us-east-1", aws_access_key_id="x",
                        aws_secret_access_key="x")


def converge(ctx: Context, specs: list[Path], timeout: float = 240):
    """A `--once` in this process (so the fault layer sits on its clients), state store included."""
    store = StateStore(ctx.aws)
    assert workflow.wait_for_table(store, timeout=30)
    designs = design(*specs)
    states = workflow.load_states(store, ctx, [d.name for d in designs], write=True)
    work = workflow.Work(workflow.with_environment_facts(designs, states, ctx), states)
    return workflow.run_converge(all_controllers(), designs, ctx, store, work=work, timeout=timeout)


def counts(url: str) -> dict[str, int]:
    """Everything of ours (or, for kinds that carry no tags, everything) per kind."""
    ec2, apigw, cognito = client(url, "ec2"), client(url, "apigatewayv2"), client(url, "cognito-idp")
    ours = [{"Name": f"tag:{TAG_MANAGED_BY}", "Values": [MANAGED_BY_VALUE]}]
    apis = apigw.get_apis()["Items"]
    pools = cognito.list_user_pools(MaxResults=60)["UserPools"]
    ecs = client(url, "ecs")
    found = {
        "vpc": len(ec2.describe_vpcs(Filters=ours)["Vpcs"]),
        "subnet": len(ec2.describe_subnets(Filters=ours)["Subnets"]),
        "internet_gateway": len(ec2.describe_internet_gateways(Filters=ours)["InternetGateways"]),
        "route_table": len(ec2.describe_route_tables(Filters=ours)["RouteTables"]),
        "security_group": len(ec2.describe_security_groups(Filters=ours)["SecurityGroups"]),
        "cluster": len([c for c in ecs.describe_clusters(clusters=[cluster_name("dev")])["clusters"] if c["status"] == "ACTIVE"]),
        "service": len([s for s in ecs.describe_services(cluster=cluster_name("dev"), services=["posts-api"])["services"]
                        if s["status"] == "ACTIVE"]),
        "task_definition_revision": len(ecs.list_task_definitions(familyPrefix="dev-posts-api", status="ACTIVE")["taskDefinitionArns"]),
        "namespace": len(client(url, "servicediscovery").list_namespaces()["Namespaces"]),
        "discovery_service": len(client(url, "servicediscovery").list_services()["Services"]),
        "role": len(client(url, "iam").list_roles()["Roles"]),
        "log_group": len(client(url, "logs").describe_log_groups(logGroupNamePrefix="/ecs/")["logGroups"]),
        "api": len(apis),
        "vpc_link": len(apigw.get_vpc_links()["Items"]),
        "user_pool": len(pools),
        "table": len([t for t in client(url, "dynamodb").list_tables()["TableNames"] if t != "sc-reconciler-state"]),
        "repository": len(client(url, "ecr").describe_repositories()["repositories"]),
        "bucket": len(client(url, "s3").list_buckets()["Buckets"]),
        "build_project": len(client(url, "codebuild").list_projects()["projects"]),
        "pipeline": len(client(url, "codepipeline").list_pipelines()["pipelines"]),
    }
    for api in apis:
        for kind, call in (("integration", apigw.get_integrations), ("route", apigw.get_routes),
                           ("stage", apigw.get_stages), ("authorizer", apigw.get_authorizers)):
            found[kind] = found.get(kind, 0) + len(call(ApiId=api["ApiId"])["Items"])
    found["app_client"] = sum(len(cognito.list_user_pool_clients(UserPoolId=p["Id"], MaxResults=60)["UserPoolClients"])
                              for p in pools)
    return found


ONE_RESTRICTED_APP = {
    "vpc": 1, "subnet": 3, "internet_gateway": 1, "route_table": 1, "security_group": 2, "cluster": 1, "service": 1,
    "task_definition_revision": 1, "namespace": 1, "discovery_service": 1, "role": 4, "log_group": 1, "api": 1,
    "vpc_link": 1, "user_pool": 1, "table": 1, "integration": 1, "route": 1, "stage": 1, "authorizer": 1,
    "app_client": 1, "repository": 1, "bucket": 1, "build_project": 1, "pipeline": 1,
}


def assert_one_of_everything(url: str, ctx_factory: ClientFactory, spec: Path) -> None:
    assert counts(url) == ONE_RESTRICTED_APP
    clean = Context(ClientFactory(emulator_endpoint(url)))
    designs = workflow.with_environment_facts(design(spec), {}, clean)
    assert make_plan(all_controllers(), designs, clean).empty


@pytest.fixture
def fresh(moto_server):
    moto_server.reset()
    return moto_server.url


def test_a_fifth_of_all_calls_faulted_converges_to_exactly_one_of_everything(fresh, tmp_path):
    factory = ClientFactory(emulator_endpoint(fresh))
    faults = FaultLayer(factory, rate=0.2, seed=11)
    spec = write_app(tmp_path, spec_extra=RESTRICTED)
    report = converge(Context(factory), [spec])
    assert report.converged, [(str(o.key), o.status, o.message) for o in report.last_result.outcomes.values()
                              if o.status not in ("applied", "unchanged")] if report.last_result else report
    assert faults.injected.get("lost", 0) >= 5 and set(faults.injected) == {"lost", "throttle", "unavailable", "reset"}
    assert_one_of_everything(fresh, factory, spec)


def test_read_after_create_lag_makes_no_copy(fresh, tmp_path):
    factory = ClientFactory(emulator_endpoint(fresh))
    FaultLayer(factory, lag=3.0)  # EC2, API Gateway and Cognito lists miss what was just made
    spec = write_app(tmp_path, spec_extra=RESTRICTED)
    report = converge(Context(factory), [spec])
    assert report.converged
    assert_one_of_everything(fresh, factory, spec)


def test_sigkill_between_requests_then_a_clean_run_leaves_one_of_everything(fresh, tmp_path):
    spec = write_app(tmp_path, spec_extra=RESTRICTED)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    kill_at, killed, finished = 9, 0, False
    while not finished and killed < 40:
        process: subprocess.Popen | None = None

        def on_request(number: int, at: int = kill_at) -> None:
            if number == at and process is not None:
                process.send_signal(signal.SIGKILL)  # the call went through; its answer never arrives

        proxy = CountingProxy(fresh, on_request)
        try:
            process = subprocess.Popen([sys.executable, "-m", "reconciler.cli", "--once", str(spec), "--target", proxy.url,
                                        "--timeout", "60", "--log-format", "json"],
                                       cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            code = process.wait(timeout=120)
        finally:
            proxy.close()
        finished = code == 0
        killed += code == -signal.SIGKILL
        kill_at += 7  # each run gets further: every create is hit by some kill
    assert killed >= 10, "too few runs were killed to cover the creates"
    assert main(["--once", str(spec), "--target", fresh, "--timeout", "60"]) == 0
    assert_one_of_everything(fresh, ClientFactory(emulator_endpoint(fresh)), spec)


def test_a_failed_vpc_link_is_reported_at_once_with_aws_reason(fresh, tmp_path, capsys):
    spec = write_app(tmp_path, spec_extra="api: {restrictAccess: false}\n")
    assert main(["--once", str(spec), "--target", fresh, "--timeout", "60"]) == 0
    [link] = client(fresh, "apigatewayv2").get_vpc_links()["Items"]
    control.set_vpc_link_status(link["VpcLinkId"], "FAILED", "Subnet subnet-1 is in an unsupported zone")
    capsys.readouterr()
    assert main(["--once", str(spec), "--target", fresh, "--timeout", "600"]) == 5  # at once, not after 600 s
    assert "unsupported zone" in capsys.readouterr().err
    assert main(["status", str(spec), "--target", fresh, "-o", "json"]) == 1
    document = json.loads(capsys.readouterr().out)
    messages = [c["message"] for r in document["specs"]["dev"]["resources"].values() for c in r["conditions"]]
    assert any("VPC link FAILED: Subnet subnet-1 is in an unsupported zone" in m for m in messages)


def test_a_failed_namespace_operation_is_refused_with_aws_reason(fresh, tmp_path):
    factory = ClientFactory(emulator_endpoint(fresh))

    def fail_it(parsed=None, **_):
        control.fail_namespace_creation(parsed["OperationId"], "a conflicting private hosted zone exists")

    factory.events.register("after-call.servicediscovery.CreatePrivateDnsNamespace", fail_it)
    report = converge(Context(factory), [write_app(tmp_path)], timeout=60)
    assert not report.converged and not report.timed_out
    [refused] = [o for o in report.refused if o.key.kind == "discovery.namespace"]
    assert "CANNOT_CREATE_HOSTED_ZONE: a conflicting private hosted zone exists" in refused.message


def test_a_table_still_creating_neither_aborts_the_plan_nor_fails(fresh, tmp_path, capsys):
    spec = write_app(tmp_path, spec_extra="storage:\n  - {table: orders, permissions: [read], create: true}\n")
    assert main(["--once", str(spec), "--target", fresh, "--timeout", "60"]) == 0
    [table] = [t for t in client(fresh, "dynamodb").list_tables()["TableNames"] if t != "sc-reconciler-state"]
    control.set_table_status(table, "CREATING")
    capsys.readouterr()
    assert main(["plan", str(spec), "--target", fresh]) == 0  # the plan is made (nothing to change)
    assert main(["status", str(spec), "--target", fresh, "--live"]) == 1
    assert "table is CREATING" in capsys.readouterr().out
    control.set_table_status(table, None)
    assert main(["--once", str(spec), "--target", fresh, "--timeout", "60"]) == 0


def test_api_gateway_calls_stay_within_the_budget_across_three_apps(fresh, tmp_path):
    from reconciler.budget import SERVICE_RATES

    factory = ClientFactory(emulator_endpoint(fresh))
    faults = FaultLayer(factory)  # no faults: it only records when each attempt was sent
    specs = [write_app(tmp_path, f"app{i}", spec_extra="api: {restrictAccess: true}\n") for i in range(3)]
    assert converge(Context(factory), specs).converged
    rate = SERVICE_RATES["apigatewayv2"]
    assert sum(1 for _, s, _ in faults.attempts if s == "apigatewayv2") > 30
    for window in (1.0, 3.0):
        assert faults.max_in_window("apigatewayv2", window) <= rate.burst + rate.per_second * window
    assert [op for _, s, op in faults.attempts if op == "CreateVpcLink"] == ["CreateVpcLink"]


def test_a_refused_permission_is_terminal_at_once_and_names_the_call(fresh, tmp_path):
    from botocore.awsrequest import AWSResponse

    factory = ClientFactory(emulator_endpoint(fresh))
    sent = []

    class Raw:
        def stream(self, **_):
            yield b'{"message": "User: arn:aws:iam::123456789012:user/ci is not authorized to perform: apigateway:POST"}'

    def deny(request=None, **_):
        sent.append(1)
        return AWSResponse(request.url, 403, {"x-amzn-ErrorType": "AccessDeniedException"}, Raw())

    factory.events.register("before-send.apigatewayv2.CreateApi", deny)
    report = converge(Context(factory), [write_app(tmp_path)], timeout=120)
    assert not report.converged and not report.timed_out
    [refused] = [o for o in report.refused if o.key.kind == "api.http_api"]
    assert "CreateApi: AccessDeniedException" in refused.message and "apigateway:POST" in refused.message
    assert len(sent) == 1, "no retry storm"
