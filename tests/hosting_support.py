"""Builders for the hosting front-door tests: specs, a hosted zone, boto3 reads for the
assertions, and the test double of our own certificate-status reader (moto issues every
certificate by timer and never fails one)."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import boto3

from controllers.acm import status as certificate_status
from reconciler.cli import main
from tests.support import write_app

ZONE = "example.com"


def client(url: str, service: str, region: str = "us-east-1"):
    return boto3.client(service, endpoint_url=url, region_name=region, aws_access_key_id="x", aws_secret_access_key="x")


def hosted_zone(url: str, name: str = ZONE) -> str:
    return client(url, "route53").create_hosted_zone(Name=name, CallerReference=f"test-{name}")["HostedZone"]["Id"]


def site(root: Path, name: str, domain: str, *, aliases: tuple[str, ...] = (), restrict: bool = False,
         dns: str = "route53") -> Path:
    alias_list = ", ".join(aliases)
    return write_app(root, name, spec_extra=f"hosting:\n  domain: {domain}\n  aliases: [{alias_list}]\n"
                                            f"  restrictAccess: {str(restrict).lower()}\n  dns: {dns}\n")


def once(url: str, *paths, extra=()) -> int:
    return main(["--once", *map(str, paths), "--timeout", "90", "--target", url, *extra])


def plan_exit(url: str, *paths) -> int:
    return main(["plan", *map(str, paths), "--detailed-exitcode", "--target", url])


def records(url: str, zone_id: str) -> dict[tuple[str, str], dict]:
    found = client(url, "route53").list_resource_record_sets(HostedZoneId=zone_id)["ResourceRecordSets"]
    return {(r["Name"].rstrip("."), r["Type"]): r for r in found}


def load_balancers(url: str) -> list[dict]:
    return client(url, "elbv2").describe_load_balancers()["LoadBalancers"]


def https_rules(url: str) -> dict[str, dict]:
    """Host names -> rule, on the HTTPS listener of the one load balancer."""
    elb = client(url, "elbv2")
    [balancer] = load_balancers(url)
    listener = next(li for li in elb.describe_listeners(LoadBalancerArn=balancer["LoadBalancerArn"])["Listeners"]
                    if li["Port"] == 443)
    rules = elb.describe_rules(ListenerArn=listener["ListenerArn"])["Rules"]
    return {",".join(sorted(r["Conditions"][0]["HostHeaderConfig"]["Values"])): r for r in rules if not r["IsDefault"]}


def distributions(url: str) -> dict[str, dict]:
    """First alias -> distribution summary."""
    items = client(url, "cloudfront").list_distributions()["DistributionList"].get("Items") or []
    return {sorted(d["Aliases"]["Items"])[0]: d for d in items if d["Aliases"].get("Items")}


class CertificatesSay:
    """A test double of our own certificate-status reader: every certificate reports `status`
    (and `reason`) whatever moto says, everything else as moto has it."""

    def __init__(self, status: str, reason: str = "") -> None:
        self.status, self.reason = status, reason
        self.real = certificate_status.AcmStatusReader()

    def read(self, ctx, region, arn):
        found = self.real.read(ctx, region, arn)
        if found is None:
            return None
        records = tuple(replace(r, status=self.status) for r in found.records)
        return replace(found, status=self.status, failure_reason=self.reason, records=records)
