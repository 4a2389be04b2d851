"""Leases in the state table: leader election and shards, with conditional writes.

Items (partition `lease`):
    sk = "leader"          the leader: changes the environments' shared resources
    sk = "shard#007"       one shard of the apps (an app belongs to shard crc32(env/app) % shards)
    sk = "member#<id>"     a replica's heartbeat: how many replicas share the shards

A lease item holds `holder`, `expires` (epoch milliseconds, by the writer's clock) and `token`,
the fencing token: +1 at every acquisition, never at a renewal. Acquire: an UpdateItem allowed
only when the lease is free, expired, or ours. Renew: only while holder and token are still
ours. Every write to state made under a lease carries a ConditionCheck on it (`fence`), and the
replica checks its own clock before every AWS mutation (`valid`), so a paused ex-owner whose
lease moved on can neither write state nor act.

A replica holds at most its fair share, ceil(shards / live replicas); above it (a replica
joined) it lets the extra shards go between passes; below it, it takes free or expired ones.
It wakes when a lease it could take expires, so a dead replica's shards move within one lease
duration of its last renewal.
"""
from __future__ import annotations

import math
import threading
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import structlog
from botocore.exceptions import ClientError

from reconciler.aws import error_code
from reconciler.state.store import Fence, StateStore, from_dynamo, to_dynamo

log = structlog.get_logger("reconciler.daemon")

PARTITION = "lease"
LEADER = "leader"


def shard_name(number: int) -> str:
    return f"shard#{number:03d}"


def shard_of(environment: str, app: str, shards: int) -> str:
    return shard_name(zlib.crc32(f"{environment}/{app}".encode()) % shards)


@dataclass
class Held:
    name: str
    token: int
    valid_until: float  # local monotonic time: renewal sent + duration - margin


class Leases:
    def __init__(self, store: StateStore, holder: str, *, shards: int = 16, duration: float = 15.0,
                 clock: Callable[[], float] = time.time, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.store = store
        self.holder = holder
        self.shards = shards
        self.duration = duration
        self.clock = clock
        self.monotonic = monotonic
        self.margin = min(1.0, duration / 5)  # stop acting this long before the lease runs out
        self._held: dict[str, Held] = {}
        self._lock = threading.Lock()
        self.busy: set[str] = set()  # shards with a pass in progress: never given away mid-pass
        self.members = 1
        self.next_expiry: float | None = None  # epoch seconds when a lease we could take runs out
        self.changed = threading.Event()  # set when the set of held leases changes

    # --- what we hold ---------------------------------------------------------------------

    @property
    def leader(self) -> bool:
        return self.valid(LEADER)

    def held_shards(self) -> list[str]:
        with self._lock:
            return sorted(name for name in self._held if name != LEADER)

    def valid(self, name: str) -> bool:
        with self._lock:
            held = self._held.get(name)
            return held is not None and self.monotonic() < held.valid_until

    def fence(self, name: str) -> Fence | None:
        with self._lock:
            held = self._held.get(name)
            if held is None or self.monotonic() >= held.valid_until:
                return None
            return Fence(PARTITION, name, self.holder, held.token, self.clock)

    # --- one round: heartbeat, renew, take, give ------------------------------------------

    def tick(self) -> None:
        sent = self.monotonic()
        now = self.clock()
        self._put_member(now)
        items = self._items()
        alive = [i for i in items if i["sk"].startswith("member#") and i.get("expires", 0) > now * 1000]
        self.members = max(1, len(alive))
        self._renew_all(sent)
        fair = math.ceil(self.shards / self.members)
        leases = {i["sk"]: i for i in items}
        for name in [LEADER] + self._shard_order():
            if name in self._held:
                continue
            if name != LEADER and len(self.held_shards()) >= fair:
                break
            item = leases.get(name, {})
            if not (item.get("holder") and item.get("expires", 0) > now * 1000):
                self._acquire(name, sent)
        # Wake when another replica's lease or heartbeat runs out: its shards may be ours then.
        foreign = [i["expires"] / 1000 for i in items if i.get("holder") and i.get("holder") != self.holder
                   and i.get("expires", 0) > now * 1000]
        self.next_expiry = min(foreign) if foreign else None
        surplus = len(self.held_shards()) - fair
        for name in reversed(self.held_shards()):
            if surplus <= 0:
                break
            if name not in self.busy:
                self.release(name)
                surplus -= 1

    def release(self, name: str) -> None:
        with self._lock:
            held = self._held.pop(name, None)
        if held is None:
            return
        self.changed.set()
        try:
            self._update(name, "SET #e = :zero", "#h = :me AND #t = :tok",
                         {":zero": 0, ":me": self.holder, ":tok": held.token})
        except ClientError as error:
            if error_code(error) != "ConditionalCheckFailedException":
                raise
        log.info("lease_released", lease=name, holder=self.holder)

    def release_all(self) -> None:
        for name in list(self._held):
            self.release(name)
        try:
            self.store.client.delete_item(TableName=self.store.name,
                                          Key=to_dynamo({"pk": PARTITION, "sk": f"member#{self.holder}"}))
        except ClientError:
            pass  # it expires anyway

    # --- internals ------------------------------------------------------------------------

    def _shard_order(self) -> list[str]:
        """Shards in an order that differs per replica, so replicas starting together spread."""
        start = zlib.crc32(self.holder.encode()) % self.shards
        return [shard_name((start + i) % self.shards) for i in range(self.shards)]

    def _expires(self) -> int:
        return int((self.clock() + self.duration) * 1000)

    def _acquire(self, name: str, sent: float) -> None:
        try:
            answer = self._update(
                name, "SET #h = :me, #e = :exp ADD #t :one",
                "attribute_not_exists(#h) OR #e < :now OR #h = :me",
                {":me": self.holder, ":exp": self._expires(), ":one": 1, ":now": int(self.clock() * 1000)})
        except ClientError as error:
            if error_code(error) == "ConditionalCheckFailedException":
                return  # someone else got it first
            raise
        token = int(from_dynamo(answer["Attributes"])["token"])
        with self._lock:
            self._held[name] = Held(name, token, sent + self.duration - self.margin)
        self.changed.set()
        log.info("lease_acquired", lease=name, holder=self.holder, token=token)

    def _renew_all(self, sent: float) -> None:
        """Every held lease in one transaction; if any is no longer ours, one by one."""
        held = list(self._held.values())
        if not held:
            return
        items = [{"Update": {
            "TableName": self.store.name, "Key": to_dynamo({"pk": PARTITION, "sk": h.name}),
            "UpdateExpression": "SET #e = :exp", "ConditionExpression": "#h = :me AND #t = :tok",
            "ExpressionAttributeNames": {"#h": "holder", "#e": "expires", "#t": "token"},
            "ExpressionAttributeValues": to_dynamo({":me": self.holder, ":tok": h.token, ":exp": self._expires()}),
        }} for h in held[:100]]
        try:
            self.store.client.transact_write_items(TransactItems=items)
        except ClientError as error:
            if error_code(error) != "TransactionCanceledException":
                raise
            for h in held:
                self._renew(h.name, sent)
            return
        with self._lock:
            for h in held[:100]:
                if h.name in self._held:
                    self._held[h.name].valid_until = sent + self.duration - self.margin
        for h in held[100:]:
            self._renew(h.name, sent)

    def _renew(self, name: str, sent: float) -> None:
        held = self._held.get(name)
        if held is None:
            return
        try:
            self._update(name, "SET #e = :exp", "#h = :me AND #t = :tok",
                         {":me": self.holder, ":tok": held.token, ":exp": self._expires()})
        except ClientError as error:
            if error_code(error) == "TransactionConflictException":
                return  # a state write checking this lease was in flight: renew at the next tick
            if error_code(error) != "ConditionalCheckFailedException":
                raise
            with self._lock:
                self._held.pop(name, None)
            self.changed.set()
            log.warning("lease_lost", lease=name, holder=self.holder)
            return
        with self._lock:
            if name in self._held:
                self._held[name].valid_until = sent + self.duration - self.margin

    def _put_member(self, now: float) -> None:
        self.store.client.put_item(TableName=self.store.name, Item=to_dynamo(
            {"pk": PARTITION, "sk": f"member#{self.holder}", "expires": self._expires(), "holder": self.holder}))

    def _items(self) -> list[dict[str, Any]]:
        pages = self.store.client.get_paginator("query").paginate(
            TableName=self.store.name, ConsistentRead=True, KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": PARTITION}})
        return [from_dynamo(item) for page in pages for item in page.get("Items", [])]

    def _update(self, name: str, expression: str, condition: str, values: dict[str, Any]) -> dict[str, Any]:
        return self.store.client.update_item(
            TableName=self.store.name, Key=to_dynamo({"pk": PARTITION, "sk": name}),
            UpdateExpression=expression, ConditionExpression=condition,
            ExpressionAttributeNames={"#h": "holder", "#e": "expires", "#t": "token"},
            ExpressionAttributeValues=to_dynamo(values), ReturnValues="ALL_NEW")
