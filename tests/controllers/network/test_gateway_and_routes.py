"""network.internet_gateway and network.route_table: attachment and route drift, associations,
interrupted creates, foreign look-alikes."""
from __future__ import annotations

import pytest

from controllers.network.common import INTERNET_GATEWAY, ROUTE_TABLE, SUBNETS, VPC
from reconciler.engine import converge
from reconciler.ownership import TAG_KIND, as_dict, tags_for
from reconciler.resource import Key
from tests.controllers.network.helpers import converge_ok, only, output, owned, pending, plan, tag_spec


@pytest.fixture
def net(net):
    """Only the kinds these tests need (fewer calls per pass); references stay inside the set."""
    return only(net, VPC, SUBNETS, INTERNET_GATEWAY, ROUTE_TABLE)


ADOPT = ("posts-api", "adopt: true\n")


def gateways(ec2) -> list[dict]:
    return ec2.describe_internet_gateways(Filters=owned(INTERNET_GATEWAY))["InternetGateways"]


def table(ec2) -> dict:
    (only,) = ec2.describe_route_tables(Filters=owned(ROUTE_TABLE))["RouteTables"]
    return only


def default_route(route_table: dict) -> dict | None:
    return next((r for r in route_table["Routes"] if r.get("DestinationCidrBlock") == "0.0.0.0/0"), None)


# --- internet gateway ------------------------------------------------------------------------

def test_a_detached_gateway_is_reattached(ctx, ec2, net, designs):
    report = converge_ok(net, designs(), ctx)
    vpc_id, gateway_id = output(report, VPC)["id"], output(report, INTERNET_GATEWAY)["id"]
    ec2.detach_internet_gateway(InternetGatewayId=gateway_id, VpcId=vpc_id)
    assert pending(plan(net, designs(), ctx)) == [("network.internet_gateway/dev", "update")]
    converge_ok(net, designs(), ctx)
    (gateway,) = gateways(ec2)
    assert gateway["InternetGatewayId"] == gateway_id
    assert [a["VpcId"] for a in gateway["Attachments"]] == [vpc_id]


def test_a_gateway_created_before_a_crash_is_attached_not_duplicated(ctx, ec2, net, designs):
    created = ec2.create_internet_gateway(TagSpecifications=tag_spec("internet-gateway", tags_for(Key(INTERNET_GATEWAY, "dev"))))
    report = converge_ok(net, designs(), ctx)
    (gateway,) = gateways(ec2)
    assert gateway["InternetGatewayId"] == created["InternetGateway"]["InternetGatewayId"]
    assert [a["VpcId"] for a in gateway["Attachments"]] == [output(report, VPC)["id"]]


def test_a_foreign_gateway_with_our_name_is_refused(ctx, ec2, net, designs):
    foreign = ec2.create_internet_gateway(TagSpecifications=tag_spec("internet-gateway", {"Name": "dev"}))["InternetGateway"]
    assert [p.key for p in plan(net, designs(), ctx).problems] == [Key(INTERNET_GATEWAY, "dev")]
    converge(net, designs(), ctx, timeout=5, sleep=lambda s: None)
    after = ec2.describe_internet_gateways(InternetGatewayIds=[foreign["InternetGatewayId"]])["InternetGateways"][0]
    assert after["Attachments"] == [] and as_dict(after["Tags"]) == {"Name": "dev"}
    assert gateways(ec2) == []


def test_a_foreign_gateway_with_our_name_is_adopted_when_the_spec_says_so(ctx, ec2, net, designs):
    foreign = ec2.create_internet_gateway(TagSpecifications=tag_spec("internet-gateway", {"Name": "dev"}))["InternetGateway"]
    report = converge_ok(net, designs(ADOPT), ctx)
    (gateway,) = gateways(ec2)
    assert gateway["InternetGatewayId"] == foreign["InternetGatewayId"] == output(report, INTERNET_GATEWAY)["id"]
    assert [a["VpcId"] for a in gateway["Attachments"]] == [output(report, VPC)["id"]]
    assert plan(net, designs(ADOPT), ctx).empty


# --- route table ---------------------------------------------------------------------------

def test_a_deleted_default_route_is_restored(ctx, ec2, net, designs):
    report = converge_ok(net, designs(), ctx)
    table_id, gateway_id = output(report, ROUTE_TABLE)["id"], output(report, INTERNET_GATEWAY)["id"]
    ec2.delete_route(RouteTableId=table_id, DestinationCidrBlock="0.0.0.0/0")
    drifted = plan(net, designs(), ctx)
    assert pending(drifted) == [("network.route_table/dev", "update")]
    assert [c.path for c in drifted.pending[0].changes] == ["DefaultRoute"]
    converge_ok(net, designs(), ctx)
    assert default_route(table(ec2))["GatewayId"] == gateway_id


def test_a_default_route_pointed_elsewhere_is_pointed_back(ctx, ec2, net, designs):
    report = converge_ok(net, designs(), ctx)
    table_id, gateway_id = output(report, ROUTE_TABLE)["id"], output(report, INTERNET_GATEWAY)["id"]
    elsewhere = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.replace_route(RouteTableId=table_id, DestinationCidrBlock="0.0.0.0/0", GatewayId=elsewhere)
    assert pending(plan(net, designs(), ctx)) == [("network.route_table/dev", "update")]
    converge_ok(net, designs(), ctx)
    assert default_route(table(ec2))["GatewayId"] == gateway_id


def test_a_removed_association_is_restored_and_a_foreign_route_left_alone(ctx, ec2, net, designs):
    report = converge_ok(net, designs(), ctx)
    table_id, subnet_ids = output(report, ROUTE_TABLE)["id"], output(report, SUBNETS)["ids"]
    association = next(a for a in table(ec2)["Associations"] if a.get("SubnetId"))
    ec2.disassociate_route_table(AssociationId=association["RouteTableAssociationId"])
    ec2.create_route(RouteTableId=table_id, DestinationCidrBlock="192.168.0.0/16", GatewayId=output(report, INTERNET_GATEWAY)["id"])
    assert pending(plan(net, designs(), ctx)) == [("network.route_table/dev", "update")]
    converge_ok(net, designs(), ctx)
    after = table(ec2)
    assert sorted(a["SubnetId"] for a in after["Associations"] if a.get("SubnetId")) == sorted(subnet_ids)
    assert any(r.get("DestinationCidrBlock") == "192.168.0.0/16" for r in after["Routes"])


def test_a_route_table_created_before_a_crash_gets_its_route_and_associations(ctx, ec2, net, designs):
    vpc_id = output(converge_ok(net[:3], designs(), ctx), VPC)["id"]  # VPC, subnets, gateway
    created = ec2.create_route_table(VpcId=vpc_id, TagSpecifications=tag_spec("route-table", tags_for(Key(ROUTE_TABLE, "dev"))))
    report = converge_ok(net, designs(), ctx)
    only = table(ec2)
    assert only["RouteTableId"] == created["RouteTable"]["RouteTableId"]
    assert default_route(only)["GatewayId"] == output(report, INTERNET_GATEWAY)["id"]
    assert [a["SubnetId"] for a in only["Associations"] if a.get("SubnetId")] == output(report, SUBNETS)["ids"]


def _foreign_table(ec2, vpc_id: str) -> dict:
    return ec2.create_route_table(VpcId=vpc_id, TagSpecifications=tag_spec("route-table", {"Name": "dev"}))["RouteTable"]


def test_a_foreign_route_table_with_our_name_is_refused(ctx, ec2, net, designs):
    vpc_id = output(converge_ok(net[:3], designs(), ctx), VPC)["id"]
    foreign = _foreign_table(ec2, vpc_id)
    assert [p.key for p in plan(net, designs(), ctx).problems] == [Key(ROUTE_TABLE, "dev")]
    converge(net, designs(), ctx, timeout=5, sleep=lambda s: None)
    after = ec2.describe_route_tables(RouteTableIds=[foreign["RouteTableId"]])["RouteTables"][0]
    assert default_route(after) is None and after["Associations"] == []
    assert ec2.describe_route_tables(Filters=owned(ROUTE_TABLE))["RouteTables"] == []


def test_a_foreign_route_table_with_our_name_is_adopted_when_the_spec_says_so(ctx, ec2, net, designs):
    vpc_id = output(converge_ok(net[:3], designs(ADOPT), ctx), VPC)["id"]
    foreign = _foreign_table(ec2, vpc_id)
    report = converge_ok(net, designs(ADOPT), ctx)
    only = table(ec2)
    assert only["RouteTableId"] == foreign["RouteTableId"] and as_dict(only["Tags"])[TAG_KIND] == ROUTE_TABLE
    assert default_route(only)["GatewayId"] == output(report, INTERNET_GATEWAY)["id"]
    assert plan(net, designs(ADOPT), ctx).empty
