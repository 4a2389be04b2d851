"""The hosting front door end to end through the CLI on the moto server: two sites and an API
with a custom domain in one environment share one load balancer; certificates are issued through
the Route 53 records we write; CloudFront serves every method; drift of what the issue lists is
restored; sites leave one by one and the load balancer goes with the last."""
from __future__ import annotations

import json

import pytest

from controllers.cdn.compare import ALL_VIEWER, CACHING_DISABLED
from reconciler.cli import main
from tests.hosting_support import (client, distributions, hosted_zone, https_rules, load_balancers, once, plan_exit,
                                   records, site)
from tests.support import write_app

CLOUDFRONT_ZONE = "Z2FDTNDATAQYW2"


@pytest.fixture
def url(moto_server):
    moto_server.reset()
    return moto_server.url


def test_two_sites_and_an_api_domain_converge_on_one_load_balancer_through_route53(url, tmp_path, capsys):
    zone = hosted_zone(url)
    apps = tmp_path / "apps"
    site(apps, "site-a", "a.example.com", aliases=("www.a.example.com",))
    site(apps, "site-b", "b.example.com", restrict=True)
    write_app(apps, "posts-api", spec_extra="api:\n  domain: api.example.com\n")
    assert once(url, apps) == 0

    [balancer] = load_balancers(url)
    assert balancer["Scheme"] == "internet-facing" and len(balancer["AvailabilityZones"]) == 3
    elb = client(url, "elbv2")
    listeners = {li["Port"]: li for li in elb.describe_listeners(LoadBalancerArn=balancer["LoadBalancerArn"])["Listeners"]}
    assert listeners[80]["DefaultActions"][0]["RedirectConfig"]["Protocol"] == "HTTPS"
    assert listeners[443]["Protocol"] == "HTTPS"
    rules = https_rules(url)
    assert set(rules) == {"a.example.com,www.a.example.com", "b.example.com"}
    assert [a["Type"] for a in rules["a.example.com,www.a.example.com"]["Actions"]] == ["forward"]
    restricted = sorted(rules["b.example.com"]["Actions"], key=lambda a: a["Order"])
    assert [a["Type"] for a in restricted] == ["authenticate-cognito", "forward"]
    groups = {g["TargetGroupName"]: g for g in elb.describe_target_groups()["TargetGroups"]}
    assert set(groups) == {"sc-dev-site-a-8080", "sc-dev-site-b-8080"}
    assert {g["TargetType"] for g in groups.values()} == {"ip"}
    services = client(url, "ecs").describe_services(cluster="sc-dev", services=["site-a", "site-b"])["services"]
    assert {s["loadBalancers"][0]["targetGroupArn"] for s in services} == {g["TargetGroupArn"] for g in groups.values()}

    certificates = client(url, "acm").list_certificates()["CertificateSummaryList"]
    assert sorted((c["DomainName"], c["Status"]) for c in certificates) == [
        ("a.example.com", "ISSUED"), ("api.example.com", "ISSUED"), ("b.example.com", "ISSUED")]
    found = records(url, zone)
    validation = [name for name, kind in found if kind == "CNAME" and name.startswith("_")]
    assert len(validation) == 4  # a, www.a, b, api: one each
    assert all(("_sc-owner." + name, "TXT") in found for name in validation)
    cloudfront = distributions(url)
    for name in ("a.example.com", "www.a.example.com", "b.example.com"):
        for kind in ("A", "AAAA"):
            alias = found[(name, kind)]["AliasTarget"]
            assert alias["HostedZoneId"] == CLOUDFRONT_ZONE
            assert alias["DNSName"].rstrip(".") in {d["DomainName"] for d in cloudfront.values()}
    assert found[("api.example.com", "A")]["AliasTarget"]["DNSName"].startswith("d-")

    site_a = cloudfront["a.example.com"]
    assert sorted(site_a["Aliases"]["Items"]) == ["a.example.com", "www.a.example.com"]
    assert sorted(site_a["DefaultCacheBehavior"]["AllowedMethods"]["Items"]) == [
        "DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"]
    assert site_a["DefaultCacheBehavior"]["CachePolicyId"] == CACHING_DISABLED
    assert site_a["DefaultCacheBehavior"]["OriginRequestPolicyId"] == ALL_VIEWER
    origin = site_a["Origins"]["Items"][0]
    assert origin["DomainName"] == balancer["DNSName"]
    assert origin["CustomOriginConfig"]["OriginProtocolPolicy"] == "https-only"

    pools = client(url, "cognito-idp").list_user_pools(MaxResults=10)["UserPools"]
    [pool] = [client(url, "cognito-idp").describe_user_pool(UserPoolId=p["Id"])["UserPool"] for p in pools]
    assert pool["Domain"] and restricted[0]["AuthenticateCognitoConfig"]["UserPoolDomain"] == pool["Domain"]
    mapping = client(url, "apigatewayv2").get_api_mappings(DomainName="api.example.com")["Items"]
    assert len(mapping) == 1 and mapping[0]["Stage"] == "$default"

    assert plan_exit(url, apps) == 0
    capsys.readouterr()
    assert main(["status", str(apps), "-o", "json", "--target", url]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["specs"]["dev/site-a"]["endpoint"] == "https://a.example.com"


def test_drift_of_rule_records_health_check_and_cloudfront_aliases_is_restored(url, tmp_path, capsys):
    """Each restored as an update in place (the service's target group registration too)."""
    zone = hosted_zone(url)
    apps = tmp_path / "apps"
    site(apps, "site-a", "a.example.com", aliases=("www.a.example.com",))
    assert once(url, apps) == 0
    before = records(url, zone)
    elb, cloudfront, route53 = client(url, "elbv2"), client(url, "cloudfront"), client(url, "route53")

    rule = https_rules(url)["a.example.com,www.a.example.com"]
    elb.modify_rule(RuleArn=rule["RuleArn"], Conditions=[{"Field": "host-header", "Values": ["evil.example.com"]}])
    [group] = elb.describe_target_groups()["TargetGroups"]
    elb.modify_target_group(TargetGroupArn=group["TargetGroupArn"], HealthCheckPath="/changed", HealthCheckIntervalSeconds=90)
    validation = next(name for name, kind in before if kind == "CNAME")
    alias = before[("a.example.com", "A")]
    route53.change_resource_record_sets(HostedZoneId=zone, ChangeBatch={"Changes": [
        {"Action": "UPSERT", "ResourceRecordSet": {"Name": validation, "Type": "CNAME", "TTL": 60,
                                                   "ResourceRecords": [{"Value": "elsewhere.example.net"}]}},
        {"Action": "DELETE", "ResourceRecordSet": alias}]})
    distribution = distributions(url)["a.example.com"]
    config, etag = (lambda r: (r["DistributionConfig"], r["ETag"]))(cloudfront.get_distribution_config(Id=distribution["Id"]))
    config["Aliases"] = {"Quantity": 1, "Items": ["a.example.com"]}
    cloudfront.update_distribution(Id=distribution["Id"], IfMatch=etag, DistributionConfig=config)

    client(url, "ecs").update_service(cluster="sc-dev", service="site-a", loadBalancers=[])

    capsys.readouterr()
    assert main(["plan", str(apps), "-o", "json", "--target", url]) == 0
    changes = {c["name"]: c["action"] for c in json.loads(capsys.readouterr().out)["changes"]}
    assert changes == {"alb.listener_rule/dev/site-a": "update", "alb.target_group/dev/site-a/8080": "update",
                       "dns.records/dev/site-a/validation": "update", "dns.records/dev/site-a/alias": "update",
                       "cdn.distribution/dev/site-a": "update", "ecs.service/dev/site-a": "update"}
    assert once(url, apps) == 0
    assert set(https_rules(url)) == {"a.example.com,www.a.example.com"}
    [group] = elb.describe_target_groups()["TargetGroups"]
    assert group["HealthCheckPath"] == "/" and int(group["HealthCheckIntervalSeconds"]) == 15
    after = records(url, zone)
    assert after[(validation, "CNAME")] == before[(validation, "CNAME")]
    assert after[("a.example.com", "A")] == alias
    assert sorted(distributions(url)["a.example.com"]["Aliases"]["Items"]) == ["a.example.com", "www.a.example.com"]
    [service] = client(url, "ecs").describe_services(cluster="sc-dev", services=["site-a"])["services"]
    assert service["loadBalancers"][0]["targetGroupArn"] == group["TargetGroupArn"], "registered again, in place"
    assert plan_exit(url, apps) == 0


def test_sites_leave_one_by_one_and_the_load_balancer_goes_with_the_last(url, tmp_path):
    """The first by `--once --prune`, the last by `reconcile delete`, an API app staying throughout."""
    zone = hosted_zone(url)
    apps = tmp_path / "apps"
    first = site(apps, "site-a", "a.example.com").parent
    site(apps, "site-b", "b.example.com")
    write_app(apps, "posts-api")
    assert once(url, apps) == 0
    [balancer] = load_balancers(url)

    import shutil
    shutil.rmtree(first)
    assert once(url, apps, extra=["--prune"]) == 0
    assert [b["LoadBalancerArn"] for b in load_balancers(url)] == [balancer["LoadBalancerArn"]]
    assert set(https_rules(url)) == {"b.example.com"}
    assert [g["TargetGroupName"] for g in client(url, "elbv2").describe_target_groups()["TargetGroups"]] == [
        "sc-dev-site-b-8080"]
    names = {name for name, _ in records(url, zone)}
    assert not any("a.example.com" in name for name in names)
    assert set(distributions(url)) == {"b.example.com"}
    assert [c["DomainName"] for c in client(url, "acm").list_certificates()["CertificateSummaryList"]] == ["b.example.com"]

    # `reconcile delete` of the last site: the API app remains, the load balancer goes all the same.
    assert main(["delete", str(apps / "site-b"), "--timeout", "90", "--target", url]) == 0
    shutil.rmtree(apps / "site-b")
    assert load_balancers(url) == []
    assert len(client(url, "apigatewayv2").get_vpc_links()["Items"]) == 1, "what the API needs stays"
    assert distributions(url) == {}
    groups = client(url, "ec2").describe_security_groups()["SecurityGroups"]
    assert "sc-dev-alb" not in {g["GroupName"] for g in groups}
    assert {name for name, _ in records(url, zone)} == {"example.com"}
    assert plan_exit(url, apps) == 0


def test_a_new_entrypoint_port_gets_a_new_target_group_and_the_old_one_goes_once_unused(url, tmp_path):
    hosted_zone(url)
    spec = site(tmp_path, "shop", "shop.example.com")
    assert once(url, spec) == 0
    elb = client(url, "elbv2")
    [old] = elb.describe_target_groups()["TargetGroups"]
    (spec.parent / "src/Dockerfile").write_text((spec.parent / "src/Dockerfile").read_text().replace("8080", "3000"))
    assert once(url, spec) == 0
    [new] = elb.describe_target_groups()["TargetGroups"]
    assert (new["TargetGroupName"], new["Port"]) == ("sc-dev-shop-3000", 3000) and new["TargetGroupArn"] != old["TargetGroupArn"]
    [rule] = https_rules(url).values()
    assert [a.get("TargetGroupArn") for a in rule["Actions"]] == [new["TargetGroupArn"]]
    [service] = client(url, "ecs").describe_services(cluster="sc-dev", services=["shop"])["services"]
    assert service["loadBalancers"] == [{"targetGroupArn": new["TargetGroupArn"], "containerName": "app",
                                         "containerPort": 3000}]


def test_a_rollout_held_by_failing_health_checks_says_what_the_load_balancer_says(moto_server, url, tmp_path, capsys):
    hosted_zone(url)
    app = site(tmp_path / "apps", "site-a", "a.example.com")
    assert once(url, app) == 0
    [group] = client(url, "elbv2").describe_target_groups()["TargetGroups"]
    health = client(url, "elbv2").describe_target_health(TargetGroupArn=group["TargetGroupArn"])
    assert [(t["Target"]["Port"], t["TargetHealth"]["State"]) for t in health["TargetHealthDescriptions"]] == [(8080, "healthy")]

    moto_server.scheduler.fail_health_checks("sc-dev", "site-a")
    moto_server.scheduler.tick(moto_server.scheduler.clock() + 5)
    health = client(url, "elbv2").describe_target_health(TargetGroupArn=group["TargetGroupArn"])
    assert [t["TargetHealth"]["State"] for t in health["TargetHealthDescriptions"]] == ["unhealthy"]
    capsys.readouterr()
    try:
        assert main(["status", str(app), "--target", url, "--live", "-o", "json"]) == 1
        document = json.loads(capsys.readouterr().out)
        conditions = {c["type"]: c for spec in document["specs"].values() for c in spec["conditions"]}
        assert conditions["Progressing"]["status"] == "True"
        assert ("health check on port 8080 failed for 1 of 1 targets: Target.ResponseCodeMismatch "
                "(Health checks failed with these codes: [502])") in conditions["Progressing"]["message"]
        # --once waits for the rollout and, at its timeout, says why it is still waiting.
        assert main(["--once", str(app), "--timeout", "8", "--target", url]) == 3
        summary = capsys.readouterr().out
        assert "health check on port 8080 failed" in summary, summary
    finally:
        moto_server.scheduler.recover_service("sc-dev", "site-a")
    assert once(url, app) == 0
