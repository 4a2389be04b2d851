"""network.subnets: an environment spans three zones whatever its apps ask (so one app asking
for high availability reshapes nothing the others share); the zone count grows and shrinks only
with what the region offers; drift, an interrupted create, a foreign subnet on one of our CIDRs."""
from __future__ import annotations

import pytest

from controllers.network.common import INTERNET_GATEWAY, ROUTE_TABLE, SUBNETS, VPC
from reconciler.ownership import TAG_AZ_INDEX
from controllers.network.subnets import carve
from reconciler.engine import converge
from reconciler.ownership import TAG_KIND, as_dict, tags_for
from reconciler.resource import Key
from tests.controllers.network.helpers import (
    apply_only,
    converge_ok,
    only,
    output,
    owned,
    pending,
    plan,
    refusing,
    tag_spec,
)


@pytest.fixture
def net(net):
    """Only the kinds these tests need (fewer calls per pass); references stay inside the set."""
    return only(net, VPC, SUBNETS, INTERNET_GATEWAY, ROUTE_TABLE)


HA = ("posts-api", "highAvailability: true\n")


def in_zones(envs, count: int, ctx=None):
    """The same designs in a region that offers `count` usable zones."""
    import dataclasses

    from reconciler.zones import VPC_LINK_ZONE_IDS

    ids = sorted(VPC_LINK_ZONE_IDS["us-east-1"])[:count]
    return [dataclasses.replace(env, zones=tuple(ids)) for env in envs]


def ours(ec2) -> list[dict]:
    subnets = ec2.describe_subnets(Filters=owned(SUBNETS))["Subnets"]
    return sorted(subnets, key=lambda s: int(as_dict(s["Tags"])[TAG_AZ_INDEX]))


def associated(ec2) -> list[str]:
    (table,) = ec2.describe_route_tables(Filters=owned(ROUTE_TABLE))["RouteTables"]
    return sorted(a["SubnetId"] for a in table["Associations"] if a.get("SubnetId"))


def test_cidrs_are_carved_by_az_index():
    assert carve("10.0.0.0/16", 3) == ["10.0.0.0/24", "10.0.1.0/24", "10.0.2.0/24"]
    assert carve("10.0.0.0/22", 3) == ["10.0.0.0/26", "10.0.0.64/26", "10.0.0.128/26"]
    assert carve("192.168.4.0/24", 1) == ["192.168.4.0/28"]


def test_an_environment_spans_three_zones_whatever_its_apps_ask(ctx, ec2, net, designs):
    converge_ok(net, designs(), ctx)
    subnets = ours(ec2)
    assert [s["CidrBlock"] for s in subnets] == ["10.0.0.0/24", "10.0.1.0/24", "10.0.2.0/24"]
    assert [s["AvailabilityZone"] for s in subnets] == ctx.availability_zones(3)
    assert plan(net, designs(HA), ctx).empty, "high availability changes where tasks run, not the network"


def test_the_zone_count_grows_and_shrinks_with_the_region(ctx, ec2, net, designs):
    converge_ok(net, in_zones(designs(), 1), ctx)  # e.g. an environment made by an earlier release
    (first,) = ours(ec2)

    report = converge_ok(net, designs(), ctx)
    subnets = ours(ec2)
    assert [s["CidrBlock"] for s in subnets] == ["10.0.0.0/24", "10.0.1.0/24", "10.0.2.0/24"]
    assert subnets[0]["SubnetId"] == first["SubnetId"], "growing keeps the existing subnet"
    assert all(s["MapPublicIpOnLaunch"] for s in subnets)
    ids = [s["SubnetId"] for s in subnets]
    assert output(report, SUBNETS) == {"ids": ids, "ids_one_az": ids[:1], "azs": ctx.availability_zones(3)}
    assert associated(ec2) == sorted(ids)
    assert plan(net, designs(), ctx).empty

    shrink = plan(net, in_zones(designs(), 1), ctx)
    assert pending(shrink) == [("network.subnets/dev", "update"), ("network.route_table/dev", "update")]
    converge_ok(net, in_zones(designs(), 1), ctx)
    assert [s["SubnetId"] for s in ours(ec2)] == [first["SubnetId"]]
    assert associated(ec2) == [first["SubnetId"]]
    assert plan(net, in_zones(designs(), 1), ctx).empty


def test_shrinking_while_a_subnet_is_in_use_fails_and_is_retried(ctx, ec2, net, designs):
    converge_ok(net, designs(), ctx)
    # moto deletes a subnet that still has network interfaces; AWS answers DependencyViolation.
    with refusing(ec2, "DeleteSubnet", "DependencyViolation", "The subnet has dependencies and cannot be deleted."):
        report = converge(net, in_zones(designs(), 1), ctx, timeout=1, sleep=lambda s: None)
    assert not report.converged
    outcome = report.last_result.outcomes[Key(SUBNETS, "dev")]
    assert outcome.status == "failed" and "DependencyViolation" in outcome.message
    assert len(ours(ec2)) == 3
    converge_ok(net, in_zones(designs(), 1), ctx)  # the tasks are gone: the retry succeeds
    assert len(ours(ec2)) == 1


def test_map_public_ip_drift_is_healed(ctx, ec2, net, designs):
    converge_ok(net, designs(), ctx)
    subnet = ours(ec2)[0]
    ec2.modify_subnet_attribute(SubnetId=subnet["SubnetId"], MapPublicIpOnLaunch={"Value": False})
    assert pending(plan(net, designs(), ctx)) == [("network.subnets/dev", "update")]
    converge_ok(net, designs(), ctx)
    assert ours(ec2)[0]["MapPublicIpOnLaunch"] is True


def test_a_subnet_deleted_behind_our_back_is_recreated_and_reassociated(ctx, ec2, net, designs):
    converge_ok(net, designs(HA), ctx)
    middle = ours(ec2)[1]
    (table,) = ec2.describe_route_tables(Filters=owned(ROUTE_TABLE))["RouteTables"]
    association = next(a for a in table["Associations"] if a.get("SubnetId") == middle["SubnetId"])
    ec2.disassociate_route_table(AssociationId=association["RouteTableAssociationId"])
    ec2.delete_subnet(SubnetId=middle["SubnetId"])
    converge_ok(net, designs(HA), ctx)
    subnets = ours(ec2)
    assert [s["CidrBlock"] for s in subnets] == ["10.0.0.0/24", "10.0.1.0/24", "10.0.2.0/24"]
    assert subnets[1]["SubnetId"] != middle["SubnetId"]
    assert associated(ec2) == sorted(s["SubnetId"] for s in subnets)


def test_a_create_interrupted_after_one_subnet_leaves_exactly_three(ctx, ec2, net, designs):
    report = converge_ok(net[:1], designs(HA), ctx)  # the VPC only
    vpc_id = output(report, VPC)["id"]
    tags = {**tags_for(Key(SUBNETS, "dev")), TAG_AZ_INDEX: "0"}
    ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.0.0.0/24", AvailabilityZone=ctx.availability_zones(1)[0],
                      TagSpecifications=tag_spec("subnet", tags))
    assert pending(plan(net, designs(HA), ctx))[0] == ("network.subnets/dev", "update")
    converge_ok(net, designs(HA), ctx)
    assert [s["CidrBlock"] for s in ours(ec2)] == ["10.0.0.0/24", "10.0.1.0/24", "10.0.2.0/24"]


def test_a_pass_interrupted_after_the_subnets_resumes_without_duplicates(ctx, ec2, net, designs):
    apply_only(plan(net, designs(HA), ctx), {VPC, SUBNETS}, net, ctx)
    assert len(ours(ec2)) == 3
    converge_ok(net, designs(HA), ctx)
    assert len(ours(ec2)) == 3
    assert len(associated(ec2)) == 3


def _foreign_subnet(ec2, ctx, vpc_id: str) -> dict:
    return ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.0.0.0/24", AvailabilityZone=ctx.availability_zones(1)[0],
                             TagSpecifications=tag_spec("subnet", {"Name": "dev"}))["Subnet"]


def test_a_foreign_subnet_on_our_cidr_is_refused(ctx, ec2, net, designs):
    vpc_id = output(converge_ok(net[:1], designs(), ctx), VPC)["id"]
    foreign = _foreign_subnet(ec2, ctx, vpc_id)
    refused = plan(net, designs(), ctx)
    assert [p.key for p in refused.problems] == [Key(SUBNETS, "dev")]
    converge(net, designs(), ctx, timeout=5, sleep=lambda s: None)
    (after,) = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["Subnets"]
    assert after["SubnetId"] == foreign["SubnetId"] and as_dict(after["Tags"]) == {"Name": "dev"}
    assert after["MapPublicIpOnLaunch"] is False


def test_a_foreign_subnet_on_our_cidr_is_adopted_when_the_spec_says_so(ctx, ec2, net, designs):
    adopt = designs(("posts-api", "adopt: true\n"))
    vpc_id = output(converge_ok(net[:1], adopt, ctx), VPC)["id"]
    foreign = _foreign_subnet(ec2, ctx, vpc_id)
    report = converge_ok(net, adopt, ctx)
    assert output(report, SUBNETS)["ids"][0] == foreign["SubnetId"]
    subnet = ours(ec2)[0]
    assert subnet["SubnetId"] == foreign["SubnetId"] and subnet["MapPublicIpOnLaunch"] is True
    assert as_dict(subnet["Tags"])[TAG_KIND] == SUBNETS
    assert plan(net, adopt, ctx).empty
