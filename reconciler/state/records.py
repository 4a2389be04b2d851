"""What the state table holds, as typed records, and how each maps to one DynamoDB item.

Item layout (one partition per environment, sort keys per app and record type):

    pk = "env#<environment>"
      sk = "app#<app>"                      AppRecord: requirements, spec path, generation,
                                            last pass and outcome, suspend / rollback pin /
                                            failed revision (room for delivery and the daemon)
      sk = "res#<app|->#<kind>#<name>"      InventoryEntry: one resource we made (or are making)
      sk = "cond#<app|->"                   ConditionsRecord: Ready/Synced per subject, with the
                                            time each last changed status
      sk = "facts"                          FactsRecord: the account's immutable facts (account,
                                            partition, zones), so a command reads them with the state
    pk = "store", sk = "meta"               the table's own bookkeeping

Every item carries `version`: writes are conditional on the version read (or on the item not
existing), so two writers never clobber each other; the loser re-reads and tries again.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from reconciler.design import AppNeeds
from reconciler.resource import Key

ENV_APP = "-"  # stands for "no app" (environment-level) in sort keys


def partition(environment: str) -> str:
    return f"env#{environment}"


def app_sort_key(app: str) -> str:
    return f"app#{app}"


def resource_sort_key(key: Key) -> str:
    return f"res#{key.app or ENV_APP}#{key.kind}#{key.name}"


def conditions_sort_key(app: str | None) -> str:
    return f"cond#{app or ENV_APP}"


def needs_item(needs: AppNeeds) -> dict[str, Any]:
    item: dict[str, Any] = {"azCount": needs.az_count, "api": needs.api, "hosting": needs.hosting}
    if needs.cidr:
        item["cidr"] = needs.cidr
    return item


def needs_from_item(app: str, item: dict[str, Any] | None) -> AppNeeds:
    item = item or {}
    return AppNeeds(app, int(item.get("azCount", 1)), bool(item.get("api", False)), bool(item.get("hosting", False)),
                    item.get("cidr") or None)


@dataclass(frozen=True)
class AppRecord:
    environment: str
    app: str
    requirements: AppNeeds | None = None
    spec_path: str = ""
    generation: str = ""
    last_pass: str = ""
    outcome: str = ""
    # Room for what later issues add; kept as written by them.
    suspended: bool = False
    rollback_pin: str = ""
    failed_revision: str = ""
    version: int = 0
    # The git commit the spec was read from (the daemon's GitOps source), "" for a directory.
    commit: str = ""
    # Passes since the last one that read every resource of the app (reconciler.state.recall).
    recalls: int = 0

    def as_item(self) -> dict[str, Any]:
        item = {
            "pk": partition(self.environment), "sk": app_sort_key(self.app), "type": "app",
            "app": self.app, "requirements": needs_item(self.requirements or AppNeeds(self.app)), "specPath": self.spec_path,
            "generation": self.generation, "lastPass": self.last_pass, "outcome": self.outcome,
            "suspended": self.suspended, "rollbackPin": self.rollback_pin, "failedRevision": self.failed_revision,
        }
        if self.commit:
            item["commit"] = self.commit
        if self.recalls:
            item["recalls"] = self.recalls
        return item

    @classmethod
    def from_item(cls, environment: str, item: dict[str, Any]) -> "AppRecord":
        return cls(
            environment, item["app"], needs_from_item(item["app"], item.get("requirements")), item.get("specPath", ""),
            item.get("generation", ""), item.get("lastPass", ""), item.get("outcome", ""),
            bool(item.get("suspended", False)), item.get("rollbackPin", ""), item.get("failedRevision", ""),
            int(item.get("version", 0)), item.get("commit", ""), int(item.get("recalls", 0)),
        )

    def content(self) -> dict[str, Any]:
        """What a write compares to decide whether anything changed (not the pass time)."""
        item = self.as_item()
        item.pop("lastPass")
        item.pop("recalls", None)
        return item


PENDING = "pending"
CREATED = "created"


@dataclass(frozen=True)
class InventoryEntry:
    """One resource an app (or its environment) owns. `status` is "pending" from just before a
    create until the create's answer is recorded ("created"); `token` is the creation token the
    create was made with (idempotency token, creation tag), stable across retries and processes."""

    key: Key
    physical_id: str = ""
    region: str = ""
    status: str = CREATED
    token: str = ""
    since: str = ""
    version: int = 0

    def as_item(self) -> dict[str, Any]:
        return {
            "pk": partition(self.key.environment), "sk": resource_sort_key(self.key), "type": "resource",
            "kind": self.key.kind, "app": self.key.app or "", "name": self.key.name,
            "physicalId": self.physical_id, "region": self.region, "status": self.status,
            "token": self.token, "since": self.since,
        }

    @classmethod
    def from_item(cls, environment: str, item: dict[str, Any]) -> "InventoryEntry":
        key = Key(item["kind"], environment, item.get("app") or None, item.get("name", ""))
        return cls(key, item.get("physicalId", ""), item.get("region", ""), item.get("status", CREATED),
                   item.get("token", ""), item.get("since", ""), int(item.get("version", 0)))

    def content(self) -> dict[str, Any]:
        item = self.as_item()
        item.pop("since")
        return item

    def with_version(self, version: int) -> "InventoryEntry":
        return replace(self, version=version)


@dataclass(frozen=True)
class StoredCondition:
    status: bool
    reason: str
    message: str
    last_transition_time: str

    def as_item(self) -> dict[str, Any]:
        return {"status": self.status, "reason": self.reason, "message": self.message,
                "lastTransitionTime": self.last_transition_time}

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> "StoredCondition":
        return cls(bool(item.get("status")), item.get("reason", ""), item.get("message", ""),
                   item.get("lastTransitionTime", ""))


@dataclass(frozen=True)
class ResourceStatus:
    """A resource's conditions and its outputs (ids, ARNs, the API's endpoint) as last seen."""

    key: Key
    conditions: dict[str, StoredCondition]
    outputs: dict[str, Any] = field(default_factory=dict)
    # The last read that found it as desired: {"hash": fingerprint of the desired state, "at": ISO
    # time} (reconciler.state.recall); {} when it has to be read again.
    observed: dict[str, str] = field(default_factory=dict)

    def as_item(self) -> dict[str, Any]:
        item = {"kind": self.key.kind, "app": self.key.app or "", "name": self.key.name,
                "conditions": {t: c.as_item() for t, c in self.conditions.items()}, "outputs": self.outputs}
        if self.observed:
            item["observed"] = self.observed
        return item

    @classmethod
    def from_item(cls, environment: str, item: dict[str, Any]) -> "ResourceStatus":
        key = Key(item["kind"], environment, item.get("app") or None, item.get("name", ""))
        return cls(key, {t: StoredCondition.from_item(c) for t, c in (item.get("conditions") or {}).items()},
                   dict(item.get("outputs") or {}), dict(item.get("observed") or {}))


@dataclass(frozen=True)
class ConditionsRecord:
    """The status of one scope (an app, or the environment's shared resources): the scope's own
    conditions, and each resource's."""

    environment: str
    app: str | None
    spec: dict[str, StoredCondition] = field(default_factory=dict)
    resources: dict[Key, ResourceStatus] = field(default_factory=dict)
    observed_generation: str = ""
    version: int = 0

    @property
    def scope(self) -> str:
        return f"{self.environment}/{self.app}" if self.app else self.environment

    def as_item(self) -> dict[str, Any]:
        return {
            "pk": partition(self.environment), "sk": conditions_sort_key(self.app), "type": "conditions",
            "app": self.app or "", "observedGeneration": self.observed_generation,
            "spec": {t: c.as_item() for t, c in self.spec.items()},
            "resources": {resource_sort_key(k).removeprefix("res#"): r.as_item()
                          for k, r in sorted(self.resources.items())},
        }

    @classmethod
    def from_item(cls, environment: str, item: dict[str, Any]) -> "ConditionsRecord":
        resources = [ResourceStatus.from_item(environment, r) for r in (item.get("resources") or {}).values()]
        return cls(environment, item.get("app") or None,
                   {t: StoredCondition.from_item(c) for t, c in (item.get("spec") or {}).items()},
                   {r.key: r for r in resources}, item.get("observedGeneration", ""), int(item.get("version", 0)))

    def content(self) -> dict[str, Any]:
        return self.as_item()


FACTS_SORT_KEY = "facts"


@dataclass(frozen=True)
class FactsRecord:
    """Facts about the account and region that never change (the caller's account and partition,
    the availability zones), kept with each environment so that a command learns them from the
    Query it makes anyway instead of asking STS and EC2 again (issue 13)."""

    environment: str
    values: dict[str, Any] = field(default_factory=dict)
    version: int = 0

    def as_item(self) -> dict[str, Any]:
        return {"pk": partition(self.environment), "sk": FACTS_SORT_KEY, "type": "facts", "values": self.values}

    @classmethod
    def from_item(cls, environment: str, item: dict[str, Any]) -> "FactsRecord":
        return cls(environment, dict(item.get("values") or {}), int(item.get("version", 0)))


@dataclass
class EnvironmentState:
    """Everything the table holds for one environment, read with one Query."""

    environment: str
    apps: dict[str, AppRecord] = field(default_factory=dict)
    inventory: dict[Key, InventoryEntry] = field(default_factory=dict)
    conditions: dict[str | None, ConditionsRecord] = field(default_factory=dict)
    facts: FactsRecord | None = None

    @property
    def empty(self) -> bool:
        return not self.apps and not self.inventory

    def inventory_of(self, app: str | None) -> dict[Key, InventoryEntry]:
        return {k: e for k, e in self.inventory.items() if k.app == app}


def from_items(environment: str, items: list[dict[str, Any]]) -> EnvironmentState:
    state = EnvironmentState(environment)
    for item in items:
        kind = item.get("type")
        if kind == "app":
            record = AppRecord.from_item(environment, item)
            state.apps[record.app] = record
        elif kind == "resource":
            entry = InventoryEntry.from_item(environment, item)
            state.inventory[entry.key] = entry
        elif kind == "conditions":
            conditions = ConditionsRecord.from_item(environment, item)
            state.conditions[conditions.app] = conditions
        elif kind == "facts":
            state.facts = FactsRecord.from_item(environment, item)
    return state
