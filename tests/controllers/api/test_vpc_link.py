"""api.vpc_link: the environment's VPC link on the subnets with the vpclink security group."""
from __future__ import annotations

from reconciler.ownership import TAG_KIND, TAG_MANAGED_BY
from tests.controllers.api.stack import ENV, api_spec, assert_in_sync, outputs, plan, run
from tests.support import design, write_app

NAME = f"sc-{ENV}"


def _links(ctx) -> list[dict]:
    return ctx.client("apigatewayv2").get_vpc_links()["Items"]


def test_vpc_link_converges_on_the_subnets_with_the_vpclink_group(ctx, tmp_path, upstream):
    spec = api_spec(tmp_path)
    report = run(ctx, spec, upstream.controllers())
    assert_in_sync(ctx, spec, upstream.controllers())
    [link] = _links(ctx)
    assert link["Name"] == NAME and link["VpcLinkStatus"] == "AVAILABLE"
    assert sorted(link["SubnetIds"]) == sorted(upstream.subnet_ids)
    assert link["SecurityGroupIds"] == [upstream.security_group_id]
    assert link["Tags"][TAG_KIND] == "api.vpc_link"
    assert outputs(report, "api.vpc_link", app=None) == {"id": link["VpcLinkId"]}


def test_no_vpc_link_without_api_apps(tmp_path):
    from controllers.api import VpcLinkController

    spec = write_app(tmp_path, "site", spec_extra="hosting:\n  domain: example.com\n")
    assert VpcLinkController().desired(design(spec)[0]) == []


def test_vpc_link_created_before_a_crash_is_found_again(ctx, tmp_path, upstream):
    spec = api_spec(tmp_path)
    [resource] = [r for r in _desired(spec, upstream) if r.key.kind == "api.vpc_link"]
    made = ctx.client("apigatewayv2").create_vpc_link(Name=NAME, SubnetIds=upstream.subnet_ids,
                                                      SecurityGroupIds=[upstream.security_group_id], Tags=resource.tags)
    run(ctx, spec, upstream.controllers())
    assert [link["VpcLinkId"] for link in _links(ctx)] == [made["VpcLinkId"]]


def test_vpc_link_name_and_tag_drift_is_healed_in_place(ctx, tmp_path, upstream):
    spec = api_spec(tmp_path)
    run(ctx, spec, upstream.controllers())
    [link] = _links(ctx)
    apigw = ctx.client("apigatewayv2")
    apigw.update_vpc_link(VpcLinkId=link["VpcLinkId"], Name="renamed")
    apigw.untag_resource(ResourceArn=f"arn:aws:apigateway:us-east-1::/vpclinks/{link['VpcLinkId']}", TagKeys=["Name"])

    run(ctx, spec, upstream.controllers())
    assert_in_sync(ctx, spec, upstream.controllers())
    [healed] = _links(ctx)
    assert healed["VpcLinkId"] == link["VpcLinkId"]
    assert healed["Name"] == NAME and healed["Tags"]["Name"] == ENV


def test_security_group_change_replaces_the_vpc_link(ctx, tmp_path, upstream):
    spec = api_spec(tmp_path)
    run(ctx, spec, upstream.controllers())
    [old] = _links(ctx)
    upstream.security_group.outputs["id"] = upstream.new_security_group("vpclink-2")

    [change] = [c for c in plan(ctx, spec, upstream.controllers()).pending if c.kind == "api.vpc_link"]
    assert change.action == "replace" and "SecurityGroupIds" in change.reason
    run(ctx, spec, upstream.controllers())
    assert_in_sync(ctx, spec, upstream.controllers())
    [new] = _links(ctx)
    assert new["VpcLinkId"] != old["VpcLinkId"]
    assert new["SecurityGroupIds"] == [upstream.security_group.outputs["id"]]


def test_foreign_vpc_link_is_refused_and_adopted_when_asked(ctx, tmp_path, upstream):
    apigw = ctx.client("apigatewayv2")
    foreign = apigw.create_vpc_link(Name=NAME, SubnetIds=upstream.subnet_ids,
                                    SecurityGroupIds=[upstream.security_group_id], Tags={"team": "theirs"})
    refused = plan(ctx, api_spec(tmp_path), upstream.controllers())
    assert [str(p.key) for p in refused.problems] == [f"api.vpc_link/{ENV}"]
    assert _links(ctx)[0]["Tags"] == {"team": "theirs"}

    spec = api_spec(tmp_path, adopt=True)
    run(ctx, spec, upstream.controllers())
    [adopted] = _links(ctx)
    assert adopted["VpcLinkId"] == foreign["VpcLinkId"]
    assert adopted["Tags"]["team"] == "theirs" and TAG_MANAGED_BY in adopted["Tags"]
    assert_in_sync(ctx, spec, upstream.controllers())


def _desired(spec, upstream):
    return [r for c in upstream.controllers() for env in design(spec) for r in c.desired(env)]


def test_pending_vpc_link_is_not_ready_yet():
    # moto reports AVAILABLE at once; on AWS a new link is PENDING for minutes.
    from controllers.api.vpc_link import _observed

    link = {"VpcLinkId": "abc", "Name": NAME, "SubnetIds": ["s-2", "s-1"], "SecurityGroupIds": ["sg-1"],
            "VpcLinkStatus": "PENDING", "VpcLinkStatusMessage": "VPC link is provisioning ENIs", "Tags": {}}
    observation = _observed(link)
    assert observation.exists and not observation.ready
    assert "PENDING" in observation.message and observation.fields["SubnetIds"] == ["s-1", "s-2"]
    assert _observed({**link, "VpcLinkStatus": "AVAILABLE"}).ready
