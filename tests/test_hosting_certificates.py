"""Certificates through the CLI: with `dns: external` the records to add are printed and `--once`
exits 6 instead of hanging while validation waits for a person; a FAILED certificate is a
refusal with AWS's reason; a zone not delegated to where we write is said. moto issues every
certificate by timer and never fails one: waiting and failing go through a test double of our
own certificate-status reader (tests.hosting_support.CertificatesSay), never of boto3."""
from __future__ import annotations

import json

import pytest

from controllers.acm import status as certificate_status
from reconciler.cli import main
from reconciler.errors import EXIT_AWAITING, EXIT_OK, EXIT_REFUSED
from tests.daemon.harness import wait_until
from tests.hosting_support import CertificatesSay, client, distributions, hosted_zone, once, site


@pytest.fixture
def url(moto_server):
    moto_server.reset()
    return moto_server.url


def test_external_dns_prints_the_records_and_exits_6_until_the_certificate_is_issued(url, tmp_path, capsys,
                                                                                         monkeypatch):
    spec = site(tmp_path, "shop", "shop.example.org", aliases=("www.shop.example.org",), dns="external")
    monkeypatch.setattr(certificate_status, "READER", CertificatesSay("PENDING_VALIDATION"))
    assert once(url, spec) == EXIT_AWAITING
    captured = capsys.readouterr()
    assert "dev/shop: add these DNS records at your registrar" in captured.out
    table = [line.split() for line in captured.out.splitlines() if line.startswith("  _")]
    assert {row[0].rstrip(".") for row in table} == {
        "_d930b28be6c5927595552b219965053e.shop.example.org", "_d930b28be6c5927595552b219965053e.www.shop.example.org"}
    assert all(row[1] == "CNAME" and row[2].endswith("acm-validations.aws.") for row in table)
    assert "waiting for you" in captured.err and "exit 6" in captured.err
    public = [z for z in client(url, "route53").list_hosted_zones()["HostedZones"] if not z["Config"]["PrivateZone"]]
    assert public == [], "nothing is written to Route 53"

    assert main(["status", str(spec), "-o", "json", "--target", url]) == 1  # not Ready: the condition stays
    document = json.loads(capsys.readouterr().out)["specs"]["dev/shop"]
    assert {r["purpose"] for r in document["dnsRecords"]} == {"certificate validation", "the site, through CloudFront"}
    conditions = document["resources"]["acm.validation/dev/shop"]["conditions"]
    assert any("add these records at your DNS provider" in c["message"] for c in conditions)

    monkeypatch.setattr(certificate_status, "READER", certificate_status.AcmStatusReader())  # the records are in
    # ... and AWS has validated them: moto issues the certificate on a timer after its request,
    # which a fast first run may not have outlived yet (then `--once` rightly exits 6 again).
    acm = client(url, "acm")
    wait_until(lambda: {c["Status"] for c in acm.list_certificates()["CertificateSummaryList"]} == {"ISSUED"}, 30,
               "moto issued the certificate")
    assert once(url, spec) == EXIT_OK
    out = capsys.readouterr().out
    cloudfront = distributions(url)["shop.example.org"]["DomainName"]
    assert ["shop.example.org", "CNAME", cloudfront] in [line.split() for line in out.splitlines()]


def test_a_failed_certificate_is_refused_with_aws_reason_at_once(url, tmp_path, capsys, monkeypatch):
    hosted_zone(url)
    spec = site(tmp_path, "shop", "shop.example.com")
    monkeypatch.setattr(certificate_status, "READER", CertificatesSay("FAILED", "CAA_ERROR"))
    assert once(url, spec) == EXIT_REFUSED
    err = capsys.readouterr().err
    assert "refused acm.validation/dev/shop" in err and "is FAILED: CAA_ERROR" in err
    assert "CAA record" in err and "aws acm delete-certificate" in err
    assert distributions(url) == {}, "nothing is given a certificate that will never be issued"


def test_a_zone_not_delegated_from_its_parent_is_named_and_waits_for_a_person(url, tmp_path, capsys, monkeypatch):
    parent = hosted_zone(url, "example.com")
    hosted_zone(url, "shop.example.com")
    client(url, "route53").change_resource_record_sets(HostedZoneId=parent, ChangeBatch={"Changes": [{
        "Action": "UPSERT", "ResourceRecordSet": {"Name": "shop.example.com", "Type": "NS", "TTL": 300,
                                                  "ResourceRecords": [{"Value": "ns1.elsewhere.net"}]}}]})
    spec = site(tmp_path, "shop", "shop.example.com")
    monkeypatch.setattr(certificate_status, "READER", CertificatesSay("PENDING_VALIDATION"))
    assert once(url, spec) == EXIT_AWAITING
    err = capsys.readouterr().err
    assert "the parent zone example.com delegates shop.example.com to ns1.elsewhere.net" in err
