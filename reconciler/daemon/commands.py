"""The daemon's commands: `reconcile run` (the loop), `reconcile trigger` (a pass now, through
the state store) and `reconcile events` (the journal kept in the state store)."""
from __future__ import annotations

import argparse
import json
import os
import re
import signal
import socket
import sys
import uuid
from argparse import Namespace
from typing import Any

from reconciler.commands import err
from reconciler.errors import EXIT_ERROR, EXIT_OK, ConfigurationError

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$")


def duration(text: str) -> float:
    """`60s`, `5m`, `1h`, `500ms`, or plain seconds."""
    found = _DURATION.match(str(text))
    if not found:
        raise argparse.ArgumentTypeError(f"expected a duration like 60s, 5m, 500ms; got {text!r}")
    return float(found.group(1)) * {"ms": 0.001, "s": 1, "m": 60, "h": 3600, None: 1}[found.group(2)]


def add_parsers(sub: Any, target_option: Any, path_actions: list[Any] | None = None) -> None:
    paths = path_actions if path_actions is not None else []
    run = sub.add_parser("run", help="reconcile continuously: watch the specs (a directory or a git repository), "
                         "converge each app on its schedule, prune what leaves; several replicas share one state table")
    paths.append(run.add_argument("paths", nargs="*", default=[], metavar="PATH",
                                  help="spec files, or folders searched recursively for them (default: .)"))
    run.add_argument("--interval", type=duration, default=duration(os.environ.get("RECONCILE_INTERVAL", "60s")),
                     help="how often each app is reconciled when nothing changes (default 60s, +-10%% jitter)")
    run.add_argument("--git", metavar="URL", help="reconcile the specs of a git repository (cloned, then pulled on --git-interval)")
    run.add_argument("--branch", default="main", help="the branch to follow (default main)")
    run.add_argument("--path", default=".", help="folder of the specs inside the repository (default: its root)")
    run.add_argument("--git-interval", type=duration, default=None, help="how often to pull (default: --interval)")
    run.add_argument("--no-prune", action="store_true", help="never delete apps whose spec left the source")
    run.add_argument("--metrics-addr", default=os.environ.get("RECONCILE_METRICS_ADDR", "127.0.0.1:9464"),
                     help="HOST:PORT of /metrics, /healthz, /readyz (default 127.0.0.1:9464; port 0 picks one)")
    run.add_argument("--journal", default=os.environ.get("RECONCILE_JOURNAL", "-"), metavar="FILE",
                     help="where the event journal goes: a file (appended), - for stdout (default), none")
    run.add_argument("--lease-duration", type=duration, default=duration(os.environ.get("RECONCILE_LEASE_DURATION", "15s")),
                     help="how long a lease lasts without renewal (renewed every third of it; default 15s)")
    run.add_argument("--shards", type=int, default=int(os.environ.get("RECONCILE_SHARDS", "16")),
                     help="how many shards the apps are spread over (the same on every replica; default 16)")
    run.add_argument("--replica", default=os.environ.get("RECONCILE_REPLICA", ""), help="this replica's name (default host-pid-random)")
    run.add_argument("--poll", action="store_true", help="watch files by polling instead of native file events")
    target_option(run)

    trigger = sub.add_parser("trigger", help="ask the replica that owns the app(s) for a pass now (through the state store)")
    paths.append(trigger.add_argument("paths", nargs="+", metavar="SPEC", help="spec files, or folders searched for them"))
    target_option(trigger)

    events = sub.add_parser("events", help="the event journal kept in the state store: what changed, before -> after, why")
    paths.append(events.add_argument("paths", nargs="*", default=["."], metavar="SPEC",
                                     help="spec files, or folders searched for them (default: .)"))
    events.add_argument("-o", "--output", choices=("text", "json"), default="text",
                        help="text, or one JSON event per line (default: text)")
    events.add_argument("--limit", type=int, default=50, help="newest N events (default 50)")
    target_option(events)


def cmd_run(args: Namespace) -> int:
    from controllers.registry import all_controllers
    from reconciler.controller import Context
    from reconciler.daemon.journal import Journal
    from reconciler.daemon.leases import Leases
    from reconciler.daemon.loop import Daemon, Options
    from reconciler.daemon.metrics import HealthServer, Metrics
    from reconciler.daemon.passes import PassContext
    from reconciler.daemon.sources import _safe_url, make_source
    from reconciler.daemon.watch import Watcher
    from reconciler.state import DEFAULT_TABLE, TABLE_ENV, StateStore
    from reconciler.target import resolve
    from reconciler.workflow import wait_for_table
    from specs import AwsLocation

    if args.git and args.paths:
        raise ConfigurationError("give spec PATHs or --git, not both")
    if args.lease_duration < 1 or args.shards < 1:
        raise ConfigurationError("--lease-duration must be at least 1s and --shards at least 1")
    missing = [path for path in args.paths if not os.path.exists(path)]
    if missing:
        err(f"reconcile: {missing[0]}: no such file or directory")
        return EXIT_ERROR
    source = make_source(args.paths, args.git, args.branch, args.path, args.git_interval or args.interval)
    if args.git and not source.refresh(force=True):
        err(f"reconcile: could not clone {args.git} (branch {args.branch}); see the log above")
        return EXIT_ERROR
    target = resolve(args.target)
    ctx = Context(target.factory)
    location = AwsLocation(account_id=ctx.account_id, region=ctx.region, partition=ctx.partition)
    store = StateStore(ctx.aws, args.state_table or os.environ.get(TABLE_ENV) or DEFAULT_TABLE)
    replica = args.replica or f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:4]}"
    sink = None if args.journal == "none" else sys.stdout if args.journal == "-" else open(args.journal, "a", encoding="utf-8")
    metrics = Metrics()
    daemon = Daemon(source, PassContext(all_controllers(), ctx, store, location, Journal(sink, store, replica)),
                    Leases(store, replica, shards=args.shards, duration=args.lease_duration), metrics,
                    Options(interval=args.interval, prune=not args.no_prune))
    try:
        server = HealthServer(args.metrics_addr, metrics, daemon.healthy, daemon.ready).start()
    except (OSError, ValueError) as error:
        err(f"reconcile: --metrics-addr {args.metrics_addr}: {getattr(error, 'strerror', None) or error} "
            "(expected HOST:PORT, a free port)")
        source.close()
        target.close()
        return EXIT_ERROR
    watcher = Watcher(source.roots(), daemon.files_changed, poll=args.poll).start()
    for number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(number, lambda *_: daemon.request_stop())
    err(f"reconcile run: replica {replica}, specs under {' '.join(source.roots())}"
        + (f" ({_safe_url(args.git)} {args.branch} at {source.commit[:12]})" if args.git else "")
        + f", files watched ({watcher.mode}), metrics on http://{server.address}/metrics")
    try:
        while not wait_for_table(store, timeout=5.0):
            if daemon.stop.is_set():
                return EXIT_OK
        return daemon.run()
    finally:
        watcher.stop()
        server.stop()
        source.close()
        target.close()
        if sink is not None and sink is not sys.stdout:
            sink.close()
        err("reconcile run: stopped; leases released")


def _apps(args: Namespace) -> tuple[Any, list[tuple[str, str]]] | int:
    from reconciler.commands_aws import _prepare

    prepared = _prepare(args)
    if isinstance(prepared, int):
        return prepared
    return prepared, [(env.name, app.name) for env in prepared.designs for app in env.apps]


def cmd_trigger(args: Namespace) -> int:
    from reconciler.daemon.triggers import request_trigger

    found = _apps(args)
    if isinstance(found, int):
        return found
    prepared, apps = found
    try:
        if prepared.store.observe().exists is False:
            err(f"reconcile: the state table {prepared.store.name} does not exist: is `reconcile run` running?")
            return EXIT_ERROR
        for env, app in apps:
            request_trigger(prepared.store, env, app)
            print(f"triggered {env}/{app}: the replica that owns it runs a pass within a few seconds")
    finally:
        prepared.target.close()
    return EXIT_OK


def cmd_events(args: Namespace) -> int:
    from reconciler.daemon.journal import read_events

    found = _apps(args)
    if isinstance(found, int):
        return found
    prepared, apps = found
    lines: list[str] = []
    try:
        if prepared.store.observe().exists is not False:
            scopes = sorted(set(apps) | {(env, "-") for env, _ in apps})
            for env, app in scopes:
                lines += read_events(prepared.store, env, app)[0]
    finally:
        prepared.target.close()
    events = sorted((json.loads(line) for line in lines), key=lambda e: e.get("time", ""))[-args.limit:]
    for event in events:
        print(json.dumps(event, sort_keys=True) if args.output == "json" else _event_text(event))
    if not events and args.output == "text":
        print("No events recorded (the journal keeps what `reconcile run` changed).")
    return EXIT_OK


def _event_text(event: dict[str, Any]) -> str:
    changes = ", ".join(f"{c['path']}: {json.dumps(c['before'])} -> {json.dumps(c['after'])}"
                        for c in event.get("changes", [])[:4] if event.get("action") == "update")
    commit = f" @{event['commit'][:12]}" if event.get("commit") else ""
    return (f"{event.get('time', '')} {event.get('action', ''):<7} {event.get('resource', '')} "
            f"({event.get('why', '')}: {event.get('reason', '')}){commit} by {event.get('replica', '')}"
            + (f"\n    {changes}" if changes else ""))
