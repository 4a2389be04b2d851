"""Cloud Map namespace + service on the moto server, with a real VPC from controllers.network:
converge, second plan empty, crash-and-retry, drift healed, foreign look-alikes refused or adopted."""
from __future__ import annotations

import pytest

from controllers.discovery import NamespaceController, ServiceController
from controllers.discovery.aws import request_id
from controllers.network import VpcController
from reconciler.engine import apply_plan, converge
from reconciler.errors import TerminalError
from reconciler.ownership import TAG_KIND, TAG_MANAGED_BY, as_dict, as_list, tags_for
from reconciler.plan import make_plan
from reconciler.resource import Key, Observation
from tests.support import design, write_app

NAMESPACE = "dev.sc.internal"
NS_KEY = Key("discovery.namespace", "dev")
SVC_KEY = Key("discovery.service", "dev", "posts-api")
CONTROLLERS = [VpcController(), NamespaceController(), ServiceController()]


def run(ctx, designs, controllers=CONTROLLERS):
    return converge(controllers, designs, ctx, timeout=10, sleep=lambda s: None)


def plan(ctx, designs):
    return make_plan(CONTROLLERS, designs, ctx.new_pass())


def namespaces(aws) -> list[dict]:
    return [n for n in aws.client("servicediscovery").list_namespaces()["Namespaces"] if n["Name"] == NAMESPACE]


def services(aws) -> list[dict]:
    sd = aws.client("servicediscovery")
    return [sd.get_service(Id=s["Id"])["Service"] for s in sd.list_services()["Services"] if s["Name"] == "posts-api"]


def tags(aws, arn: str) -> dict:
    return as_dict(aws.client("servicediscovery").list_tags_for_resource(ResourceARN=arn)["Tags"])


def vpc_id(ctx, designs) -> str:
    report = run(ctx, designs, [VpcController()])
    assert report.converged
    return report.status.outputs[Key("network.vpc", "dev")]["id"]


def test_namespace_and_service_converge_in_the_vpc(ctx, aws, tmp_path):
    designs = design(write_app(tmp_path))
    report = run(ctx, designs)
    assert report.converged
    [namespace] = namespaces(aws)
    assert namespace["Type"] == "DNS_PRIVATE"
    assert tags(aws, namespace["Arn"])[TAG_KIND] == "discovery.namespace"
    [service] = services(aws)
    assert service["NamespaceId"] == namespace["Id"]
    assert service["DnsConfig"]["RoutingPolicy"] == "MULTIVALUE"
    assert sorted((r["Type"], r["TTL"]) for r in service["DnsConfig"]["DnsRecords"]) == [("A", 60), ("SRV", 60)]
    assert service["HealthCheckCustomConfig"] == {"FailureThreshold": 1}
    assert tags(aws, service["Arn"])[TAG_MANAGED_BY] == "serverless-container-reconciler"
    outputs = report.status.outputs
    assert outputs[NS_KEY] == {"id": namespace["Id"], "arn": namespace["Arn"], "name": NAMESPACE}
    assert outputs[SVC_KEY] == {"id": service["Id"], "arn": service["Arn"], "name": "posts-api"}
    assert plan(ctx, designs).empty


def test_the_service_waits_for_the_namespace_to_appear(ctx, aws, tmp_path):
    designs = design(write_app(tmp_path))
    first = plan(ctx, designs)
    result = apply_plan(first, CONTROLLERS, ctx)
    # Namespace creation is asynchronous on AWS: dependents are held until observe finds it.
    assert result.outcomes[NS_KEY].status == "applied"
    assert result.outcomes[SVC_KEY].status == "waiting"
    assert run(ctx, designs).converged


def test_one_list_call_per_kind_observes_every_app(ctx, aws, tmp_path):
    designs = design(write_app(tmp_path, "posts-api"), write_app(tmp_path, "users-api"))
    assert run(ctx, designs).converged
    before = len(aws.requests)
    assert plan(ctx, designs).empty
    calls = aws.requests[before:]
    assert calls.count("servicediscovery.ListNamespaces") == 1
    assert calls.count("servicediscovery.ListServices") == 1


def test_a_create_retried_after_a_crash_leaves_one_namespace_and_one_service(ctx, aws, tmp_path):
    designs = design(write_app(tmp_path))
    vpc_id(ctx, designs)
    first = plan(ctx, designs)
    namespace = NamespaceController()
    # The process dies right after CreatePrivateDnsNamespace went through; the retry sends the
    # same CreatorRequestId (moto answers ConflictingDomainExists, AWS the same operation).
    namespace.create(first.resources[NS_KEY], ctx)
    assert namespace.create(first.resources[NS_KEY], ctx)["name"] == NAMESPACE
    second = plan(ctx, designs)
    ServiceController().create(second.resources[SVC_KEY], ctx)
    assert run(ctx, designs).converged
    assert len(namespaces(aws)) == 1
    assert len(services(aws)) == 1


def test_dns_ttl_drift_is_healed_in_place(ctx, aws, tmp_path):
    designs = design(write_app(tmp_path))
    assert run(ctx, designs).converged
    [service] = services(aws)
    records = [{"Type": "SRV", "TTL": 300}, {"Type": "A", "TTL": 10}]
    aws.client("servicediscovery").update_service(Id=service["Id"], Service={"DnsConfig": {"DnsRecords": records}})
    drift = plan(ctx, designs)
    assert [(c.name, c.action) for c in drift.pending] == [(str(SVC_KEY), "update")]
    assert {c.path.split("[")[0] for c in drift.pending[0].changes} == {"DnsRecords"}
    assert run(ctx, designs).converged
    [healed] = services(aws)
    assert healed["Id"] == service["Id"]
    assert {r["TTL"] for r in healed["DnsConfig"]["DnsRecords"]} == {60}


def test_tag_drift_on_namespace_and_service_is_healed(ctx, aws, tmp_path):
    designs = design(write_app(tmp_path))
    assert run(ctx, designs).converged
    sd = aws.client("servicediscovery")
    [namespace], [service] = namespaces(aws), services(aws)
    sd.untag_resource(ResourceARN=namespace["Arn"], TagKeys=[TAG_KIND])
    sd.tag_resource(ResourceARN=service["Arn"], Tags=[{"Key": TAG_KIND, "Value": "something-else"}])
    assert {c.name for c in plan(ctx, designs).pending} == {str(NS_KEY), str(SVC_KEY)}
    assert run(ctx, designs).converged
    assert tags(aws, namespace["Arn"])[TAG_KIND] == "discovery.namespace"
    assert tags(aws, service["Arn"])[TAG_KIND] == "discovery.service"


def test_a_service_with_another_routing_policy_is_replaced(ctx, aws, tmp_path):
    designs = design(write_app(tmp_path))
    assert run(ctx, designs).converged
    sd = aws.client("servicediscovery")
    [old] = services(aws)
    sd.delete_service(Id=old["Id"])
    # As an earlier version of us would have left it: ours, but WEIGHTED (immutable on AWS).
    sd.create_service(Name="posts-api", NamespaceId=old["NamespaceId"], Tags=as_list(tags_for(SVC_KEY)),
                      DnsConfig={"RoutingPolicy": "WEIGHTED", "DnsRecords": [{"Type": "A", "TTL": 60}, {"Type": "SRV", "TTL": 60}]},
                      HealthCheckCustomConfig={"FailureThreshold": 1})
    replace = plan(ctx, designs)
    assert [(c.name, c.action) for c in replace.pending] == [(str(SVC_KEY), "replace")]
    assert run(ctx, designs).converged
    [service] = services(aws)
    assert service["DnsConfig"]["RoutingPolicy"] == "MULTIVALUE"


def foreign_namespace(aws, vpc: str) -> dict:
    aws.client("servicediscovery").create_private_dns_namespace(Name=NAMESPACE, Vpc=vpc, Tags=[{"Key": "owner", "Value": "them"}])
    return namespaces(aws)[0]


def test_a_foreign_namespace_with_our_name_is_refused_and_left_unchanged(ctx, aws, tmp_path):
    designs = design(write_app(tmp_path))
    foreign = foreign_namespace(aws, vpc_id(ctx, designs))
    refused = plan(ctx, designs)
    assert [p.key for p in refused.problems] == [NS_KEY]
    report = run(ctx, designs)
    assert not report.converged and report.refused
    assert tags(aws, foreign["Arn"]) == {"owner": "them"}
    assert services(aws) == []


def test_a_foreign_namespace_is_adopted_when_the_spec_asks(ctx, aws, tmp_path):
    designs = design(write_app(tmp_path, spec_extra="adopt: true\n"))
    foreign = foreign_namespace(aws, vpc_id(ctx, designs))
    assert run(ctx, designs).converged
    assert [n["Id"] for n in namespaces(aws)] == [foreign["Id"]]
    assert tags(aws, foreign["Arn"])[TAG_MANAGED_BY] == "serverless-container-reconciler"
    assert tags(aws, foreign["Arn"])["owner"] == "them"


def test_a_namespace_created_by_someone_else_between_plan_and_apply_is_refused(ctx, aws, tmp_path):
    designs = design(write_app(tmp_path))
    vpc = vpc_id(ctx, designs)
    first = plan(ctx, designs)
    foreign_namespace(aws, vpc)
    with pytest.raises(TerminalError, match="not created by this reconciler"):
        NamespaceController().create(first.resources[NS_KEY], ctx)


def foreign_service(aws, ctx, designs) -> dict:
    run(ctx, designs, [VpcController(), NamespaceController()])
    sd = aws.client("servicediscovery")
    sd.create_service(Name="posts-api", NamespaceId=namespaces(aws)[0]["Id"],
                      DnsConfig={"RoutingPolicy": "MULTIVALUE", "DnsRecords": [{"Type": "A", "TTL": 60}, {"Type": "SRV", "TTL": 60}]},
                      HealthCheckCustomConfig={"FailureThreshold": 1})
    return services(aws)[0]


def test_a_foreign_service_with_our_name_is_refused_and_left_unchanged(ctx, aws, tmp_path):
    designs = design(write_app(tmp_path))
    foreign = foreign_service(aws, ctx, designs)
    assert [p.key for p in plan(ctx, designs).problems] == [SVC_KEY]
    assert not run(ctx, designs).converged
    assert tags(aws, foreign["Arn"]) == {}
    assert len(services(aws)) == 1


def test_a_foreign_service_is_adopted_when_the_spec_asks(ctx, aws, tmp_path):
    designs = design(write_app(tmp_path, spec_extra="adopt: true\n"))
    foreign = foreign_service(aws, ctx, designs)
    assert run(ctx, designs).converged
    assert [s["Id"] for s in services(aws)] == [foreign["Id"]]
    assert tags(aws, foreign["Arn"])[TAG_KIND] == "discovery.service"


def test_a_same_named_service_in_another_namespace_is_not_ours_to_consider(ctx, aws, tmp_path):
    designs = design(write_app(tmp_path))
    assert run(ctx, designs, [VpcController(), NamespaceController()]).converged
    sd = aws.client("servicediscovery")
    sd.create_http_namespace(Name="elsewhere")
    other = next(n for n in sd.list_namespaces()["Namespaces"] if n["Name"] == "elsewhere")
    sd.create_service(Name="posts-api", NamespaceId=other["Id"])
    assert run(ctx, designs).converged
    ours = [s for s in services(aws) if s["NamespaceId"] == namespaces(aws)[0]["Id"]]
    assert len(ours) == 1 and tags(aws, ours[0]["Arn"])[TAG_KIND] == "discovery.service"


def test_deleting_service_then_namespace_succeeds_and_is_idempotent(ctx, aws, tmp_path):
    designs = design(write_app(tmp_path))
    report = run(ctx, designs)
    ns_obs = Observation(True, outputs=report.status.outputs[NS_KEY])
    svc_obs = Observation(True, outputs=report.status.outputs[SVC_KEY])
    for _ in range(2):  # the second round: already gone is success
        ServiceController().delete(SVC_KEY, svc_obs, ctx)
        NamespaceController().delete(NS_KEY, ns_obs, ctx)
    assert services(aws) == [] and namespaces(aws) == []


def test_creator_request_ids_are_stable_and_distinct_per_key_and_desired_state():
    desired = {"Name": NAMESPACE, "Vpc": "vpc-1"}
    token = request_id(NS_KEY, desired)
    assert token == request_id(NS_KEY, dict(desired)) and len(token) <= 64
    assert token != request_id(NS_KEY, {**desired, "Vpc": "vpc-2"})
    assert token != request_id(Key("discovery.namespace", "prod"), desired)
