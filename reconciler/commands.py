"""The commands behind `reconcile ...`. Each returns a documented exit code."""
from __future__ import annotations

import json
import os
import signal
import sys
import threading
import time
from argparse import Namespace
from collections.abc import Sequence
from typing import Any

import yaml

from reconciler import client_config
from reconciler import logging as rlog
from reconciler.client_config import ApiFacts
from reconciler.conditions import ConditionStore
from reconciler.controller import Context
from reconciler.design import EnvironmentDesign
from reconciler.engine import Status, converge, derive_status
from reconciler.errors import EXIT_CHANGES, EXIT_ERROR, EXIT_FAILED, EXIT_OK, EXIT_REFUSED, EXIT_TIMEOUT
from reconciler.graph import GraphError
from reconciler.loading import designs_from
from reconciler.plan import make_plan
from reconciler.render import render_json, render_text
from reconciler.target import Target, resolve
from reconciler import teardown
from specs import AwsLocation, SpecError, SpecErrors, discover, json_schema, load_file, translate
from specs import render_text as render_translation_text


def run(args: Namespace) -> int:
    level = getattr(args, "log_level", None) or ("warning" if sys.stderr.isatty() else "info")
    rlog.configure(json=None if not getattr(args, "log_format", None) else args.log_format == "json", level=level)
    handler = {
        "render": cmd_render, "validate": cmd_validate, "schema": cmd_schema, "emulator": cmd_emulator,
        "apply": cmd_apply, "plan": cmd_plan, "status": cmd_status, "delete": cmd_delete,
        "client-config": cmd_client_config,
    }[args.command]
    return handler(args)


def _err(message: str) -> None:
    print(message, file=sys.stderr)


def _report_errors(errors: list[SpecError]) -> int:
    for error in errors:
        _err(str(error))
    _err(f"reconcile: {len(errors)} problem{'s' if len(errors) != 1 else ''} found")
    return EXIT_ERROR


# --- commands that make no AWS call -------------------------------------------------------

def cmd_render(args: Namespace) -> int:
    location = AwsLocation(
        account_id=args.account_id or "123456789012",
        region=args.region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1",
    )
    try:
        loaded = load_file(args.spec)
        if len(loaded) != 1:
            raise SpecError(args.spec, None, None, "", f"render takes one spec; this file holds {len(loaded)}")
        translation = translate(loaded[0], location)
    except SpecErrors as problem:
        return _report_errors(list(problem.errors))
    except SpecError as problem:
        return _report_errors([problem])
    if args.output == "json":
        print(json.dumps(translation.render(), indent=2))
    elif args.output == "yaml":
        print(yaml.safe_dump(translation.render(), sort_keys=False), end="")
    else:
        print(render_translation_text(translation), end="")
    return EXIT_OK


def cmd_validate(args: Namespace) -> int:
    loaded, errors = discover(list(args.paths))
    warnings = 0
    for spec in loaded:
        try:
            translation = translate(spec, AwsLocation())
        except SpecErrors as problem:
            errors.extend(problem.errors)
            continue
        except SpecError as problem:
            errors.append(problem)
            continue
        for warning in translation.warnings:
            warnings += 1
            _err(f"warning: {warning}")
    if errors:
        return _report_errors(errors)
    print(f"{len(loaded)} spec{'s' if len(loaded) != 1 else ''} valid" + (f", {warnings} warning{'s' if warnings != 1 else ''}" if warnings else ""))
    return EXIT_OK


def cmd_schema(args: Namespace) -> int:
    print(json.dumps(json_schema(), indent=2))
    return EXIT_OK


def cmd_emulator(args: Namespace) -> int:
    from reconciler.emulator.server import EmbeddedAWS

    server = EmbeddedAWS(port=args.port).start()
    print(f"embedded AWS (moto) listening on {server.url}; use --target {server.url}. Ctrl-C stops it.", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    server.stop()
    return EXIT_OK


# --- commands that talk to AWS ------------------------------------------------------------

def _prepare(args: Namespace) -> tuple[Target, Context, list[EnvironmentDesign]] | int:
    # Spec problems are reported before any AWS call (or emulator start).
    found, errors = discover(list(args.paths))
    if errors:
        return _report_errors(errors)
    if not found:
        _err(f"reconcile: no ServerlessContainer spec found under {' '.join(args.paths)}")
        return EXIT_ERROR
    target = resolve(getattr(args, "target", None))
    ctx = Context(target.factory)
    location = AwsLocation(account_id=ctx.account_id, region=ctx.region)
    designs, errors = designs_from(found, location)
    if errors:
        target.close()
        return _report_errors(errors)
    if not designs:
        target.close()
        _err(f"reconcile: no ServerlessContainer spec found under {' '.join(args.paths)}")
        return EXIT_ERROR
    for env in designs:
        for app in env.apps:
            for warning in app.translation.warnings:
                _err(f"warning: {warning}")
    return target, ctx, designs


def _controllers() -> list[Any]:
    from controllers.registry import all_controllers

    return all_controllers()


def _print_plan(plan: Any, output: str) -> None:
    print(render_json(plan) if output == "json" else render_text(plan), end="" if output == "text" else "\n")


def cmd_plan(args: Namespace) -> int:
    prepared = _prepare(args)
    if isinstance(prepared, int):
        return prepared
    target, ctx, designs = prepared
    try:
        plan = make_plan(_controllers(), designs, ctx)
    except GraphError as error:
        _err(f"reconcile: {error}")
        return EXIT_ERROR
    finally:
        target.close()
    _print_plan(plan, args.output)
    if plan.problems:
        return EXIT_ERROR
    return EXIT_CHANGES if (args.detailed_exitcode and plan.pending) else EXIT_OK


def cmd_apply(args: Namespace) -> int:
    prepared = _prepare(args)
    if isinstance(prepared, int):
        return prepared
    target, ctx, designs = prepared
    controllers = _controllers()
    try:
        if args.dry_run:
            plan = make_plan(controllers, designs, ctx)
            _print_plan(plan, args.output)
            return EXIT_ERROR if plan.problems else EXIT_OK
        if args.write_client_config:
            client_config.preflight(args.write_client_config, designs)  # a bad file fails now, not after converging
        progress = _Progress(enabled=sys.stderr.isatty())
        started = time.monotonic()
        report = converge(controllers, designs, ctx, timeout=args.timeout, on_pass=progress)
        endpoints = _endpoints(report.status)
        clients = client_config.api_facts(designs, report.status.outputs)
        if args.write_client_config:
            _write_client_config(args.write_client_config, clients)
        _print_summary(report.status, endpoints, args.output, clients)
        if args.output == "text":
            state = "converged" if report.converged else ("timed out" if report.timed_out else "not converged")
            print(f"{state} in {report.passes} pass{'es' if report.passes != 1 else ''}, {time.monotonic() - started:.1f}s, "
                  f"{ctx.aws.request_count} AWS requests")
        if target.embedded is not None:
            _err("reconcile: the embedded AWS stops with this process; run `reconcile emulator` and "
                 "--target http://127.0.0.1:4566 to keep state between commands")
        if report.converged:
            return EXIT_OK
        if report.failed:
            for key, message in report.failed:
                _err(f"reconcile: {key} failed: {message}")
            return EXIT_FAILED
        if report.refused:
            for outcome in report.refused:
                _err(f"reconcile: refused {outcome.key}: {outcome.message}")
            return EXIT_REFUSED
        if report.timed_out:
            _err(f"reconcile: not Ready after {args.timeout:.0f}s (see the summary above)")
            return EXIT_TIMEOUT
        return EXIT_ERROR
    except GraphError as error:
        _err(f"reconcile: {error}")
        return EXIT_ERROR
    finally:
        target.close()


class _Progress:
    """One short line per resource changed, on a TTY."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def __call__(self, number: int, plan: Any, result: Any) -> None:
        if not self.enabled or result is None:
            return
        for change in plan.pending:
            outcome = result.outcomes.get(change.key)
            status = outcome.status if outcome else "pending"
            _err(f"  [{number}] {change.action:<7} {change.name:<48} {status}" + (f": {outcome.message}" if outcome and outcome.message else ""))


def _endpoints(status: Status) -> dict[str, str]:
    return {key.app: out["endpoint"] for key, out in status.outputs.items() if key.kind == "api.http_api" and key.app and out.get("endpoint")}


def _status_document(status: Status, endpoints: dict[str, str], clients: Sequence[ApiFacts] = ()) -> dict[str, Any]:
    specs: dict[str, Any] = {}
    by_scope = {f.scope: f for f in clients}
    for scope, conditions in sorted(status.specs.items()):
        entry = specs.setdefault(scope, {"conditions": [c.as_dict() for c in conditions], "resources": {}})
        app = scope.split("/", 1)[1] if "/" in scope else None
        if app and app in endpoints:
            entry["endpoint"] = endpoints[app]
        if scope in by_scope:
            entry.update(by_scope[scope].status_fields())
    for key, conditions in sorted(status.resources.items(), key=lambda kv: str(kv[0])):
        specs[key.scope]["resources"][str(key)] = {"conditions": [c.as_dict() for c in conditions]}
    return {"specs": specs}


def _print_summary(status: Status, endpoints: dict[str, str], output: str, clients: Sequence[ApiFacts] = ()) -> None:
    document = _status_document(status, endpoints, clients)
    sign_in = {f.scope: f.sign_in_line() for f in clients}
    if output == "json":
        print(json.dumps(document, indent=2))
        return
    for scope, entry in document["specs"].items():
        conds = {c["type"]: c for c in entry["conditions"]}
        print(f"{scope}: Ready={conds['Ready']['status']} Synced={conds['Synced']['status']}"
              + (f"  endpoint {entry['endpoint']}" if entry.get("endpoint") else ""))
        if sign_in.get(scope):
            print(f"  {sign_in[scope]}")
        for name in (n for n, r in entry["resources"].items() if any(c["status"] != "True" for c in r["conditions"])):
            msgs = "; ".join(f"{c['type']}={c['status']} {c['reason']} {c['message']}".strip() for c in entry["resources"][name]["conditions"])
            print(f"  {name}: {msgs}")


def cmd_status(args: Namespace) -> int:
    prepared = _prepare(args)
    if isinstance(prepared, int):
        return prepared
    target, ctx, designs = prepared
    try:
        plan = make_plan(_controllers(), designs, ctx)
    finally:
        target.close()
    status = derive_status(plan, None, ConditionStore())
    endpoints = _endpoints(status)
    _print_summary(status, endpoints, args.output, client_config.api_facts(designs, status.outputs))
    return EXIT_OK if status.all_ready() else EXIT_ERROR


# --- client configuration (aws-exports.js, amplifyconfiguration.json, amplify_outputs.json) --

def _write_client_config(paths: Sequence[str], clients: Sequence[ApiFacts]) -> bool:
    """Write what exists; say what is left out. True when every API was written."""
    lines, incomplete = client_config.write_files(paths, clients)
    for line in lines:
        _err(f"reconcile: {line}")
    return not incomplete


def cmd_client_config(args: Namespace) -> int:
    """Read the stack as it is (plan's read calls only, no converge) and write its client configuration."""
    prepared = _prepare(args)
    if isinstance(prepared, int):
        return prepared
    target, ctx, designs = prepared
    try:
        client_config.preflight(args.output, designs)
        plan = make_plan(_controllers(), designs, ctx)
    except GraphError as error:
        _err(f"reconcile: {error}")
        return EXIT_ERROR
    finally:
        target.close()
    clients = client_config.api_facts(designs, derive_status(plan, None, ConditionStore()).outputs)
    complete = _write_client_config(args.output, clients)
    if not complete:
        _err("reconcile: run `reconcile --once` to create what is missing")
    return EXIT_OK if complete and clients else EXIT_ERROR


def cmd_delete(args: Namespace) -> int:
    prepared = _prepare(args)
    if isinstance(prepared, int):
        return prepared
    target, ctx, designs = prepared
    controllers = _controllers()
    try:
        if args.dry_run:
            plan = teardown.deletion_plan(controllers, designs, ctx)
            print(render_text(plan), end="")
            return EXIT_OK
        report = teardown.delete(controllers, designs, ctx, timeout=args.timeout)
    finally:
        target.close()
    for name in dict.fromkeys(report.deleted):
        print(f"- {name}")
    if report.done:
        print(f"deleted {len(set(report.deleted))} resources")
        return EXIT_OK
    for name, message in report.failures.items():
        _err(f"reconcile: could not delete {name}: {message}")
    return EXIT_TIMEOUT
