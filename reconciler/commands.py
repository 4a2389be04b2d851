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
from reconciler.errors import EXIT_ERROR, EXIT_OK
from specs import AwsLocation, SpecError, SpecErrors, discover, json_schema, load_file, translate
from specs import render_text as render_translation_text


def run(args: Namespace) -> int:
    level = getattr(args, "log_level", None) or ("warning" if sys.stderr.isatty() else "info")
    rlog.configure(json=None if not getattr(args, "log_format", None) else args.log_format == "json", level=level)
    from reconciler import commands_aws

    handler = {
        "render": cmd_render, "validate": cmd_validate, "schema": cmd_schema, "emulator": cmd_emulator,
        "apply": commands_aws.cmd_apply, "plan": commands_aws.cmd_plan, "status": commands_aws.cmd_status,
        "delete": commands_aws.cmd_delete, "prune": commands_aws.cmd_prune,
        "client-config": commands_aws.cmd_client_config,
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
        return report_errors(list(problem.errors))
    except SpecError as problem:
        return report_errors([problem])
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
            err(f"warning: {warning}")
    if errors:
        return report_errors(errors)
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


