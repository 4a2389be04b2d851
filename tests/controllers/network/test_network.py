"""The network kinds together: converge from empty, the empty second plan, the cost of a
converged pass, several environments in one pass."""
from __future__ import annotations

from controllers.network.common import INTERNET_GATEWAY, ROUTE_TABLE, SECURITY_GROUP, SUBNETS, VPC
from reconciler.ownership import TAG_APP, TAG_NAME, as_dict
from tests.controllers.network.helpers import converge_ok, output, owned, plan


def test_converge_from_empty_builds_the_network_and_the_second_plan_is_empty(ctx, ec2, net, designs):
    envs = designs("posts-api")
    first = plan(net, envs, ctx)
    assert sorted(c.action for c in first.changes) == ["create"] * 6
    report = converge_ok(net, envs, ctx)
    assert plan(net, envs, ctx).empty

    vpc_id = output(report, VPC)["id"]
    assert output(report, VPC)["cidr"] == "10.0.0.0/16"
    (vpc,) = ec2.describe_vpcs(Filters=owned(VPC))["Vpcs"]
    assert vpc["VpcId"] == vpc_id and as_dict(vpc["Tags"])["Name"] == "dev"
    for attribute in ("enableDnsSupport", "enableDnsHostnames"):
        reply = ec2.describe_vpc_attribute(VpcId=vpc_id, Attribute=attribute)
        assert reply[attribute[0].upper() + attribute[1:]]["Value"] is True

    subnets = output(report, SUBNETS)
    found = sorted(ec2.describe_subnets(Filters=owned(SUBNETS))["Subnets"], key=lambda s: s["CidrBlock"])
    assert subnets == {"ids": [s["SubnetId"] for s in found], "ids_one_az": [found[0]["SubnetId"]],
                       "azs": [s["AvailabilityZone"] for s in found]}
    assert [s["CidrBlock"] for s in found] == ["10.0.0.0/24", "10.0.1.0/24", "10.0.2.0/24"]
    assert all(s["MapPublicIpOnLaunch"] for s in found)
    assert [s["AvailabilityZone"] for s in found] == ctx.availability_zones(3)
    subnet = found[0]

    (gateway,) = ec2.describe_internet_gateways(Filters=owned(INTERNET_GATEWAY))["InternetGateways"]
    assert [a["VpcId"] for a in gateway["Attachments"]] == [vpc_id]

    (table,) = ec2.describe_route_tables(Filters=owned(ROUTE_TABLE))["RouteTables"]
    assert output(report, ROUTE_TABLE)["id"] == table["RouteTableId"]
    assert {"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": gateway["InternetGatewayId"]}.items() <= next(
        r for r in table["Routes"] if r["DestinationCidrBlock"] == "0.0.0.0/0").items()
    assert sorted(a.get("SubnetId") for a in table["Associations"]) == sorted(subnets["ids"])
    assert not any(a["Main"] for a in table["Associations"]), "never the VPC's main table"

    groups = {as_dict(g["Tags"]).get(TAG_NAME): g for g in ec2.describe_security_groups(Filters=owned(SECURITY_GROUP))["SecurityGroups"]}
    assert set(groups) == {"vpclink", "tasks"}
    vpclink, tasks = groups["vpclink"], groups["tasks"]
    assert vpclink["GroupName"] == "sc-dev-vpclink" and vpclink["IpPermissions"] == []
    assert tasks["GroupName"] == "sc-dev-posts-api-tasks" and as_dict(tasks["Tags"])[TAG_APP] == "posts-api"
    (rule,) = tasks["IpPermissions"]
    assert (rule["IpProtocol"], rule["FromPort"], rule["ToPort"]) == ("tcp", 8080, 8080)
    assert [p["GroupId"] for p in rule["UserIdGroupPairs"]] == [vpclink["GroupId"]]
    assert not rule["IpRanges"]
    for group in (vpclink, tasks):
        (egress,) = group["IpPermissionsEgress"]
        assert egress["IpProtocol"] == "-1" and egress["IpRanges"] == [{"CidrIp": "0.0.0.0/0"}]
    assert output(report, SECURITY_GROUP, "tasks", "posts-api")["id"] == tasks["GroupId"]


def test_a_converged_pass_reads_each_network_kind_once(ctx, aws, net, designs):
    """One Describe per kind for the whole pass. DescribeVpcs does not return the DNS
    attributes, so the VPC costs two DescribeVpcAttribute on top: 7 requests, not 6."""
    envs = designs("posts-api", "comments-api")
    converge_ok(net, envs, ctx)
    before = aws.request_count
    assert plan(net, envs, ctx).empty
    made = aws.requests[before:]
    assert aws.request_count - before == len(made) <= 7
    assert sorted(r.split(".")[-1] for r in made) == sorted([
        "DescribeVpcs", "DescribeVpcAttribute", "DescribeVpcAttribute", "DescribeSubnets",
        "DescribeInternetGateways", "DescribeRouteTables", "DescribeSecurityGroups",
    ])


def test_two_environments_are_observed_in_one_pass_and_kept_apart(ctx, aws, net, tmp_path):
    from tests.support import design, write_app

    envs = design(write_app(tmp_path / "a", "posts-api", environment="dev"),
                  write_app(tmp_path / "b", "posts-api", environment="prod", spec_extra="network:\n  cidr: 10.1.0.0/16\n"))
    report = converge_ok(net, envs, ctx)
    assert output(report, VPC, env="prod")["cidr"] == "10.1.0.0/16"
    assert output(report, VPC, env="dev")["id"] != output(report, VPC, env="prod")["id"]
    before = aws.request_count
    assert plan(net, envs, ctx).empty
    assert aws.request_count - before == 5 + 2 * 2  # one Describe per kind, DNS attributes per VPC
