"""The DNS records a person adds at their registrar, for the apps with `dns: external` (we write
them ourselves with `dns: route53`): the certificates' validation CNAMEs (kept after issuance:
ACM renews through them) and each name's CNAME to CloudFront (or to API Gateway for an API's
custom domain). Gathered from observed outputs (the same `Status.outputs` status shows), so
`--once` and `status` print the same table, and `status -o json` carries it as `dnsRecords`.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from reconciler.design import EnvironmentDesign
from reconciler.resource import Key

# Kinds and outputs read here (the engine does not import controllers: the names are the contract).
CERTIFICATE, VALIDATION_RECORDS = "acm.certificate", "validation_records"
DISTRIBUTION, DISTRIBUTION_DOMAIN = "cdn.distribution", "domain_name"
API_DOMAIN, API_TARGET = "api.domain_name", "target_domain"
CERTIFICATE_NAMES = ("", "edge")


@dataclass(frozen=True)
class Record:
    name: str
    type: str
    value: str | None  # None: not known yet (the resource it points at does not exist yet)
    purpose: str

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "type": self.type, "value": self.value, "purpose": self.purpose}


def external_records(designs: Sequence[EnvironmentDesign], outputs: Mapping[Key, Mapping[str, Any]]) -> dict[str, list[Record]]:
    """Scope (`env/app`) -> the records to add, for every app with `dns: external`."""
    found: dict[str, list[Record]] = {}
    for env in designs:
        for app in env.apps:
            if app.hosting is not None and app.hosting.dns == "external":
                names, target_kind, target_output, what = app.hosting.names, DISTRIBUTION, DISTRIBUTION_DOMAIN, "CloudFront"
            elif app.api is not None and app.api.domain and app.api.dns == "external":
                names, target_kind, target_output, what = (app.api.domain,), API_DOMAIN, API_TARGET, "API Gateway"
            else:
                continue
            records: dict[str, Record] = {}
            for name in CERTIFICATE_NAMES:
                for line in outputs.get(Key(CERTIFICATE, env.name, app.name, name), {}).get(VALIDATION_RECORDS) or []:
                    record_name, record_type, value = line.split()
                    records.setdefault(record_name.lower(), Record(record_name, record_type, value, "certificate validation"))
            target = outputs.get(Key(target_kind, env.name, app.name), {}).get(target_output)
            for name in names:
                records.setdefault(name, Record(name, "CNAME", target, f"the site, through {what}"))
            found[f"{env.name}/{app.name}"] = list(records.values())
    return found


def table(records: Sequence[Record]) -> list[str]:
    """Copy-pasteable lines: NAME TYPE VALUE, aligned."""
    rows = [("NAME", "TYPE", "VALUE")] + [(r.name, r.type, r.value or "(known once it exists: run again)") for r in records]
    widths = [max(len(row[i]) for row in rows) for i in range(2)]
    lines = [f"{row[0]:<{widths[0]}}  {row[1]:<{widths[1]}}  {row[2]}" for row in rows]
    if any(r.purpose.startswith("the site") for r in records):
        lines.append("(where NAME is the apex of your zone a CNAME cannot sit: use your provider's ALIAS/ANAME record)")
    return lines


def print_tables(found: Mapping[str, Sequence[Record]]) -> None:
    for scope, records in sorted(found.items()):
        if records:
            print(f"{scope}: add these DNS records at your registrar (dns: external):")
            for line in table(records):
                print(f"  {line}")
