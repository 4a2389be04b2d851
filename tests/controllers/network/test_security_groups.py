"""network.security_group: rules are a set we own (extra revoked, missing restored, changed port
fixed), the front door's group per app kind, an interrupted create, foreign look-alikes."""
from __future__ import annotations

import pytest

from controllers.network.common import SECURITY_GROUP, VPC
from reconciler.engine import converge
from reconciler.ownership import TAG_KIND, TAG_NAME, as_dict, tags_for
from reconciler.resource import Key
from tests.controllers.network.helpers import converge_ok, only, output, owned, pending, plan, tag_spec
from tests.support import DOCKERFILE, design, write_app


@pytest.fixture
def net(net):
    """Only the kinds these tests need (fewer calls per pass); references stay inside the set."""
    return only(net, VPC, SECURITY_GROUP)


TASKS = "network.security_group/dev/posts-api/tasks"


def groups(ec2) -> dict[str, dict]:
    found = ec2.describe_security_groups(Filters=owned(SECURITY_GROUP))["SecurityGroups"]
    return {g["GroupName"]: g for g in found}


def ingress(group: dict) -> list[tuple]:
    rules = []
    for p in group["IpPermissions"]:
        sources = [r["CidrIp"] for r in p["IpRanges"]] + [g["GroupId"] for g in p["UserIdGroupPairs"]]
        rules += [(p["IpProtocol"], p.get("FromPort"), p.get("ToPort"), s) for s in sources]
    return sorted(rules)


def egress_is_all_traffic(group: dict) -> bool:
    return [(p["IpProtocol"], [r["CidrIp"] for r in p["IpRanges"]]) for p in group["IpPermissionsEgress"]] == [("-1", ["0.0.0.0/0"])]


def test_a_rule_added_behind_our_back_is_revoked(ctx, ec2, net, designs):
    converge_ok(net, designs(), ctx)
    tasks = groups(ec2)["sc-dev-posts-api-tasks"]
    expected = ingress(tasks)
    ec2.authorize_security_group_ingress(GroupId=tasks["GroupId"], IpProtocol="tcp", FromPort=22, ToPort=22, CidrIp="0.0.0.0/0")
    drifted = plan(net, designs(), ctx)
    assert pending(drifted) == [(TASKS, "update")]
    converge_ok(net, designs(), ctx)
    assert ingress(groups(ec2)["sc-dev-posts-api-tasks"]) == expected


def test_a_removed_rule_is_restored(ctx, ec2, net, designs):
    converge_ok(net, designs(), ctx)
    found = groups(ec2)
    tasks, vpclink = found["sc-dev-posts-api-tasks"], found["sc-dev-vpclink"]
    ec2.revoke_security_group_ingress(GroupId=tasks["GroupId"], IpPermissions=tasks["IpPermissions"])
    assert pending(plan(net, designs(), ctx)) == [(TASKS, "update")]
    converge_ok(net, designs(), ctx)
    assert ingress(groups(ec2)["sc-dev-posts-api-tasks"]) == [("tcp", 8080, 8080, vpclink["GroupId"])]


def test_a_changed_port_is_fixed(ctx, ec2, net, designs):
    converge_ok(net, designs(), ctx)
    found = groups(ec2)
    tasks, vpclink = found["sc-dev-posts-api-tasks"], found["sc-dev-vpclink"]
    ec2.revoke_security_group_ingress(GroupId=tasks["GroupId"], IpPermissions=tasks["IpPermissions"])
    ec2.authorize_security_group_ingress(GroupId=tasks["GroupId"], IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 9090, "ToPort": 9090, "UserIdGroupPairs": [{"GroupId": vpclink["GroupId"]}]}])
    drifted = plan(net, designs(), ctx)
    assert pending(drifted) == [(TASKS, "update")]
    converge_ok(net, designs(), ctx)
    assert ingress(groups(ec2)["sc-dev-posts-api-tasks"]) == [("tcp", 8080, 8080, vpclink["GroupId"])]


def test_removed_egress_is_restored_and_extra_egress_revoked(ctx, ec2, net, designs):
    converge_ok(net, designs(), ctx)
    vpclink = groups(ec2)["sc-dev-vpclink"]
    ec2.revoke_security_group_egress(GroupId=vpclink["GroupId"], IpPermissions=vpclink["IpPermissionsEgress"])
    ec2.authorize_security_group_egress(GroupId=vpclink["GroupId"], IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}])
    assert pending(plan(net, designs(), ctx)) == [("network.security_group/dev/vpclink", "update")]
    converge_ok(net, designs(), ctx)
    assert egress_is_all_traffic(groups(ec2)["sc-dev-vpclink"])


def test_a_hosted_app_takes_traffic_from_the_load_balancer_group(ctx, ec2, net, designs):
    envs = designs(("web", "hosting:\n  domain: example.com\n"))
    converge_ok(net, envs, ctx)
    found = groups(ec2)
    assert set(found) == {"sc-dev-alb", "sc-dev-web-tasks"}, "no VPC link group without an API app"
    assert ingress(found["sc-dev-web-tasks"]) == [("tcp", 8080, 8080, found["sc-dev-alb"]["GroupId"])]
    assert ingress(found["sc-dev-alb"]) == [], "no address range: only CloudFront's prefix list"
    assert prefix_lists(found["sc-dev-alb"]) == [(443, cloudfront_prefix_list(ec2))]
    assert all(egress_is_all_traffic(g) for g in found.values())
    assert plan(net, envs, ctx).empty


def test_the_load_balancer_group_opened_to_the_world_is_closed_to_cloudfront_again(ctx, ec2, net, designs):
    envs = designs(("web", "hosting:\n  domain: example.com\n"))
    converge_ok(net, envs, ctx)
    alb = groups(ec2)["sc-dev-alb"]
    ec2.authorize_security_group_ingress(GroupId=alb["GroupId"], IpProtocol="tcp", FromPort=443, ToPort=443,
                                         CidrIp="0.0.0.0/0")
    assert pending(plan(net, envs, ctx)) == [("network.security_group/dev/alb", "update")]
    converge_ok(net, envs, ctx)
    alb = groups(ec2)["sc-dev-alb"]
    assert ingress(alb) == [] and prefix_lists(alb) == [(443, cloudfront_prefix_list(ec2))]


def prefix_lists(group: dict) -> list[tuple]:
    return sorted((p.get("FromPort"), pl["PrefixListId"]) for p in group["IpPermissions"] for pl in p.get("PrefixListIds") or [])


def cloudfront_prefix_list(ec2) -> str:
    [found] = ec2.describe_managed_prefix_lists(Filters=[{"Name": "prefix-list-name", "Values": [
        "com.amazonaws.global.cloudfront.origin-facing"]}])["PrefixLists"]
    return found["PrefixListId"]


def test_each_app_gets_its_own_tasks_group_on_its_entrypoint_port(ctx, ec2, net, tmp_path):
    envs = design(write_app(tmp_path, "posts-api"),
                  write_app(tmp_path, "comments-api", dockerfile=DOCKERFILE.replace("8080", "3000")))
    converge_ok(net, envs, ctx)
    found = groups(ec2)
    vpclink = found["sc-dev-vpclink"]["GroupId"]
    assert ingress(found["sc-dev-posts-api-tasks"]) == [("tcp", 8080, 8080, vpclink)]
    assert ingress(found["sc-dev-comments-api-tasks"]) == [("tcp", 3000, 3000, vpclink)]
    assert plan(net, envs, ctx).empty


def test_a_group_created_before_a_crash_gets_its_rule_not_a_twin(ctx, ec2, net, designs):
    vpc_id = output(converge_ok(net[:1], designs(), ctx), VPC)["id"]
    key = Key(SECURITY_GROUP, "dev", "posts-api", "tasks")
    created = ec2.create_security_group(GroupName="sc-dev-posts-api-tasks", Description="Tasks of dev/posts-api",
                                        VpcId=vpc_id, TagSpecifications=tag_spec("security-group", tags_for(key)))
    converge_ok(net, designs(), ctx)
    found = groups(ec2)
    assert found["sc-dev-posts-api-tasks"]["GroupId"] == created["GroupId"]
    assert ingress(found["sc-dev-posts-api-tasks"]) == [("tcp", 8080, 8080, found["sc-dev-vpclink"]["GroupId"])]
    assert len(found) == 2


def _foreign_vpclink(ec2, vpc_id: str) -> str:
    return ec2.create_security_group(GroupName="sc-dev-vpclink", Description="someone else's", VpcId=vpc_id)["GroupId"]


def test_a_foreign_group_with_our_name_is_refused(ctx, ec2, net, designs):
    vpc_id = output(converge_ok(net[:1], designs(), ctx), VPC)["id"]
    foreign = _foreign_vpclink(ec2, vpc_id)
    ec2.authorize_security_group_ingress(GroupId=foreign, IpProtocol="tcp", FromPort=22, ToPort=22, CidrIp="0.0.0.0/0")
    refused = plan(net, designs(), ctx)
    assert [p.key for p in refused.problems] == [Key(SECURITY_GROUP, "dev", None, "vpclink")]
    converge(net, designs(), ctx, timeout=5, sleep=lambda s: None)
    after = ec2.describe_security_groups(GroupIds=[foreign])["SecurityGroups"][0]
    assert ingress(after) == [("tcp", 22, 22, "0.0.0.0/0")]
    assert not after.get("Tags"), "a refused group is not touched"
    assert "sc-dev-posts-api-tasks" not in groups(ec2), "the tasks group waits for its front door"


def test_a_foreign_group_with_our_name_is_adopted_when_the_spec_says_so(ctx, ec2, net, designs):
    envs = designs(("posts-api", "adopt: true\n"))
    vpc_id = output(converge_ok(net[:1], envs, ctx), VPC)["id"]
    foreign = _foreign_vpclink(ec2, vpc_id)
    ec2.authorize_security_group_ingress(GroupId=foreign, IpProtocol="tcp", FromPort=22, ToPort=22, CidrIp="0.0.0.0/0")
    adopting = plan(net, envs, ctx)
    # The description is immutable: adopting a group with another one replaces it.
    vpclink_change = next(c for c in adopting.changes if c.name == "network.security_group/dev/vpclink")
    assert vpclink_change.action == "replace"
    converge_ok(net, envs, ctx)
    found = groups(ec2)
    assert as_dict(found["sc-dev-vpclink"]["Tags"])[TAG_NAME] == "vpclink"
    assert ingress(found["sc-dev-vpclink"]) == []
    assert plan(net, envs, ctx).empty


def test_a_foreign_group_matching_the_spec_is_adopted_in_place(ctx, ec2, net, designs):
    envs = designs(("posts-api", "adopt: true\n"))
    vpc_id = output(converge_ok(net[:1], envs, ctx), VPC)["id"]
    foreign = ec2.create_security_group(GroupName="sc-dev-vpclink", Description="API Gateway VPC link of environment dev",
                                        VpcId=vpc_id)["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=foreign, IpProtocol="tcp", FromPort=22, ToPort=22, CidrIp="0.0.0.0/0")
    converge_ok(net, envs, ctx)
    found = groups(ec2)
    assert found["sc-dev-vpclink"]["GroupId"] == foreign
    assert as_dict(found["sc-dev-vpclink"]["Tags"])[TAG_KIND] == SECURITY_GROUP
    assert ingress(found["sc-dev-vpclink"]) == []
