"""Two daemons on one state table: each app is acted on by one replica; when one is killed
(SIGKILL: no release, no goodbye) the other takes its shards (and the leadership) within a lease
duration, and no app is ever acted on by both at once (the journal tells who changed what, when)."""
from __future__ import annotations

import time
from collections import defaultdict

from reconciler.cli import main
from reconciler.naming import cluster_name
from tests.daemon.harness import client, ready, wait_until
from tests.support import write_app

# One app per shard of four (crc32 of env/app): each replica owns two.
APPS = ("alpha-api", "charlie-api", "delta-api", "foxtrot-api")
LEASE = 3.0


def holding(daemon, shards: int) -> bool:
    code, metrics = daemon.get("/metrics")
    return code == 200 and f"reconcile_leases_held {shards}.0" in metrics


def test_two_replicas_split_the_apps_and_one_takes_over_when_the_other_is_killed(url, tmp_path, daemons):
    specs = tmp_path / "specs"
    specs.mkdir()
    one = daemons(str(specs), name="one", lease=f"{LEASE}s")
    wait_until(lambda: holding(one, 4), 30, "the first replica holds every shard")
    two = daemons(str(specs), name="two", lease=f"{LEASE}s")
    wait_until(lambda: holding(one, 2) and holding(two, 2), 30, "the shards split two and two")
    for app in APPS:
        write_app(specs, app)
    wait_until(lambda: ready(url, *APPS), 90, "every app Ready")

    events = one.events() + two.events()
    by_app = defaultdict(set)
    for event in events:
        by_app[event["app"]].add(event["replica"])
    assert all(len(by_app[app]) == 1 for app in APPS), dict(by_app)
    assert {r for app in APPS for r in by_app[app]} == {"one", "two"}
    leader, other = (one, two) if "reconcile_leader 1.0" in one.get("/metrics")[1] else (two, one)
    assert by_app[""] == {leader.name}, "only the leader changes the environment's shared resources"

    # The leader dies without a word; the other takes its shards and the leadership.
    theirs = [app for app in APPS if by_app[app] == {leader.name}]
    leader.kill()
    killed = time.monotonic()
    wait_until(lambda: holding(other, 4) and "reconcile_leader 1.0" in other.get("/metrics")[1], 3 * LEASE,
               "the survivor holds every shard", every=0.05)
    moved = time.monotonic() - killed
    print(f"shards and leadership moved {moved:.2f}s after the kill (lease {LEASE:.0f}s)")
    # At most a lease after its last renewal (itself before the kill), plus the takeover's requests.
    assert moved <= LEASE + 2.0, f"shards moved after {moved:.1f}s"

    # An app of the dead replica drifts: the survivor heals it.
    client(url, "ecs").update_service(cluster=cluster_name("dev"), service=theirs[0], desiredCount=2)
    assert main(["trigger", str(specs / theirs[0] / "spec.yaml"), "--target", url]) == 0
    wait_until(lambda: any(e["app"] == theirs[0] and e["action"] == "update" for e in other.events()), 30,
               "the survivor healed the drift")

    # No app was ever acted on by both at once: per app, one replica's changes all come first.
    for app in APPS:
        order = [e["replica"] for e in sorted(leader.events() + other.events(), key=lambda e: e["time"]) if e["app"] == app]
        assert order == sorted(order, key=lambda r: r != leader.name), (app, order)
    assert other.stop() == 0
