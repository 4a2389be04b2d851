"""dns.records on the moto server, with fakes of our own protocol standing in for the
certificate and the distribution (their outputs are what the records point at): records and
their owner TXT written together, a foreign record refused unless adopted, one already right
taken over, names no longer wanted deleted, ours found from a key alone by their TXT records,
and a name no zone holds refused."""
from __future__ import annotations

import pytest

from controllers.dns import RecordsController
from reconciler.engine import converge
from reconciler.plan import make_plan
from reconciler.resource import Key
from reconciler import prune
from tests.controllers.api.stack import Given
from tests.hosting_support import site
from tests.support import design

TOKEN = "_d930b28be6c5927595552b219965053e"
TARGET = "_c9edd76ee4a0e2a74388032f3861cc50.ykybfrwcxw.acm-validations.aws."
CLOUDFRONT = "d111111abcdef8.cloudfront.net"


def controllers(names: tuple[str, ...] = ("shop.example.com",)) -> list:
    lines = [f"{TOKEN}.{n}. CNAME {TARGET}" for n in names]
    return [Given("acm.certificate", "app", {"arn": "arn:cert", "validation_records": lines}),
            Given("cdn.distribution", "app", {"domain_name": CLOUDFRONT, "hosted_zone_id": "Z2FDTNDATAQYW2"}),
            RecordsController()]


@pytest.fixture
def zone(ctx) -> str:
    return ctx.client("route53").create_hosted_zone(Name="example.com", CallerReference="z")["HostedZone"]["Id"]


def sets(ctx, zone: str) -> dict[tuple[str, str], dict]:
    found = ctx.client("route53").list_resource_record_sets(HostedZoneId=zone)["ResourceRecordSets"]
    return {(r["Name"].rstrip("."), r["Type"]): r for r in found}


def run(ctx, spec, kinds=None):
    report = converge(kinds or controllers(), design(spec), ctx, timeout=20, sleep=lambda s: None)
    return report


def test_records_and_their_owner_txt_are_written_together_and_a_second_plan_is_empty(ctx, zone, tmp_path):
    spec = site(tmp_path, "shop", "shop.example.com")
    assert run(ctx, spec).converged
    found = sets(ctx, zone)
    assert found[(f"{TOKEN}.shop.example.com", "CNAME")]["ResourceRecords"] == [{"Value": TARGET}]
    assert found[("shop.example.com", "A")]["AliasTarget"]["DNSName"].rstrip(".") == CLOUDFRONT
    owner = found[("_sc-owner.shop.example.com", "TXT")]["ResourceRecords"][0]["Value"]
    assert "reconcile.dev/app=shop" in owner and "record-types=A/AAAA" in owner
    assert make_plan(controllers(), design(spec), ctx.new_pass()).empty


def test_a_record_with_other_values_and_no_owner_is_refused_not_overwritten(ctx, zone, tmp_path):
    ctx.client("route53").change_resource_record_sets(HostedZoneId=zone, ChangeBatch={"Changes": [{
        "Action": "UPSERT", "ResourceRecordSet": {"Name": "shop.example.com", "Type": "A", "TTL": 60,
                                                  "ResourceRecords": [{"Value": "192.0.2.1"}]}}]})
    spec = site(tmp_path, "shop", "shop.example.com")
    report = run(ctx, spec)
    assert [str(o.key) for o in report.refused] == ["dns.records/dev/shop/alias"]
    assert "not created by this reconciler" in report.refused[0].message
    assert sets(ctx, zone)[("shop.example.com", "A")]["ResourceRecords"] == [{"Value": "192.0.2.1"}]

    adopting = site(tmp_path, "shop", "shop.example.com")
    adopting.write_text(adopting.read_text() + "  adopt: true\n")
    assert run(ctx, adopting).converged
    assert sets(ctx, zone)[("shop.example.com", "A")]["AliasTarget"]["DNSName"].rstrip(".") == CLOUDFRONT


def test_a_record_already_holding_our_values_is_taken_over(ctx, zone, tmp_path):
    ctx.client("route53").change_resource_record_sets(HostedZoneId=zone, ChangeBatch={"Changes": [{
        "Action": "UPSERT", "ResourceRecordSet": {"Name": f"{TOKEN}.shop.example.com", "Type": "CNAME", "TTL": 300,
                                                  "ResourceRecords": [{"Value": TARGET}]}}]})
    spec = site(tmp_path, "shop", "shop.example.com")
    report = run(ctx, spec)
    assert report.converged and not report.refused
    assert (f"_sc-owner.{TOKEN}.shop.example.com", "TXT") in sets(ctx, zone)


def test_a_name_no_longer_wanted_is_deleted_with_its_owner_record(ctx, zone, tmp_path):
    spec = site(tmp_path, "shop", "shop.example.com", aliases=("www.shop.example.com",))
    assert run(ctx, spec, controllers(("shop.example.com", "www.shop.example.com"))).converged
    assert ("www.shop.example.com", "AAAA") in sets(ctx, zone)
    spec = site(tmp_path, "shop", "shop.example.com")
    assert run(ctx, spec).converged
    names = {name for name, _ in sets(ctx, zone)}
    assert not any("www.shop" in name for name in names)
    assert "shop.example.com" in names and "_sc-owner.shop.example.com" in names


def test_records_of_an_app_whose_spec_is_gone_are_found_by_their_owner_records_and_deleted(ctx, zone, tmp_path):
    spec = site(tmp_path, "shop", "shop.example.com")
    assert run(ctx, spec).converged
    kinds = controllers()
    extra = prune.leaving(kinds, "dev", {"shop": None}, [], environment_goes=False, reason=prune.SPEC_REMOVED)
    records = [r for r in extra if r.key.kind == "dns.records"]
    assert {r.key for r in records} == {Key("dns.records", "dev", "shop", "validation"), Key("dns.records", "dev", "shop", "alias")}
    report = converge(kinds, [], ctx, timeout=20, sleep=lambda s: None, extra=records)
    assert report.converged
    assert {name for name, _ in sets(ctx, zone)} == {"example.com"}, "only the zone's own NS and SOA are left"


def test_the_longest_matching_zone_holds_the_records_and_a_name_no_zone_holds_is_refused(ctx, zone, tmp_path):
    sub = ctx.client("route53").create_hosted_zone(Name="shop.example.com", CallerReference="s")["HostedZone"]["Id"]
    spec = site(tmp_path, "shop", "shop.example.com")
    assert run(ctx, spec).converged
    assert ("shop.example.com", "A") in sets(ctx, sub) and ("shop.example.com", "A") not in sets(ctx, zone)

    other = site(tmp_path, "blog", "blog.example.net")
    report = run(ctx, other, controllers(("blog.example.net",)))
    assert {str(o.key) for o in report.refused} == {"dns.records/dev/blog/validation", "dns.records/dev/blog/alias"}
    assert all("no public hosted zone in this account holds" in o.message for o in report.refused)
