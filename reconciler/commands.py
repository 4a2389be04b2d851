"""The commands behind `reconcile ...`. Each returns a documented exit code."""
from __future__ import annotations

import json
import os
import signal
import sys
import threading
from argparse import Namespace
from typing import TYPE_CHECKING, Any

from reconciler.errors import EXIT_ERROR, EXIT_OK

if TYPE_CHECKING:
    from specs import SpecError

# Imports are made where they are needed: `reconcile --help` (and the parser every command
# builds) must not pay for pydantic, boto3 and structlog (issue 13: process start).


def run(args: Namespace) -> int:
    from reconciler import logging as rlog

    level = getattr(args, "log_level", None) or ("warning" if sys.stderr.isatty() else "info")
    rlog.configure(json=None if not getattr(args, "log_format", None) else args.log_format == "json", level=level)
    from reconciler import commands_aws, commands_delivery

    handler = {
        "render": cmd_render, "validate": cmd_validate, "schema": cmd_schema, "emulator": cmd_emulator,
        "apply": commands_aws.cmd_apply, "plan": commands_aws.cmd_plan, "status": commands_aws.cmd_status,
        "delete": commands_aws.cmd_delete, "prune": commands_aws.cmd_prune,
        "client-config": commands_aws.cmd_client_config, **commands_delivery.handlers(),
        "run": _daemon("cmd_run"), "trigger": _daemon("cmd_trigger"), "events": _daemon("cmd_events"),
    }[args.command]
    return handler(args)


def _daemon(name: str) -> Any:
    def command(args: Namespace) -> int:
        from reconciler.daemon import commands as daemon_commands

        return int(getattr(daemon_commands, name)(args))

    return command


def err(message: str) -> None:
    print(message, file=sys.stderr)


def report_errors(errors: list[SpecError]) -> int:
    for error in errors:
        err(str(error))
    err(f"reconcile: {len(errors)} problem{'s' if len(errors) != 1 else ''} found")
    return EXIT_ERROR


# --- commands that make no AWS call -------------------------------------------------------

def cmd_render(args: Namespace) -> int:
    import yaml

    from reconciler.documents import render_storage_text
    from reconciler.loading import load_specs
    from specs import AwsLocation, SpecError, SpecErrors, translate
    from specs import render_text as render_translation_text
    from specs.tables import storage_tables

    location = AwsLocation(
        account_id=args.account_id or "123456789012",
        region=args.region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1",
    )
    loaded, errors = load_specs([args.spec])
    if errors:
        return report_errors(errors)
    if len(loaded) != 1:
        held = f"holds {len(loaded)}: " + ", ".join(f"{s.path}:{s.line} ({s.model.name})" for s in loaded) if loaded else "holds none"
        return report_errors([SpecError(args.spec, message=f"render takes one ServerlessContainer spec; this {held}")])
    try:
        translation = translate(loaded[0], location)
        from reconciler.delivery.design import as_deployed

        translation = as_deployed(loaded[0], translation)  # built images at their tag, not `latest`
    except SpecErrors as problem:
        return report_errors(list(problem.errors))
    except SpecError as problem:
        return report_errors([problem])
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
    from reconciler.documents import validation_document
    from reconciler.loading import load_specs
    from specs import AwsLocation, SpecError, SpecErrors, translate

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
            err(f"skipped {path}: {reason}")
    warnings = [warning for _, found in valid for warning in found]
    for warning in warnings:
        err(f"warning: {warning}")
    if errors:
        return report_errors(errors)
    count = len(valid)
    print(f"{count} spec{'s' if count != 1 else ''} valid"
          + (f", {len(warnings)} warning{'s' if len(warnings) != 1 else ''}" if warnings else ""))
    return EXIT_OK


def cmd_schema(args: Namespace) -> int:
    from specs import json_schema

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
        # Wake up now and then: the kernel may deliver SIGTERM to one of moto's threads, and a
        # main thread blocked for good in wait() would never run the Python handler.
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    server.stop()
    return EXIT_OK
