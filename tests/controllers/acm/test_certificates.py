"""acm.certificate and acm.validation on the moto server: CloudFront's certificate requested in
us-east-1 whatever the environment's region, a certificate covering the names reused, a new one
beside the old when names are added (the old deleted once superseded), the extra certificate of
a create whose answer was lost deleted, and why validation waits (through a test double of our
own certificate-status reader: moto issues by timer and never looks at DNS)."""
from __future__ import annotations

from dataclasses import replace

import pytest

from controllers.acm import CertificateController, ValidationController
from controllers.acm import status as certificate_status
from reconciler.aws import ClientFactory
from reconciler.controller import Context
from reconciler.design import EnvironmentDesign
from reconciler.engine import converge
from reconciler.errors import AwaitingUser, RequeueAfter
from reconciler.ownership import as_list, tags_for
from reconciler.plan import make_plan
from reconciler.resource import Key
from reconciler.target import emulator_endpoint
from tests.hosting_support import CertificatesSay, site
from tests.support import design

CERTIFICATE = Key("acm.certificate", "dev", "shop")


def certificates(ctx: Context, region: str | None = None) -> list[dict]:
    acm = ctx.client("acm", region)
    return [acm.describe_certificate(CertificateArn=c["CertificateArn"])["Certificate"]
            for c in acm.list_certificates()["CertificateSummaryList"]]


def run(ctx, envs, kinds=None):
    return converge(kinds or [CertificateController()], envs, ctx, timeout=20, sleep=lambda s: None)


def test_cloudfront_certificate_is_requested_in_us_east_1_for_an_environment_elsewhere(moto_server, tmp_path):
    moto_server.reset()
    endpoint = replace(emulator_endpoint(moto_server.url), region="eu-west-1")
    ctx = Context(ClientFactory(endpoint))
    [env] = design(site(tmp_path, "shop", "shop.example.com", aliases=("www.shop.example.com",)))
    env = EnvironmentDesign(env.name, env.apps, replace(env.location, region="eu-west-1"))
    assert run(ctx, [env]).converged
    [regional], [edge] = certificates(ctx, "eu-west-1"), certificates(ctx, "us-east-1")
    for found in (regional, edge):
        assert sorted(found["SubjectAlternativeNames"]) == ["shop.example.com", "www.shop.example.com"]
    assert make_plan([CertificateController()], [env], ctx.new_pass()).empty


def test_a_certificate_covering_the_names_is_reused_and_a_new_one_supersedes_it_when_names_are_added(ctx, tmp_path):
    two = design(site(tmp_path, "shop", "shop.example.com", aliases=("www.shop.example.com",)))
    assert run(ctx, two).converged
    [first] = certificates(ctx)
    one = design(site(tmp_path, "shop", "shop.example.com"))
    assert make_plan([CertificateController()], one, ctx.new_pass()).empty, "an alias removed needs no new certificate"

    three = design(site(tmp_path, "shop", "shop.example.com", aliases=("www.shop.example.com", "m.shop.example.com")))
    report = run(ctx, three)
    assert report.converged
    assert [action for action, _ in report.applied] == ["create", "update"], "requested beside it, then the old deleted"
    [kept] = certificates(ctx)
    assert kept["CertificateArn"] != first["CertificateArn"] and "m.shop.example.com" in kept["SubjectAlternativeNames"]


def test_the_extra_certificate_of_a_create_whose_answer_was_lost_is_deleted(ctx, tmp_path):
    envs = design(site(tmp_path, "shop", "shop.example.com"))
    assert run(ctx, envs).converged
    ctx.client("acm").request_certificate(DomainName="shop.example.com", ValidationMethod="DNS",
                                          Tags=as_list(tags_for(CERTIFICATE)))
    assert len(certificates(ctx)) == 2
    assert run(ctx, envs).converged
    assert len(certificates(ctx)) == 1


def _pending(ctx, tmp_path, monkeypatch, dns: str = "route53"):
    envs = design(site(tmp_path, "shop", "shop.example.com", dns=dns))
    assert run(ctx, envs).converged
    monkeypatch.setattr(certificate_status, "READER", CertificatesSay("PENDING_VALIDATION"))
    plan = make_plan([CertificateController(), ValidationController()], envs, ctx.new_pass())
    return plan, plan.resources[Key("acm.validation", "dev", "shop")]


def test_pending_validation_says_the_record_is_missing_or_holds_another_value(ctx, tmp_path, monkeypatch):
    zone = ctx.client("route53").create_hosted_zone(Name="example.com", CallerReference="z")["HostedZone"]["Id"]
    plan, validation = _pending(ctx, tmp_path, monkeypatch)
    assert "is not in zone example.com yet" in plan.observations[validation.key].message
    with pytest.raises(RequeueAfter) as waiting:
        ValidationController().create(validation, ctx.new_pass())
    assert not isinstance(waiting.value, AwaitingUser), "we write that record ourselves: nothing for a person to do"

    [record] = certificate_status.AcmStatusReader().read(ctx.new_pass(), "us-east-1", validation.desired["CertificateArn"]).records
    ctx.client("route53").change_resource_record_sets(HostedZoneId=zone, ChangeBatch={"Changes": [{
        "Action": "UPSERT", "ResourceRecordSet": {"Name": record.name, "Type": "CNAME", "TTL": 300,
                                                  "ResourceRecords": [{"Value": "stale.example.net"}]}}]})
    plan = make_plan([CertificateController(), ValidationController()], design(site(tmp_path, "shop", "shop.example.com")),
                     ctx.new_pass())
    assert "holds stale.example.net" in plan.observations[validation.key].message


def test_pending_validation_with_external_dns_waits_for_a_person(ctx, tmp_path, monkeypatch):
    _, validation = _pending(ctx, tmp_path, monkeypatch, dns="external")
    with pytest.raises(AwaitingUser, match="add these records at your DNS provider"):
        ValidationController().create(validation, ctx.new_pass())


def test_an_issued_certificate_is_what_its_users_get(ctx, tmp_path, monkeypatch):
    envs = design(site(tmp_path, "shop", "shop.example.com"))
    monkeypatch.setattr(certificate_status, "READER", CertificatesSay("ISSUED"))
    report = run(ctx, envs, [CertificateController(), ValidationController()])
    assert report.converged
    [found] = certificates(ctx)
    assert report.status.outputs[Key("acm.validation", "dev", "shop")]["arn"] == found["CertificateArn"]
