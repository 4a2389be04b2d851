"""Leases in the state table, on the moto server with injected clocks: shards are shared out
fairly, a dead replica's shards move once its leases run out, and a paused ex-owner can neither
write state (the fencing token) nor keep acting (its own clock)."""
from __future__ import annotations

import pytest

from reconciler.daemon.leases import LEADER, Leases, shard_name
from reconciler.state import FenceLost, Put, StateStore


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def store(aws):
    store = StateStore(aws)
    assert store.ensure() is not None
    return store


def replica(store: StateStore, name: str, clock: Clock, shards: int = 4) -> Leases:
    return Leases(store, name, shards=shards, duration=3.0, clock=clock, monotonic=clock)


def test_two_replicas_share_the_shards_and_one_leads(store):
    clock = Clock()
    one, two = replica(store, "one", clock), replica(store, "two", clock)
    one.tick()
    assert one.leader and len(one.held_shards()) == 4
    two.tick()  # sees two members: takes nothing held, and `one` gives back its surplus
    one.tick()
    two.tick()
    assert not two.leader
    assert len(one.held_shards()) == 2 and len(two.held_shards()) == 2
    assert set(one.held_shards()).isdisjoint(two.held_shards())


def test_a_dead_replicas_shards_move_once_its_leases_run_out(store):
    clock = Clock()
    one, two = replica(store, "one", clock), replica(store, "two", clock)
    for _ in range(2):
        one.tick()
        two.tick()
    theirs = set(one.held_shards())
    # `one` dies (no more ticks). Before its leases run out nothing moves...
    clock.now += 2.0
    two.tick()
    assert set(two.held_shards()).isdisjoint(theirs) and not two.leader
    assert two.next_expiry is not None and two.next_expiry <= clock.now + 1.0  # wakes right when they expire
    # ...after, everything does.
    clock.now += 1.1
    two.tick()
    assert set(two.held_shards()) == {shard_name(n) for n in range(4)} and two.leader


def test_a_paused_ex_owner_can_neither_write_state_nor_act(store, aws):
    clock = Clock()
    one, two = replica(store, "one", clock, shards=1), replica(store, "two", clock, shards=1)
    one.tick()
    fence = one.fence(shard_name(0))
    assert fence is not None and fence.token == 1
    store.fences = (fence,)
    store.write([Put({"pk": "env#dev", "sk": "probe", "type": "probe"}, 0)])  # the owner writes

    clock.now += 10  # `one` is paused past its lease; `two` takes the shard over
    two.tick()
    assert two.fence(shard_name(0)).token == 2
    assert not one.valid(shard_name(0)), "its own clock says the lease ran out: it must not act"
    with pytest.raises(FenceLost):
        store.write([Put({"pk": "env#dev", "sk": "probe2", "type": "probe"}, 0)])
    one.tick()  # it wakes up: the renewal fails, the lease is gone
    assert one.held_shards() == [] and not one.leader
    store.fences = (two.fence(shard_name(0)),)
    store.write([Put({"pk": "env#dev", "sk": "probe2", "type": "probe"}, 0)])


def test_released_leases_are_taken_at_once(store):
    clock = Clock()
    one, two = replica(store, "one", clock, shards=2), replica(store, "two", clock, shards=2)
    one.tick()
    two.tick()
    one.release_all()
    two.tick()
    assert two.leader and len(two.held_shards()) == 2
    assert LEADER not in two.held_shards()
