"""`reconcile`: the command line. Parsing and dispatch only; the commands live in
`reconciler.commands`. Results go to stdout, diagnostics to stderr; never a traceback for bad input."""
from __future__ import annotations

import argparse
import difflib
import os
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

from reconciler import commands_delivery
from reconciler.errors import EXIT_ERROR, ConfigurationError

# Only what the parser needs is imported here: a command imports what it uses when it runs, so
# `reconcile --help` starts in a fraction of the time boto3, pydantic and structlog take to load.

DESCRIPTION = """\
Declarative reconciler for serverless containers on AWS Fargate: a ServerlessContainer spec next
to a Dockerfile or docker-compose.yml becomes a Fargate service behind API Gateway.

the main job:
  reconcile --once [PATH...]   converge every spec under PATH (default .) once; same as `apply`
"""
EPILOG = "Run `reconcile COMMAND --help` for a command's options. Exit codes: see the README."
PATHS_HELP = "spec files, or folders searched recursively for them (default: .)"
OUTPUT_HELP = "result format on stdout (default: text)"
FULL_READ_HELP = ("read every resource now; otherwise reads the state store proves unneeded are skipped, and each "
                  "app is read in full every RECONCILE_FULL_READ_EVERY-th pass (default 10)")


class UsageError(Exception):
    """Bad command line: reported with the usage line, exit 1 (2 means "changes pending")."""

    def __init__(self, parser: argparse.ArgumentParser, message: str) -> None:
        super().__init__(message)
        self.parser = parser
        self.message = message


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(self, message)


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("serverless-container-reconciler")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "unknown"


class _VersionAction(argparse.Action):
    """`--version`, reading the installed version only when asked (importlib.metadata is slow to load)."""

    def __init__(self, option_strings: Sequence[str], dest: str = argparse.SUPPRESS, help: str | None = None) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, help=help)

    def __call__(self, parser: argparse.ArgumentParser, *_: Any) -> NoReturn:
        print(f"reconcile {_version()}")
        parser.exit()


def _target_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--target", help="embedded | aws | http://HOST:PORT (env RECONCILE_TARGET; default: aws when "
                        "AWS credentials are configured, else embedded)")
    parser.add_argument("--log-format", choices=("json", "console"), help="log format on stderr (default: console on a TTY, else json)")
    parser.add_argument("--log-level", choices=("debug", "info", "warning", "error"),
                        help="default: warning on a TTY (progress lines show instead), info otherwise")
    parser.add_argument("--state-table", metavar="NAME",
                        help="DynamoDB table holding the reconciler's state (env RECONCILE_STATE_TABLE; "
                             "default sc-reconciler-state)")


def _paths(parser: argparse.ArgumentParser, path_actions: list[Any], *, required: bool = False) -> None:
    path_actions.append(parser.add_argument(
        "paths", nargs="+" if required else "*", default=None if required else ["."], metavar="PATH",
        help=PATHS_HELP.replace(" (default: .)", "") if required else PATHS_HELP))


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="reconcile", description=DESCRIPTION, epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action=_VersionAction, help="print the version and exit")
    parser.add_argument("--once", action="store_true", help="converge once and exit (see `reconcile apply --help` for its options)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")
    path_actions: list[Any] = []

    once = sub.add_parser("apply", help="converge once: plan, apply, wait for Ready (same as `reconcile --once PATH...`)")
    _paths(once, path_actions)
    once.add_argument("--once", action="store_true", help=argparse.SUPPRESS)
    once.add_argument("--dry-run", action="store_true", help="plan only: show what would change and stop")
    once.add_argument("--timeout", type=float, default=900.0, help="seconds to wait for Ready (default 900)")
    once.add_argument("--write-client-config", metavar="FILE", action="append",
                      help="after converging, write the API endpoints (and sign-in ids of restricted APIs) into "
                      "aws-exports.js, amplifyconfiguration.json or amplify_outputs.json; repeatable")
    once.add_argument("--prune", action="store_true",
                      help="the paths are the whole truth for the environments they name: delete recorded apps "
                           "that have no spec under them")
    once.add_argument("-o", "--output", choices=("text", "json"), default="text", help=OUTPUT_HELP)
    once.add_argument("--full-read", action="store_true", help=FULL_READ_HELP)
    once.add_argument("--skip-secrets", action="store_true",
                      help="create the secrets and wire them into the task definition, but write no value "
                           "(someone else puts them); status lists the secrets without a value")
    _target_option(once)

    plan = sub.add_parser("plan", help="show what a converge would change (read calls only)")
    _paths(plan, path_actions)
    plan.add_argument("-o", "--output", choices=("text", "json"), default="text", help=OUTPUT_HELP)
    plan.add_argument("--detailed-exitcode", action="store_true", help="exit 0 no changes, 2 changes pending, 1 error")
    plan.add_argument("--prune", action="store_true", help="also show the apps `--once --prune` would delete")
    plan.add_argument("--skip-secrets", action="store_true", help="plan as `--once --skip-secrets` would run")
    plan.add_argument("--full-read", action="store_true", help=FULL_READ_HELP)
    _target_option(plan)

    status = sub.add_parser("status", help="Ready/Synced conditions per spec and resource, as last recorded in the state store")
    _paths(status, path_actions)
    status.add_argument("-o", "--output", choices=("text", "json"), default="text", help=OUTPUT_HELP)
    status.add_argument("--live", action="store_true", help="observe AWS now instead of reading the state store")
    _target_option(status)

    delete = sub.add_parser("delete", help="remove what the specs own, in reverse dependency order")
    _paths(delete, path_actions, required=True)
    delete.add_argument("--dry-run", action="store_true", help="show what would be deleted and stop")
    delete.add_argument("--timeout", type=float, default=900.0, help="seconds to wait for deletions (default 900)")
    delete.add_argument("-o", "--output", choices=("text", "json"), default="text", help=OUTPUT_HELP)
    _target_option(delete)

    prune = sub.add_parser("prune", help="delete recorded apps whose spec is not under the paths (their environments only)")
    _paths(prune, path_actions)
    prune.add_argument("--dry-run", action="store_true", help="list what would be deleted and stop")
    prune.add_argument("--timeout", type=float, default=900.0, help="seconds to wait for deletions (default 900)")
    prune.add_argument("-o", "--output", choices=("text", "json"), default="text", help=OUTPUT_HELP)
    _target_option(prune)

    client = sub.add_parser("client-config", help="write the client configuration of the existing stack (no converge)")
    _paths(client, path_actions)
    client.add_argument("-o", "--output", metavar="FILE", action="append", required=True,
                        help="aws-exports.js, amplifyconfiguration.json or amplify_outputs.json (merged into); repeatable")
    _target_option(client)

    from reconciler.daemon.commands import add_parsers

    add_parsers(sub, _target_option, path_actions)

    render = sub.add_parser("render", help="print the ECS task definition and service a spec translates to (no AWS call)")
    path_actions.append(render.add_argument("spec", metavar="SPEC", help="a spec file, or a folder holding exactly one spec"))
    render.add_argument("-o", "--output", choices=("text", "json", "yaml"), default="text", help=OUTPUT_HELP)
    render.add_argument("--account-id", default=None, help="account for ECR/Secrets Manager ARNs (default 123456789012)")
    render.add_argument("--region", default=None, help="region (default $AWS_REGION or us-east-1)")

    validate = sub.add_parser("validate", help="check specs and their sources; report every problem (no AWS call)")
    _paths(validate, path_actions, required=True)
    validate.add_argument("-o", "--output", choices=("text", "json"), default="text", help=OUTPUT_HELP)
    validate.add_argument("-v", "--verbose", action="store_true", help="also list the YAML files skipped because they hold no spec")

    sub.add_parser("schema", help="print the JSON Schema of the ServerlessContainer spec")
    commands_delivery.add_parsers(sub, _target_option)

    emulator = sub.add_parser("emulator", help="run the embedded AWS (moto) in the foreground for other commands to share")
    emulator.add_argument("--port", type=int, default=4566, help="port to listen on (default 4566)")
    emulator.add_argument("--host", default="127.0.0.1",
                          help="address to bind (default 127.0.0.1, this machine only; 0.0.0.0 inside a container)")

    completion = sub.add_parser("completion", help="print a shell completion script (bash or zsh)",
                                description="Print a completion script. bash: `source <(reconcile completion bash)`; "
                                            "zsh: `reconcile completion zsh > \"${fpath[1]}/_reconcile\"`.")
    completion.add_argument("shell", choices=("bash", "zsh"), help="the shell to complete in")
    parser.path_actions = path_actions  # type: ignore[attr-defined]  # completion marks them as files
    parser.commands = dict(sub.choices)  # type: ignore[attr-defined]
    return parser


def _normalise(argv: list[str], names: Sequence[str]) -> list[str]:
    """`reconcile --once [PATH...]` is the main job: route it to the `apply` command."""
    if "--once" in argv and not any(a in names for a in argv):
        return ["apply"] + [a for a in argv if a != "--once"]
    return argv


def _unknown_command(word: str, names: Sequence[str]) -> str:
    close = difflib.get_close_matches(word, names, n=1)
    if close:
        return f"unknown command '{word}'; did you mean '{close[0]}'?"
    if os.path.exists(word):
        return f"unknown command '{word}'; to converge the specs under it once, run `reconcile --once {word}`"
    return f"unknown command '{word}'; commands: {', '.join(names)}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    names = list(parser.commands)  # type: ignore[attr-defined]
    args_list = _normalise(list(sys.argv[1:] if argv is None else argv), names)
    if not args_list:
        parser.print_help(sys.stderr)
        return EXIT_ERROR
    try:
        if not args_list[0].startswith("-") and args_list[0] not in names:
            parser.error(_unknown_command(args_list[0], names))
        args, extra = parser.parse_known_args(args_list)
        if extra:  # reported with the command's own usage line, not the top-level one
            parser.commands.get(args.command, parser).error(f"unrecognized arguments: {' '.join(extra)}")  # type: ignore[attr-defined]
        if args.command is None:
            parser.error("a command is required (or --once PATH...)")
    except UsageError as problem:
        problem.parser.print_usage(sys.stderr)
        print(f"reconcile: {problem.message}", file=sys.stderr)
        return EXIT_ERROR
    from reconciler.interrupts import kept

    with kept():
        return _run(args, parser)


def _run(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    from botocore.exceptions import BotoCoreError, ClientError

    from reconciler import commands
    from reconciler.executor import aws_message

    try:
        if args.command == "completion":
            return _completion(args.shell, parser)
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


def _completion(shell: str, parser: argparse.ArgumentParser) -> int:
    """The completion script, generated from this parser by shtab (so it never drifts from it)."""
    import shtab  # noqa: PLC0415 - only this command needs it

    for action in parser.path_actions:  # type: ignore[attr-defined]
        action.complete = shtab.FILE
    print(shtab.complete(parser, shell=shell), end="")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
