"""dns.records: the Route 53 records of an app with `dns: route53`, as two resources:
"validation" (the ACM validation CNAMEs of its certificates; one per name: the regional and
us-east-1 certificates share them) and "alias" (A and AAAA aliases of the hosting app's names
to its CloudFront distribution, or an A alias of an API's custom domain to API Gateway).

Each record goes in the public hosted zone whose name is the longest suffix of the record's
(a name no zone holds, or two zones of that name, is refused: the spec or the account must
change). Records cannot be tagged: beside each name we own sits a TXT record
`_sc-owner.<name>` with our tags and the record types we own there (external-dns's idea). It
is what makes a record ours: a record at one of our names with other values and no such TXT
record of ours is refused (not overwritten) unless the spec adopts it; one that already holds
exactly our values is taken over. The state store's inventory says which of these resources
an app made (prune); the TXT records say which records they are, which also finds them from a
key alone (prune of an app whose spec is gone scans the zones for our TXT records).

Writes are one UPSERT ChangeBatch per zone (the record and its TXT together: no moment where a
record of ours lacks its owner). Drift (a value changed, a record deleted) is restored; a name
no longer wanted (an alias removed) is deleted with its TXT record. Observed with one
ListResourceRecordSets walk per zone involved per pass. moto: changes are INSYNC at once, and
CREATE of an existing record succeeds (we only UPSERT and DELETE).
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from controllers.dns import aws, compare
from reconciler import naming
from reconciler.controller import BaseController, Context
from reconciler.design import AppDesign, EnvironmentDesign
from reconciler.domains import plain, zone_for
from reconciler.errors import TerminalError
from reconciler.ownership import TAG_APP, TAG_ENVIRONMENT, TAG_KIND, TAG_NAME, tags_for
from reconciler.resource import UNKNOWN, FieldChange, Key, Observation, Ref, Resource
from reconciler.compare import diff_fields

KIND = "dns.records"
VALIDATION, ALIAS = "validation", "alias"
US_EAST_1 = "us-east-1"
SERVICE = "route53"


def wanted(app: AppDesign, region: str) -> dict[str, list[Any]]:
    """Key name -> desired Records of an app whose DNS is ours to write."""
    if app.hosting is not None and app.hosting.dns == "route53":
        certificates = [Ref("acm.certificate", "validation_records", app=True)]
        if region != US_EAST_1:
            certificates.append(Ref("acm.certificate", "validation_records", name="edge", app=True))
        target = {"HostedZoneId": Ref("cdn.distribution", "hosted_zone_id", app=True),
                  "DNSName": Ref("cdn.distribution", "domain_name", app=True), "EvaluateTargetHealth": False}
        aliases = [{"Name": n, "Type": t, "Alias": target} for n in app.hosting.names for t in ("A", "AAAA")]
        return {VALIDATION: certificates, ALIAS: aliases}
    if app.api is not None and app.api.domain and app.api.dns == "route53":
        target = {"HostedZoneId": Ref("api.domain_name", "hosted_zone_id", app=True),
                  "DNSName": Ref("api.domain_name", "target_domain", app=True), "EvaluateTargetHealth": False}
        return {VALIDATION: [Ref("acm.certificate", "validation_records", app=True)],
                ALIAS: [{"Name": app.api.domain, "Type": "A", "Alias": target}]}
    return {}


class RecordsController(BaseController):
    kind = KIND
    scope = "app"
    outputs = frozenset({"names"})
    references = frozenset({"acm.certificate", "cdn.distribution", "api.domain_name"})
    standard_names = (VALIDATION, ALIAS)

    def identity(self, key: Key) -> dict[str, Any]:
        return {"Records": None}  # found by our owner TXT records

    def desired(self, env: EnvironmentDesign) -> list[Resource]:
        resources = []
        for app in env.apps:
            for name, records in wanted(app, env.location.region).items():
                key = Key(KIND, env.name, app.name, name)
                resources.append(Resource(key, {"Records": records}, tags_for(key, app.labels), app.adopt))
        return resources

    def observe(self, resources: Sequence[Resource], ctx: Context) -> Mapping[Key, Observation]:
        return {r.key: self._observe(r, ctx) for r in resources}

    def _observe(self, resource: Resource, ctx: Context) -> Observation:
        want = None if resource.desired["Records"] is None else compare.records(resource.desired["Records"])
        if want is UNKNOWN:
            return Observation.absent("waiting for what the records point at")
        zones = _zones(ctx)
        if want is None:
            scanned = zones
        else:
            placed = {r["Name"]: zone_for(r["Name"], zones) for r in want}
            if any(len(found) != 1 for found in placed.values()):
                return Observation.absent(_zone_problem(placed))
            scanned = list({z[0]["Id"]: z[0] for z in placed.values()}.values())
        sets = {z["Id"]: _record_sets(ctx, z["Id"]) for z in scanned}
        owned = _owned(resource.key, sets)
        names = ({r["Name"] for r in want} if want else set()) | set(owned)
        types = {(r["Name"], r["Type"]) for r in want or []} | {(n, t) for n, (_, ts, _) in owned.items() for t in ts}
        existing = {(plain(s["Name"]), s["Type"]): (zone_id, s) for zone_id, items in sets.items() for s in items
                    if (plain(s["Name"]), s["Type"]) in types}
        claims = {n: compare.owner_tags(_txt(sets, n)) for n in names}
        if not existing and not owned:
            return Observation.absent()
        fields = {"Records": sorted((compare.observed(s) for _, s in existing.values()), key=_order),
                  "Owned": sorted(owned)}
        return Observation(True, fields=fields, outputs={"names": sorted(names)},
                           tags=_ownership(resource, want or [], existing, claims),
                           state={"existing": existing, "owned": owned})

    def diff(self, resource: Resource, observation: Observation) -> list[FieldChange]:
        want = compare.records(resource.desired["Records"]) if resource.desired["Records"] is not None else []
        owned = UNKNOWN if want is UNKNOWN else sorted({r["Name"] for r in want})
        return diff_fields({"Records": want, "Owned": owned}, observation.fields)

    def create(self, resource: Resource, ctx: Context) -> Mapping[str, Any]:
        return self._write(resource, ctx, {})

    def update(self, resource: Resource, observation: Observation, changes: Sequence[FieldChange],
               ctx: Context) -> Mapping[str, Any]:
        return self._write(resource, ctx, observation.state or {})

    def _write(self, resource: Resource, ctx: Context, state: Mapping[str, Any]) -> Mapping[str, Any]:
        want = compare.records(resource.desired["Records"])
        zones = _zones(ctx)
        placed = {r["Name"]: zone_for(r["Name"], zones) for r in want}
        if any(len(found) != 1 for found in placed.values()):
            raise TerminalError(f"{resource.key}: {_zone_problem(placed)}", "NoHostedZone")
        batches: dict[str, list[dict]] = {}
        types: dict[str, set[str]] = {}
        for record in want:
            zone_id = placed[record["Name"]][0]["Id"]
            batches.setdefault(zone_id, []).append({"Action": "UPSERT", "ResourceRecordSet": compare.record_set(record)})
            types.setdefault(record["Name"], set()).add(record["Type"])
        for name, kinds in types.items():
            owner = {"Name": naming.owner_record_name(name), "Type": "TXT", "TTL": compare.TTL,
                     "ResourceRecords": [{"Value": compare.owner_value(resource.tags, kinds)}]}
            batches[placed[name][0]["Id"]].append({"Action": "UPSERT", "ResourceRecordSet": owner})
        for name, (zone_id, owned_types, txt) in (state.get("owned") or {}).items():
            gone = [t for t in owned_types if t not in types.get(name, set())]
            batches.setdefault(zone_id, []).extend(_deletions(state, name, gone, None if name in types else txt))
        route53 = ctx.client(SERVICE)
        for zone_id, changes in batches.items():
            if changes:
                aws.change(route53, zone_id, changes, f"{resource.key}")
        return {"names": sorted(types)}

    def delete(self, key: Key, observation: Observation, ctx: Context) -> None:
        state = observation.state or {}
        batches: dict[str, list[dict]] = {}
        for name, (zone_id, owned_types, txt) in (state.get("owned") or {}).items():
            batches.setdefault(zone_id, []).extend(_deletions(state, name, owned_types, txt))
        route53 = ctx.client(SERVICE)
        for zone_id, changes in batches.items():
            if changes:
                aws.change(route53, zone_id, changes, f"{key} deleted")


def _zones(ctx: Context) -> list[dict]:
    return ctx.cache.get((SERVICE, "zones"), lambda: aws.public_zones(ctx.client(SERVICE)))


def _record_sets(ctx: Context, zone_id: str) -> list[dict]:
    return ctx.cache.get((SERVICE, "sets", zone_id), lambda: aws.record_sets(ctx.client(SERVICE), zone_id))


def _txt(sets: Mapping[str, list[dict]], name: str) -> dict | None:
    owner = plain(naming.owner_record_name(name))
    return next((s for items in sets.values() for s in items if s["Type"] == "TXT" and plain(s["Name"]) == owner), None)


def _owned(key: Key, sets: Mapping[str, list[dict]]) -> dict[str, tuple[str, list[str], dict]]:
    """Name -> (zone id, record types, owner TXT record set) of what our TXT records say this key owns."""
    prefix = naming.owner_record_name("")  # "_sc-owner."
    found = {}
    for zone_id, items in sets.items():
        for item in items:
            claim = compare.owner_tags(item) if item["Type"] == "TXT" and plain(item["Name"]).startswith(prefix) else None
            if claim is not None and _is_key(key, claim[0]):
                found[plain(item["Name"])[len(prefix):]] = (zone_id, claim[1], item)
    return found


def _is_key(key: Key, tags: Mapping[str, str]) -> bool:
    return (tags.get(TAG_KIND) == key.kind and tags.get(TAG_ENVIRONMENT) == key.environment
            and tags.get(TAG_APP) == key.app and tags.get(TAG_NAME, "") == key.name)


def _ownership(resource: Resource, want: list[dict], existing: Mapping, claims: Mapping[str, Any]) -> dict[str, str]:
    """The tags the engine judges ownership by: another owner's TXT record wins; a record with
    other values and no owner is foreign ({}); otherwise ours."""
    for name, claim in sorted(claims.items()):
        if claim is not None and not _is_key(resource.key, claim[0]):
            return claim[0]
    for record in want:
        found = existing.get((record["Name"], record["Type"]))
        if found is not None and claims.get(record["Name"]) is None and compare.observed(found[1]) != record:
            return {}
    return dict(resource.tags)


def _deletions(state: Mapping[str, Any], name: str, kinds: Sequence[str], txt: dict | None) -> list[dict]:
    changes = [{"Action": "DELETE", "ResourceRecordSet": state["existing"][(name, t)][1]}
               for t in kinds if (name, t) in state.get("existing", {})]
    return changes + ([{"Action": "DELETE", "ResourceRecordSet": txt}] if txt is not None else [])


def _zone_problem(placed: Mapping[str, list[dict]]) -> str:
    missing = sorted(n for n, z in placed.items() if not z)
    if missing:
        return (f"no public hosted zone in this account holds {', '.join(missing)}: create one (and delegate the "
                f"domain to it), or set dns: external and add the records yourself")
    several = {n: z for n, z in placed.items() if len(z) > 1}
    name, zones = sorted(several.items())[0]
    return (f"{len(zones)} public hosted zones are named {plain(zones[0]['Name'])} "
            f"({', '.join(z['Id'].rsplit('/', 1)[-1] for z in zones)}): delete the one the domain is not delegated to")


def _order(record: Mapping[str, Any]) -> tuple[str, str]:
    return record["Name"], record["Type"]
