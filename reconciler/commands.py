"""The commands behind `reconcile ...`. Each returns a documented exit code."""
from __future__ import annotations

import json
import os
import signal
import sys
import threading
import time
from argparse import Namespace
from typing import Any

import yaml

from reconciler import logging as rlog
from reconciler.conditions import ConditionStore
from reconciler.controller import Context
from reconciler.design import EnvironmentDesign
from reconciler.engine import Status, converge, derive_status
from reconciler.errors import EXIT_CHANGES, EXIT_ERROR, EXIT_FAILED, EXIT_OK, EXIT_REFUSED, EXIT_TIMEOUT
from reconciler.graph import GraphError
from reconciler.documents import deletion_document, render_storage_text, validation_document
from reconciler.loading import designs_from, load_specs
from reconciler.plan import make_plan
from reconciler.render import render_json, render_text
from reconciler.target import Target, resolve
from reconciler import teardown
from specs import AwsLocation, SpecError, SpecErrors, json_schema, translate
from specs import render_text as render_translation_text
from specs.tables import storage_tables


def run(args: Namespace) -> int:
    level = getattr(args, "log_level", None) or ("warning" if sys.stderr.isatty() else "info")
    rlog.configure(json=None if not getattr(args, "log_format", None) else args.log_format == "json", level=level)
    handler = {
        "render": cmd_render, "validate": cmd_validate, "schema": cmd_schema, "emulator": cmd_emulator,
        "apply": cmd_apply, "plan": cmd_plan, "status": cmd_status, "delete": cmd_delete,
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
    loaded, errors = load_specs([args.spec])
    if errors:
        return _report_errors(errors)
    if len(loaded) != 1:
        held = f"holds {len(loaded)}: " + ", ".join(f"{s.path}:{s.line} ({s.model.name})" for s in loaded) if loaded else "holds none"
        return _report_errors([SpecError(args.spec, message=f"render takes one ServerlessContainer spec; this {held}")])
    try:
        translation = translate(loaded[0], location)
    except SpecErrors as problem:
        return _report_errors(list(problem.errors))
    except SpecError as problem:
        return _report_errors([problem])
    tables = storage_tables(loaded[0].model)
    if args.output == "text":
        print(render_translation_text(translation) + render_storage_text(tables), end="")
        return EXIT_OK
    document = {**translation.render(), "storage": tables}
    if args.output == "json":
        print(json.dumps(document, indent=2))
    else:
        print(yaml.safe_dump(document, sort_keys=False), end="")
    return EXIT_OK


def cmd_validate(args: Namespace) -> int:
    skipped: list[tuple[str, str]] = []
    loaded, errors = load_specs(list(args.paths), skipped)
    valid: list[tuple[Any, list[str]]] = []
    for spec in loaded:
        try:
            valid.append((spec, translate(spec, AwsLocation()).warnings))
        except SpecErrors as problem:
            errors.extend(problem.errors)
        except SpecError as problem:
            errors.append(problem)
    if not loaded and not errors:
        errors.append(SpecError(" ".join(args.paths), message="no ServerlessContainer spec found"
                                + (f" ({len(skipped)} YAML file{'s' if len(skipped) != 1 else ''} skipped; -v lists them)"
                                   if skipped and not args.verbose else "")))
    if args.output == "json":
        print(json.dumps(validation_document(valid, errors, skipped), indent=2))
        return EXIT_ERROR if errors else EXIT_OK
    if args.verbose:
        for path, reason in skipped:
            _err(f"skipped {path}: {reason}")
    warnings = [warning for _, found in valid for warning in found]
    for warning in warnings:
        _err(f"warning: {warning}")
    if errors:
        return _report_errors(errors)
    count = len(valid)
    print(f"{count} spec{'s' if count != 1 else ''} valid"
          + (f", {len(warnings)} warning{'s' if len(warnings) != 1 else ''}" if warnings else ""))
    return EXIT_OK


def cmd_schema(args: Namespace) -> int:
    print(json.dumps(json_schema(), indent=2))
    return EXIT_OK


def cmd_emulator(args: Namespace) -> int:
    from reconciler.emulator.server import EmbeddedAWS

    server = EmbeddedAWS(port=args.port, host=args.host).start()  # ConfigurationError if the port is taken
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())  # before the banner: a client may stop us right after it
    where = "" if args.host == "127.0.0.1" else f" (bound to {args.host})"
    print(f"embedded AWS (moto) listening on {server.url}{where}; use --target {server.url}. Ctrl-C stops it.", flush=True)
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    server.stop()
    return EXIT_OK


# --- commands that talk to AWS ------------------------------------------------------------

def _prepare(args: Namespace) -> tuple[Target, Context, list[EnvironmentDesign]] | int:
    # Spec problems are reported before any AWS call (or emulator start).
    found, errors = load_specs(list(args.paths))
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
        progress = _Progress(enabled=sys.stderr.isatty())
        started = time.monotonic()
        report = converge(controllers, designs, ctx, timeout=args.timeout, on_pass=progress)
        endpoints = _endpoints(report.status)
        if args.write_client_config and endpoints:
            from reconciler.client_config import write_client_config

            apis = {app.name: app.api for env in designs for app in env.apps if app.api}
            restricted = {name for name, api in apis.items() if api.restrict_access}
            graphql = {name for name, api in apis.items() if api.type == "GraphQL"}
            write_client_config(args.write_client_config, endpoints, ctx.region, restricted, graphql)
            if graphql and args.write_client_config.endswith("aws-exports.js"):
                _err("reconcile: GraphQL endpoints are not written to aws-exports.js (it lists REST APIs only): "
                     + ", ".join(f"{n} {endpoints[n]}" for n in sorted(graphql) if n in endpoints))
            _err(f"reconcile: wrote {len(endpoints)} endpoint{'s' if len(endpoints) != 1 else ''} to {args.write_client_config}")
        _print_summary(report.status, endpoints, args.output)
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


def _status_document(status: Status, endpoints: dict[str, str]) -> dict[str, Any]:
    specs: dict[str, Any] = {}
    for scope, conditions in sorted(status.specs.items()):
        entry = specs.setdefault(scope, {"conditions": [c.as_dict() for c in conditions], "resources": {}})
        app = scope.split("/", 1)[1] if "/" in scope else None
        if app and app in endpoints:
            entry["endpoint"] = endpoints[app]
    for key, conditions in sorted(status.resources.items(), key=lambda kv: str(kv[0])):
        specs[key.scope]["resources"][str(key)] = {"conditions": [c.as_dict() for c in conditions]}
    return {"specs": specs}


def _print_summary(status: Status, endpoints: dict[str, str], output: str) -> None:
    document = _status_document(status, endpoints)
    if output == "json":
        print(json.dumps(document, indent=2))
        return
    for scope, entry in document["specs"].items():
        conds = {c["type"]: c for c in entry["conditions"]}
        print(f"{scope}: Ready={conds['Ready']['status']} Synced={conds['Synced']['status']}"
              + (f"  endpoint {entry['endpoint']}" if entry.get("endpoint") else ""))
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
    _print_summary(status, endpoints, args.output)
    return EXIT_OK if status.all_ready() else EXIT_ERROR


def cmd_delete(args: Namespace) -> int:
    prepared = _prepare(args)
    if isinstance(prepared, int):
        return prepared
    target, ctx, designs = prepared
    controllers = _controllers()
    try:
        if args.dry_run:
            plan = teardown.deletion_plan(controllers, designs, ctx)
            _print_plan(plan, args.output)
            return EXIT_OK
        report = teardown.delete(controllers, designs, ctx, timeout=args.timeout)
    finally:
        target.close()
    if args.output == "json":
        print(json.dumps(deletion_document(report), indent=2))
        return EXIT_OK if report.done else EXIT_TIMEOUT
    for name in dict.fromkeys(report.deleted):
        print(f"- {name}")
    if report.done:
        print(f"deleted {len(set(report.deleted))} resources")
        return EXIT_OK
    for name, message in report.failures.items():
        _err(f"reconcile: could not delete {name}: {message}")
    return EXIT_TIMEOUT
