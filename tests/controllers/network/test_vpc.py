"""network.vpc: DNS attribute and tag drift, an interrupted create, a foreign look-alike, the
immutable CIDR."""
from __future__ import annotations

import pytest

from controllers.network.common import SUBNETS, VPC
from reconciler.engine import apply_plan, converge
from reconciler.ownership import TAG_KIND, as_dict, tags_for
from reconciler.resource import Key
from tests.controllers.network.helpers import apply_only, converge_ok, only, output, owned, pending, plan, tag_spec


@pytest.fixture
def net(net):
    """Only the kinds these tests need (fewer calls per pass); references stay inside the set."""
    return only(net, VPC, SUBNETS)


def dns(ec2, vpc_id: str) -> tuple[bool, bool]:
    return tuple(  # type: ignore[return-value]
        ec2.describe_vpc_attribute(VpcId=vpc_id, Attribute=a)[a[0].upper() + a[1:]]["Value"]
        for a in ("enableDnsSupport", "enableDnsHostnames")
    )


@pytest.mark.parametrize("attribute", ["EnableDnsHostnames", "EnableDnsSupport"])
def test_dns_attribute_drift_is_healed(ctx, ec2, net, designs, attribute):
    envs = designs()
    vpc_id = output(converge_ok(net, envs, ctx), VPC)["id"]
    if attribute == "EnableDnsSupport":  # AWS turns hostnames off before support
        ec2.modify_vpc_attribute(VpcId=vpc_id, EnableDnsHostnames={"Value": False})
    ec2.modify_vpc_attribute(VpcId=vpc_id, **{attribute: {"Value": False}})
    drifted = plan(net, envs, ctx)
    assert pending(drifted) == [("network.vpc/dev", "update")]
    assert attribute in {c.path for c in drifted.pending[0].changes}
    converge_ok(net, envs, ctx)
    assert dns(ec2, vpc_id) == (True, True)
    assert plan(net, envs, ctx).empty


def test_tag_drift_is_healed_and_foreign_tags_are_left_alone(ctx, ec2, net, designs):
    envs = designs()
    vpc_id = output(converge_ok(net, envs, ctx), VPC)["id"]
    ec2.create_tags(Resources=[vpc_id], Tags=[{"Key": "Name", "Value": "renamed"}, {"Key": "team", "Value": "x"}])
    assert pending(plan(net, envs, ctx)) == [("network.vpc/dev", "update")]
    converge_ok(net, envs, ctx)
    tags = as_dict(ec2.describe_vpcs(VpcIds=[vpc_id])["Vpcs"][0]["Tags"])
    assert tags["Name"] == "dev" and tags["team"] == "x"


def test_a_create_interrupted_before_the_dns_attributes_leaves_one_vpc(ctx, ec2, net, designs):
    envs = designs()
    key = Key(VPC, "dev")
    # The crash: CreateVpc went through (tagged in the same call), nothing after it did.
    ec2.create_vpc(CidrBlock="10.0.0.0/16", TagSpecifications=tag_spec("vpc", tags_for(key)))
    assert pending(plan(net, envs, ctx))[0] == ("network.vpc/dev", "update")
    report = converge_ok(net, envs, ctx)
    (vpc,) = ec2.describe_vpcs(Filters=owned(VPC))["Vpcs"]
    assert vpc["VpcId"] == output(report, VPC)["id"]
    assert dns(ec2, vpc["VpcId"]) == (True, True)


def test_an_interrupted_pass_resumes_without_duplicates(ctx, ec2, net, designs):
    envs = designs()
    apply_only(plan(net, envs, ctx), {VPC, SUBNETS}, net, ctx)
    converge_ok(net, envs, ctx)
    assert len(ec2.describe_vpcs(Filters=owned(VPC))["Vpcs"]) == 1
    assert len(ec2.describe_subnets(Filters=owned(SUBNETS))["Subnets"]) == 3


def test_a_foreign_vpc_with_our_name_is_refused(ctx, ec2, net, designs):
    foreign = ec2.create_vpc(CidrBlock="10.9.0.0/16", TagSpecifications=tag_spec("vpc", {"Name": "dev"}))["Vpc"]
    envs = designs()
    refused = plan(net, envs, ctx)
    assert [p.key for p in refused.problems] == [Key(VPC, "dev")]
    assert "not created by this reconciler" in refused.problems[0].message
    outcome = converge(net, envs, ctx, timeout=5, sleep=lambda s: None)
    assert not outcome.converged and [o.key for o in outcome.refused] == [Key(VPC, "dev")]
    after = ec2.describe_vpcs(VpcIds=[foreign["VpcId"]])["Vpcs"][0]
    assert as_dict(after["Tags"]) == {"Name": "dev"}, "a refused VPC is not touched"
    assert ec2.describe_vpcs(Filters=owned(VPC))["Vpcs"] == []
    assert ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [foreign["VpcId"]]}])["Subnets"] == []


def test_a_foreign_vpc_with_our_name_is_adopted_when_the_spec_says_so(ctx, ec2, net, designs):
    foreign = ec2.create_vpc(CidrBlock="10.0.0.0/16", TagSpecifications=tag_spec("vpc", {"Name": "dev", "team": "x"}))["Vpc"]
    envs = designs(("posts-api", "adopt: true\n"))
    adopting = plan(net, envs, ctx)
    assert not adopting.problems
    assert next(c for c in adopting.changes if c.kind == VPC).reason == "adopting"
    report = converge_ok(net, envs, ctx)
    assert output(report, VPC)["id"] == foreign["VpcId"]
    tags = as_dict(ec2.describe_vpcs(VpcIds=[foreign["VpcId"]])["Vpcs"][0]["Tags"])
    assert tags[TAG_KIND] == VPC and tags["team"] == "x"
    assert dns(ec2, foreign["VpcId"]) == (True, True)
    assert plan(net, envs, ctx).empty


def test_a_cidr_change_plans_a_replace_that_the_vpc_dependents_refuse(ctx, ec2, net, designs):
    vpc_id = output(converge_ok(net, designs(), ctx), VPC)["id"]
    changed = designs(("posts-api", "network:\n  cidr: 10.5.0.0/16\n"))
    replan = plan(net, changed, ctx)
    vpc_change = next(c for c in replan.changes if c.kind == VPC)
    assert vpc_change.action == "replace" and "CidrBlock" in vpc_change.reason
    result = apply_plan(replan, net, ctx)
    outcome = result.outcomes[Key(VPC, "dev")]
    assert outcome.status == "failed" and "DependencyViolation" in outcome.message
    (vpc,) = ec2.describe_vpcs(Filters=owned(VPC))["Vpcs"]
    assert (vpc["VpcId"], vpc["CidrBlock"]) == (vpc_id, "10.0.0.0/16")
