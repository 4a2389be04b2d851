"""The reconciler's own state in AWS: one DynamoDB table per account and region (see records.py
for the item layout). Reads are one strongly consistent Query per environment; writes go in
TransactWriteItems (up to 100 items a request), each item conditional on the version read, with
a client request token so that botocore's retry of a write whose answer was lost is idempotent.

A write that loses a race raises StateConflict; the caller re-reads and recomputes (what we
write is derived from observation, so recomputing converges).

Fencing (several daemon replicas): with `fences` set, every transaction also carries a
ConditionCheck on each lease item the writer acts under (holder, fencing token, not expired by the writer's
clock), so a paused ex-owner whose lease moved on cannot write: the write fails with FenceLost.
"""
from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
import time
from dataclasses import dataclass, field
from typing import Any

import structlog
from botocore.exceptions import ClientError

from reconciler.aws import ClientFactory, error_code, is_not_found
from reconciler.state import table as state_table
from reconciler.state.attributes import from_item as from_dynamo, to_item as to_dynamo
from reconciler.state.records import EnvironmentState, from_items, partition

log = structlog.get_logger("reconciler.state")

TRANSACTION_LIMIT = 100
VERIFIED_FACT = "state_table_verified"


class StateConflict(Exception):
    """Another writer changed an item since we read it."""


class StateNotReady(Exception):
    """The table is being created (AWS refuses reads and writes until it is ACTIVE)."""


class FenceLost(Exception):
    """The lease this writer acts under is no longer its own (expired, or taken over)."""


@dataclass(frozen=True)
class Fence:
    """The lease item a writer acts under and the fencing token it got when it acquired it."""

    pk: str
    sk: str
    holder: str
    token: int
    clock: Callable[[], float] = field(default=time.time, compare=False)

    def condition_check(self, table: str) -> dict[str, Any]:
        return {"ConditionCheck": {
            "TableName": table, "Key": to_dynamo({"pk": self.pk, "sk": self.sk}),
            "ConditionExpression": "#h = :h AND #t = :t AND #e > :now",
            "ExpressionAttributeNames": {"#h": "holder", "#t": "token", "#e": "expires"},
            "ExpressionAttributeValues": {":h": {"S": self.holder}, ":t": {"N": str(self.token)},
                                          ":now": {"N": str(int(self.clock() * 1000))}},
        }}


@dataclass(frozen=True)
class Put:
    item: dict[str, Any]  # the item without `version`
    version: int  # the version read; 0 = the item must not exist yet


@dataclass(frozen=True)
class Remove:
    pk: str
    sk: str
    version: int = 0  # 0 = whatever version it has


class StateStore:
    def __init__(self, aws: ClientFactory, name: str = state_table.DEFAULT_TABLE,
                 *, region: str | None = None) -> None:
        self.aws = aws
        self.name = name
        self.region = region
        self.exists: bool | None = None  # unknown until observed or loaded
        # Set by a daemon replica: the leases it acts under (the app's shard; the leader lease when
        # it changes an environment's shared resources). Checked in every write.
        self.fences: tuple[Fence, ...] = ()
        self._prefetched: dict[str, EnvironmentState] = {}

    @property
    def client(self) -> Any:
        return self.aws.client("dynamodb", self.region)

    # --- the table ----------------------------------------------------------------------

    def observe(self, *, deep: bool = False) -> state_table.TableObservation:
        observation = state_table.observe(self.client, self.name, deep=deep)
        self.exists = observation.exists
        return observation

    def ensure(self, *, deep: bool = True) -> state_table.TableObservation:
        """Create the table if missing and heal its settings; never waits. The caller requeues
        while the observation is not ready. `deep`: also check its tags and point-in-time
        recovery (two more reads; a run whose apps are due for a full read asks for it)."""
        observation = self.observe(deep=deep)
        if deep and observation.ready and not observation.drift:
            # Every setting as desired: recorded with the account's facts, so that runs not due
            # for a full read skip the two extra reads (a table whose PITR could not be turned
            # on yet, right after its creation, is checked again by the next run).
            getattr(self.aws, "seed_facts", lambda facts: None)({VERIFIED_FACT: True})
        if not observation.exists:
            state_table.create(self.client, self.name)
            log.info("state_table_created", table=self.name)
            return self.observe()
        if observation.ready and observation.drift:
            state_table.heal(self.client, self.name, observation)
            log.info("state_table_healed", table=self.name, changed=observation.drift)
        return observation

    # --- reads --------------------------------------------------------------------------

    def prefetch(self, environments: Sequence[str]) -> dict[str, EnvironmentState]:
        """Read the environments now (a command needs their facts before it translates the
        specs); the next `load` of each returns this read instead of making another."""
        for environment in sorted(set(environments)):
            self._prefetched[environment] = self.load(environment)
        return dict(self._prefetched)

    def load(self, environment: str) -> EnvironmentState:
        """Everything recorded for one environment; empty when the table does not exist (yet)."""
        if environment in self._prefetched:
            return self._prefetched.pop(environment)
        if self.exists is False:
            return EnvironmentState(environment)
        return self._query(environment, [("", "")])

    def load_parts(self, environment: str, prefixes: Sequence[str], exact: Sequence[str] = ()) -> EnvironmentState:
        """Only the items whose sort key starts with one of `prefixes` or is one of `exact`: a
        pass over one app needs every app's record but only its own (and its environment's)
        inventory and conditions, not those of the other apps of a large environment."""
        if self.exists is False:
            return EnvironmentState(environment)
        conditions = [(p, "begins_with(sk, :sk)") for p in prefixes] + [(e, "sk = :sk") for e in exact]
        return self._query(environment, conditions)

    def _query(self, environment: str, conditions: Sequence[tuple[str, str]]) -> EnvironmentState:
        """One strongly consistent Query per (sort key, condition) of the environment's partition
        (("", ""): the whole partition); empty when the table does not exist (yet)."""
        items: list[dict[str, Any]] = []
        try:
            for sort_key, operator in conditions:
                values = {":pk": {"S": partition(environment)}}
                if operator:
                    values[":sk"] = {"S": sort_key}
                pages = self.client.get_paginator("query").paginate(
                    TableName=self.name, ConsistentRead=True, ExpressionAttributeValues=values,
                    KeyConditionExpression="pk = :pk" + (f" AND {operator}" if operator else ""))
                for page in pages:
                    items.extend(from_dynamo(item) for item in page.get("Items", []))
        except ClientError as error:
            if is_not_found(error):
                self.exists = False
                return EnvironmentState(environment)
            raise
        self.exists = True
        return from_items(environment, items)

    # --- writes -------------------------------------------------------------------------

    def write(self, operations: Sequence[Put | Remove]) -> None:
        size = TRANSACTION_LIMIT - len(self.fences)
        for start in range(0, len(operations), size):
            self._transact(operations[start:start + size])

    def _transact(self, operations: Sequence[Put | Remove]) -> None:
        if not operations:
            return
        fences = self.fences
        items = [self._operation(op) for op in operations] + [f.condition_check(self.name) for f in fences]
        try:
            self.client.transact_write_items(TransactItems=items, ClientRequestToken=uuid.uuid4().hex)
        except ClientError as error:
            code = error_code(error)
            reasons = [r.get("Code") for r in error.response.get("CancellationReasons") or []]
            lost = [f.sk for f, r in zip(fences, reasons[len(items) - len(fences):]) if r == "ConditionalCheckFailed"]
            if fences and len(reasons) == len(items) and lost:
                raise FenceLost(f"lease {', '.join(lost)} is no longer held by {fences[0].holder}") from error
            if code == "TransactionCanceledException" and ("ConditionalCheckFailed" in str(error)
                                                          or "TransactionConflict" in reasons):
                # TransactionConflict: another request touched an item meanwhile (a lease renewal):
                # read again and retry, as for a lost race.
                raise StateConflict(str(error)) from error
            if code == "ResourceNotFoundException":
                raise StateNotReady(f"state table {self.name} is not ready") from error
            raise

    def _operation(self, op: Put | Remove) -> dict[str, Any]:
        names = {"#v": "version"}
        if isinstance(op, Put):
            item = {**op.item, "version": op.version + 1}
            put: dict[str, Any] = {"TableName": self.name, "Item": to_dynamo(item), "ExpressionAttributeNames": names}
            if op.version == 0:
                put["ConditionExpression"] = "attribute_not_exists(#v)"
            else:
                put["ConditionExpression"] = "#v = :v"
                put["ExpressionAttributeValues"] = {":v": {"N": str(op.version)}}
            return {"Put": put}
        delete: dict[str, Any] = {"TableName": self.name, "Key": to_dynamo({"pk": op.pk, "sk": op.sk})}
        if op.version:
            delete.update(ConditionExpression="#v = :v", ExpressionAttributeNames=names,
                          ExpressionAttributeValues={":v": {"N": str(op.version)}})
        return {"Delete": delete}

    def update(self, environment: str, compute: Callable[[EnvironmentState], list[Put | Remove]],
               *, attempts: int = 4) -> EnvironmentState:
        """Read, compute the writes from what was read, write; on a lost race, read again.
        Returns the state as it is after the write (as far as this writer knows)."""
        for attempt in range(attempts):
            state = self.load(environment)
            operations = compute(state)
            if not operations:
                return state
            try:
                self.write(operations)
                return self.load(environment) if attempt else applied(state, operations)
            except StateConflict:
                log.info("state_write_conflict", environment=environment, attempt=attempt + 1)
        raise StateConflict(f"state of environment {environment!r} kept changing under us; try again")


def applied(state: EnvironmentState, operations: Sequence[Put | Remove]) -> EnvironmentState:
    """The state after our own writes, without reading it back."""
    items = {(partition(state.environment), sk): item for sk, item in _items_of(state).items()}
    for op in operations:
        if isinstance(op, Put):
            items[(op.item["pk"], op.item["sk"])] = {**op.item, "version": op.version + 1}
        else:
            items.pop((op.pk, op.sk), None)
    return from_items(state.environment, list(items.values()))


def _items_of(state: EnvironmentState) -> dict[str, dict[str, Any]]:
    records: list[Any] = [*state.apps.values(), *state.inventory.values(), *state.conditions.values()]
    return {r.as_item()["sk"]: {**r.as_item(), "version": r.version} for r in records}
