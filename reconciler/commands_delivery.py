"""The delivery commands (the seed's troubleshooting section): history, rollback, rebuild,
suspend, resume, logs. Each works on one spec; each returns a documented exit code."""
from __future__ import annotations

import argparse
import json
import re
from argparse import Namespace
from collections.abc import Callable
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from reconciler.commands import err
from reconciler.errors import EXIT_ERROR, EXIT_OK

if TYPE_CHECKING:
    from reconciler.delivery import operations
    from reconciler.design import AppDesign

_DURATION = re.compile(r"^(\d+)([smhd])$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
SPEC_HELP = "a spec file, or a folder holding exactly one spec"
OUTPUT_HELP = "result format on stdout (default: text)"
COMMANDS = ("history", "rollback", "rebuild", "suspend", "resume", "logs")


def add_parsers(sub: Any, target_option: Callable[[argparse.ArgumentParser], None]) -> None:
    history = sub.add_parser("history", help="the builds of a spec's images (tag, time, images present)")
    history.add_argument("spec", metavar="SPEC", help=SPEC_HELP)
    history.add_argument("-o", "--output", choices=("text", "json"), default="text", help=OUTPUT_HELP)
    target_option(history)

    rollback = sub.add_parser("rollback", help="deploy an earlier build's images and keep them (pinned) until --clear")
    rollback.add_argument("spec", metavar="SPEC", help=SPEC_HELP)
    which = rollback.add_mutually_exclusive_group(required=True)
    which.add_argument("--to", metavar="HASH", help="the build's tag (`reconcile history SPEC` lists them)")
    which.add_argument("--clear", action="store_true", help="unpin: deploy the current source's build again")
    _converge_options(rollback)
    target_option(rollback)

    rebuild = sub.add_parser("rebuild", help="run the pipeline again for the current source (after a failed build)")
    rebuild.add_argument("spec", metavar="SPEC", help=SPEC_HELP)
    _converge_options(rebuild)
    target_option(rebuild)

    suspend = sub.add_parser("suspend", help="desired count 0, and the app is not reconciled until `resume`")
    suspend.add_argument("spec", metavar="SPEC", help=SPEC_HELP)
    target_option(suspend)

    resume = sub.add_parser("resume", help="reconcile a suspended app again (its tasks come back)")
    resume.add_argument("spec", metavar="SPEC", help=SPEC_HELP)
    _converge_options(resume)
    target_option(resume)

    logs = sub.add_parser("logs", help="the containers' logs (CloudWatch), oldest first")
    logs.add_argument("spec", metavar="SPEC", help=SPEC_HELP)
    logs.add_argument("--container", metavar="NAME", help="one container (default: all)")
    logs.add_argument("--since", metavar="WHEN", help="10m, 2h, 1d, or an ISO time (default: everything kept)")
    logs.add_argument("--follow", action="store_true", help="keep printing new lines until Ctrl-C")
    target_option(logs)


def _converge_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds to wait for Ready (default 900)")
    parser.add_argument("-o", "--output", choices=("text", "json"), default="text", help=OUTPUT_HELP)


def handlers() -> dict[str, Callable[[Namespace], int]]:
    return {"history": cmd_history, "rollback": cmd_rollback, "rebuild": cmd_rebuild, "suspend": cmd_suspend,
            "resume": cmd_resume, "logs": cmd_logs}


# --- one spec, prepared ---------------------------------------------------------------------

def _prepared(args: Namespace) -> tuple[Any, AppDesign] | int:
    from reconciler.commands_aws import _prepare

    args.paths = [args.spec]
    prepared = _prepare(args)
    if isinstance(prepared, int):
        return prepared
    apps = [app for env in prepared.designs for app in env.apps]
    if len(apps) != 1:
        prepared.target.close()
        err(f"reconcile {args.command}: {args.spec} holds {len(apps)} specs; name a file with one")
        return EXIT_ERROR
    return prepared, apps[0]


def _converge(prepared: Any, args: Namespace) -> int:
    from reconciler.commands_aws import _converge as converge

    options = Namespace(**{"timeout": 900.0, "output": "text", "prune": False, "write_client_config": None,
                           "dry_run": False, **vars(args)})
    return converge(prepared, options)


def _with_prepared(args: Namespace, body: Callable[[Any, AppDesign], int]) -> int:
    found = _prepared(args)
    if isinstance(found, int):
        return found
    prepared, app = found
    try:
        return body(prepared, app)
    except LookupError as problem:
        err(f"reconcile {args.command}: {problem.args[0]}")
        return EXIT_ERROR
    finally:
        prepared.target.close()


# --- history, rollback, rebuild ------------------------------------------------------------

def _time(value: datetime | None) -> str:
    return value.astimezone(timezone.utc).isoformat(timespec="seconds") if value else "-"


def cmd_history(args: Namespace) -> int:
    from reconciler.delivery import facts, operations  # noqa: F401 - used by body

    def body(prepared: Any, app: AppDesign) -> int:
        record = facts.record(prepared.store, app.environment, app.name)
        found = operations.builds(prepared.ctx.client("ecr"), app)
        pin = record.rollback_pin if record else ""
        current = app.delivery.source_hash if app.delivery.mode == "managed" and app.delivery.builds else ""
        rows = [{"tag": b.tag, "pushedAt": _time(b.pushed_at), "containers": list(b.containers), "complete": b.complete,
                 "latest": b.latest, "pinned": b.tag == pin, "current": b.tag == current} for b in found]
        if args.output == "json":
            print(json.dumps({"app": f"{app.environment}/{app.name}", "builds": rows}, indent=2))
        elif not app.delivery.builds:
            print(f"{app.environment}/{app.name}: no container is built (every image is pulled as named)")
        else:
            print(f"{'TAG':<20} {'PUSHED':<26} IMAGES")
            for row in rows:
                marks = [m for m in ("current", "pinned", "latest") if row[m]]
                missing = "" if row["complete"] else " (incomplete: not deployable)"
                print(f"{row['tag']:<20} {row['pushedAt']:<26} {', '.join(row['containers'])}{missing}"
                      + (f"  [{', '.join(marks)}]" if marks else ""))
        return EXIT_OK

    return _with_prepared(args, body)


def cmd_rollback(args: Namespace) -> int:
    from reconciler.delivery import facts, operations  # noqa: F401 - used by body

    def body(prepared: Any, app: AppDesign) -> int:
        if not app.delivery.builds:
            err(f"reconcile rollback: {app.environment}/{app.name} builds no image; there is nothing to roll back")
            return EXIT_ERROR
        if args.clear:
            facts.update_record(prepared.store, app.environment, app.name, rollback_pin="")
            err(f"reconcile: {app.environment}/{app.name} unpinned; deploying the current build")
            return _converge(prepared, args)
        deployable = [b for b in operations.builds(prepared.ctx.client("ecr"), app) if b.complete]
        if args.to not in {b.tag for b in deployable}:
            listed = ", ".join(f"{b.tag} ({_time(b.pushed_at)})" for b in deployable) or "none"
            err(f"reconcile rollback: no build {args.to!r} has an image for every container of "
                f"{app.environment}/{app.name}; available: {listed}")
            return EXIT_ERROR
        facts.update_record(prepared.store, app.environment, app.name, rollback_pin=args.to)
        err(f"reconcile: {app.environment}/{app.name} pinned to {args.to}; `reconcile rollback {args.spec} --clear` "
            "unpins it")
        return _converge(prepared, args)

    return _with_prepared(args, body)


def cmd_rebuild(args: Namespace) -> int:
    from reconciler.delivery import facts, operations  # noqa: F401 - used by body

    def body(prepared: Any, app: AppDesign) -> int:
        if not app.delivery.pipeline:
            err(f"reconcile rebuild: {app.environment}/{app.name} has no pipeline (no built container, or "
                "spec.build.mode self-managed)")
            return EXIT_ERROR
        execution = operations.start_build(prepared.ctx.client("codepipeline"), app.environment, app.name)
        err(f"reconcile: pipeline execution {execution} started for {app.environment}/{app.name}")
        return _converge(prepared, args)

    return _with_prepared(args, body)


# --- suspend, resume ----------------------------------------------------------------------

def cmd_suspend(args: Namespace) -> int:
    from reconciler.delivery import facts, operations  # noqa: F401 - used by body

    def body(prepared: Any, app: AppDesign) -> int:
        facts.update_record(prepared.store, app.environment, app.name, suspended=True)
        # The reconciler stops reconciling the app now, so it writes the desired count itself.
        scaled = operations.scale_to_zero(prepared.ctx.client("ecs"), app.environment, app.name)
        print(f"{app.environment}/{app.name}: suspended" + (": desired count 0" if scaled else " (no service yet)")
              + f"; not reconciled until `reconcile resume {args.spec}`")
        return EXIT_OK

    return _with_prepared(args, body)


def cmd_resume(args: Namespace) -> int:
    from reconciler.delivery import facts, operations  # noqa: F401 - used by body

    def body(prepared: Any, app: AppDesign) -> int:
        facts.update_record(prepared.store, app.environment, app.name, suspended=False)
        err(f"reconcile: {app.environment}/{app.name} resumed")
        return _converge(prepared, args)

    return _with_prepared(args, body)


# --- logs -----------------------------------------------------------------------------------

def since_ms(text: str | None, now_ms: int) -> int | None:
    """`10m` / `2h` / `1d` / `30s` before now, or an ISO time; None for everything."""
    if not text:
        return None
    match = _DURATION.match(text.strip())
    if match:
        return now_ms - int(match[1]) * _UNIT_SECONDS[match[2]] * 1000
    moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    return int((moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)).timestamp() * 1000)


def cmd_logs(args: Namespace) -> int:
    from reconciler.delivery import facts, operations  # noqa: F401 - used by body

    def body(prepared: Any, app: AppDesign) -> int:
        containers = [c["name"] for c in app.translation.containers]
        if args.container and args.container not in containers:
            err(f"reconcile logs: {app.environment}/{app.name} has no container {args.container!r} "
                f"(it has: {', '.join(containers)})")
            return EXIT_ERROR
        chosen = [args.container] if args.container else containers
        try:
            start = since_ms(args.since, operations.now_ms())
        except ValueError:
            err(f"reconcile logs: --since {args.since!r}: expected 10m, 2h, 1d or an ISO time")
            return EXIT_ERROR
        logs = prepared.ctx.client("logs")

        def fetch(since: int | None) -> list[operations.LogLine]:
            return operations.log_lines(logs, app.environment, app.name, chosen, since)

        lines = operations.follow(fetch, start, 2.0) if args.follow else iter(fetch(start))
        for line in lines:
            moment = datetime.fromtimestamp(line.timestamp / 1000, timezone.utc).isoformat(timespec="seconds")
            print(f"{moment} {line.container:<12} {line.message}", flush=True)
        return EXIT_OK

    return _with_prepared(args, body)
