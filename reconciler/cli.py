"""`reconcile`: the command line. Parsing and dispatch only; the commands live in
`reconciler.commands`. Results go to stdout, diagnostics to stderr; never a traceback for bad input."""
from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from botocore.exceptions import BotoCoreError, ClientError

from reconciler import commands
from reconciler.errors import EXIT_ERROR, ConfigurationError
from reconciler.engine import aws_message

SUBCOMMANDS = ("render", "validate", "schema", "plan", "status", "delete", "prune", "emulator", "apply",
               "client-config", "run", "trigger", "events")


def _target_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--target", help="embedded | aws | http://HOST:PORT (env RECONCILE_TARGET; default: aws when "
                        "AWS credentials are configured, else embedded)")
    parser.add_argument("--log-format", choices=("json", "console"), help="log format on stderr (default: console on a TTY, else json)")
    parser.add_argument("--log-level", choices=("debug", "info", "warning", "error"),
                        help="default: warning on a TTY (progress lines show instead), info otherwise")
    parser.add_argument("--state-table", metavar="NAME",
                        help="DynamoDB table holding the reconciler's state (env RECONCILE_STATE_TABLE; "
                             "default sc-reconciler-state)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="reconcile", description="Declarative reconciler for serverless containers on AWS Fargate.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    once = sub.add_parser("apply", help="converge once (same as `reconcile --once PATH...`)")
    once.add_argument("paths", nargs="*", default=["."], metavar="PATH")
    once.add_argument("--once", action="store_true", help=argparse.SUPPRESS)
    once.add_argument("--dry-run", action="store_true", help="plan only: show what would change and stop")
    once.add_argument("--timeout", type=float, default=900.0, help="seconds to wait for Ready (default 900)")
    once.add_argument("--write-client-config", metavar="FILE", action="append",
                      help="after converging, write the API endpoints (and sign-in ids of restricted APIs) into "
                      "aws-exports.js, amplifyconfiguration.json or amplify_outputs.json; repeatable")
    once.add_argument("--prune", action="store_true",
                      help="the paths are the whole truth for the environments they name: delete recorded apps "
                           "that have no spec under them")
    once.add_argument("-o", "--output", choices=("text", "json"), default="text")
    _target_option(once)

    render = sub.add_parser("render", help="print the ECS task definition and service a spec translates to (no AWS call)")
    render.add_argument("spec", metavar="SPEC")
    render.add_argument("-o", "--output", choices=("text", "json", "yaml"), default="text")
    render.add_argument("--account-id", default=None, help="account for ECR/Secrets Manager ARNs (default 123456789012)")
    render.add_argument("--region", default=None, help="region (default $AWS_REGION or us-east-1)")

    validate = sub.add_parser("validate", help="check specs and their sources; report every problem")
    validate.add_argument("paths", nargs="+", metavar="PATH")

    sub.add_parser("schema", help="print the JSON Schema of the ServerlessContainer spec")

    plan = sub.add_parser("plan", help="show what a converge would change (read calls only)")
    plan.add_argument("paths", nargs="*", default=["."], metavar="PATH")
    plan.add_argument("-o", "--output", choices=("text", "json"), default="text")
    plan.add_argument("--detailed-exitcode", action="store_true", help="exit 0 no changes, 2 changes pending, 1 error")
    plan.add_argument("--prune", action="store_true", help="also show the apps `--once --prune` would delete")
    _target_option(plan)

    status = sub.add_parser("status", help="conditions per spec and resource, as last recorded in the state store")
    status.add_argument("paths", nargs="*", default=["."], metavar="PATH")
    status.add_argument("-o", "--output", choices=("text", "json"), default="text")
    status.add_argument("--live", action="store_true", help="observe AWS now instead of reading the state store")
    _target_option(status)

    delete = sub.add_parser("delete", help="remove what the specs own, in reverse dependency order")
    delete.add_argument("paths", nargs="+", metavar="PATH")
    delete.add_argument("--dry-run", action="store_true")
    delete.add_argument("--timeout", type=float, default=900.0)
    _target_option(delete)

    prune = sub.add_parser("prune", help="delete recorded apps whose spec is not under the paths (their environments only)")
    prune.add_argument("paths", nargs="*", default=["."], metavar="PATH")
    prune.add_argument("--dry-run", action="store_true", help="list what would be deleted and stop")
    prune.add_argument("--timeout", type=float, default=900.0)
    _target_option(prune)

    client = sub.add_parser("client-config", help="write the client configuration of the existing stack (no converge)")
    client.add_argument("paths", nargs="*", default=["."], metavar="PATH")
    client.add_argument("-o", "--output", metavar="FILE", action="append", required=True,
                        help="aws-exports.js, amplifyconfiguration.json or amplify_outputs.json (merged into); repeatable")
    _target_option(client)

    from reconciler.daemon.commands import add_parsers

    add_parsers(sub, _target_option)

    emulator = sub.add_parser("emulator", help="run the embedded AWS (moto) in the foreground for other commands to share")
    emulator.add_argument("--port", type=int, default=4566)
    return parser


def _normalise(argv: list[str]) -> list[str]:
    """`reconcile --once [PATH...]` is the main job: route it to the `apply` command."""
    if "--once" in argv and not any(a in SUBCOMMANDS for a in argv):
        return ["apply"] + [a for a in argv if a != "--once"]
    return argv


def main(argv: Sequence[str] | None = None) -> int:
    args_list = _normalise(list(sys.argv[1:] if argv is None else argv))
    parser = build_parser()
    if not args_list:
        parser.print_help(sys.stderr)
        return EXIT_ERROR
    if args_list[0] not in SUBCOMMANDS and not args_list[0].startswith("-"):
        parser.error(f"unknown command {args_list[0]!r}: `reconcile run PATH...` reconciles continuously, "
                     "`reconcile --once PATH...` once")
    args = parser.parse_args(args_list)
    try:
        return commands.run(args)
    except ConfigurationError as error:
        print(f"reconcile: {error}", file=sys.stderr)
        return EXIT_ERROR
    except (ClientError, BotoCoreError) as error:
        print(f"reconcile: AWS error: {aws_message(error)}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("reconcile: interrupted; run it again to finish converging (every step is idempotent)", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
