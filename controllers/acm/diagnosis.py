"""Why a certificate stays PENDING_VALIDATION, where we can tell (no peer says): the validation
record is missing from the zone or holds another value; the zone we write to is not the one the
world asks (its parent's NS records, or the registrar's name servers when the domain is
registered with Route 53 Domains in this account, point elsewhere); or AWS is simply still
checking. Read-only; cached per pass. With `dns: external` we cannot read the user's DNS: we say
which records to add.

We do not resolve DNS ourselves (no resolver dependency, and the machine running us may not see
the public internet): a delegation made at a registrar outside Route 53 is reported as unknown.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from controllers.acm import aws
from controllers.acm.status import US_EAST_1, CertificateStatus, ValidationRecord
from reconciler.controller import Context
from reconciler.domains import parent, plain, zone_for


@dataclass(frozen=True)
class Diagnosis:
    message: str
    needs_person: bool  # only a person can fix it (records at a registrar, a delegation)


def diagnose(ctx: Context, certificate: CertificateStatus, dns: str) -> Diagnosis:
    pending = [r for r in certificate.records if r.status in ("", "PENDING_VALIDATION")] or list(certificate.records)
    if dns == "external":
        lines = "; ".join(r.line() for r in pending)
        return Diagnosis(f"add these records at your DNS provider: {lines} (`reconcile status` prints them as a "
                         f"table); once they resolve AWS validates within minutes", True)
    zones = ctx.cache.get(("acm", "route53", "zones"), lambda: aws.public_zones(_route53(ctx)))
    problems: list[str] = []
    person = False
    unknown: set[str] = set()
    for record in pending:
        found = zone_for(record.name, zones)
        if not found:
            problems.append(f"no public hosted zone in this account holds {plain(record.name)} (create one for "
                            f"{record.domain}, or use dns: external)")
            person = True
            continue
        zone = found[0]
        problems += _record_problem(ctx, zone, record)
        delegation = _delegation(ctx, zone, zones)
        if delegation is None:
            unknown.add(plain(zone["Name"]))
        elif delegation:
            problems.append(delegation)
            person = True
    if problems:
        return Diagnosis("; ".join(dict.fromkeys(problems)), person)
    note = (f" (the delegation of {', '.join(sorted(unknown))} could not be checked: registered outside Route 53)"
            if unknown else "")
    return Diagnosis("the validation records are in place and the zone is delegated; AWS is still checking "
                     "(usually minutes)" + note, False)


def _route53(ctx: Context) -> Any:
    return ctx.client("route53")


def _records(ctx: Context, zone: dict, name: str) -> list[dict]:
    return ctx.cache.get(("acm", "route53", "at", zone["Id"], plain(name)),
                         lambda: aws.record_sets_at(_route53(ctx), zone["Id"], name))


def _record_problem(ctx: Context, zone: dict, record: ValidationRecord) -> list[str]:
    found = [r for r in _records(ctx, zone, record.name) if r["Type"] == record.type]
    if not found:
        return [f"the validation record {plain(record.name)} is not in zone {plain(zone['Name'])} yet"]
    values = {plain(v["Value"]) for v in found[0].get("ResourceRecords") or []}
    if values != {plain(record.value)}:
        return [f"the validation record {plain(record.name)} in zone {plain(zone['Name'])} holds "
                f"{', '.join(sorted(values))}, not {plain(record.value)}"]
    return []


def _delegation(ctx: Context, zone: dict, zones: list[dict]) -> str | None:
    """'' when the zone is delegated to its own name servers, a message when it is not, None
    when we cannot tell."""
    return ctx.cache.get(("acm", "route53", "delegation", zone["Id"]), lambda: _check_delegation(ctx, zone, zones))


def _check_delegation(ctx: Context, zone: dict, zones: list[dict]) -> str | None:
    name = plain(zone["Name"])
    own = {plain(n) for n in aws.name_servers(_route53(ctx), zone["Id"])}
    above = [z for z in zone_for(parent(name), zones) if z["Id"] != zone["Id"]] if parent(name) else []
    if above:
        holder = above[0]
        ns = [r for r in _records(ctx, holder, name) if r["Type"] == "NS"]
        if not ns:
            return f"zone {name} is not delegated: its parent zone {plain(holder['Name'])} has no NS record for it"
        listed = {plain(v["Value"]) for v in ns[0].get("ResourceRecords") or []}
        if listed != own:
            return (f"the parent zone {plain(holder['Name'])} delegates {name} to {', '.join(sorted(listed))}, but "
                    f"zone {name} ({zone['Id'].rsplit('/', 1)[-1]}) is served by {', '.join(sorted(own))}")
        return ""
    registered = aws.registered_name_servers(ctx.client("route53domains", US_EAST_1), name)
    if registered is None:
        return None
    if {plain(n) for n in registered} != own:
        return (f"the domain {name} is registered with name servers {', '.join(sorted(plain(n) for n in registered))}, "
                f"but its hosted zone is served by {', '.join(sorted(own))}: set the domain's name servers to the zone's")
    return ""
