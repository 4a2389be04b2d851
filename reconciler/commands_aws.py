"""The commands that talk to AWS: converge (`--once`), plan, status, delete, prune. Each reads
the state store first; each returns a documented exit code."""
from __future__ import annotations

import json
import os
import sys
import time
from argparse import Namespace
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from reconciler import client_config, registrar, workflow
from reconciler.commands import err, report_errors
from reconciler.conditions import ConditionStore
from reconciler.delivery import facts as delivery_facts
from reconciler.delivery import report as delivery_report
from reconciler.controller import Context
from reconciler.design import EnvironmentDesign
from reconciler.engine import ConvergeReport
from reconciler.errors import (
    EXIT_AWAITING, EXIT_BUILD_FAILED, EXIT_CHANGES, EXIT_ERROR, EXIT_FAILED, EXIT_OK, EXIT_REFUSED, EXIT_TIMEOUT,
)
from reconciler.graph import GraphError
from reconciler.documents import deletion_document
from reconciler.loading import designs_from, load_specs
from reconciler.plan import Change, Plan, make_plan
from reconciler.render import render_json, render_text
from reconciler.report import annotate_observations, commits_of, endpoints_of, print_summary, status_document, status_from_state
from reconciler.state import DEFAULT_TABLE, TABLE_ENV, StateStore
from reconciler.state.store import VERIFIED_FACT
from reconciler.state.recall import Recall
from reconciler.state.sync import failed_revisions, seed_conditions
from reconciler.status import derive_status
from reconciler.target import Target, resolve
from specs import AwsLocation, SpecError


@dataclass
class Prepared:
    target: Target
    ctx: Context
    designs: list[EnvironmentDesign]
    store: StateStore
    failures: list[SpecError] = field(default_factory=list)  # specs that failed to load (tolerated)
    skip_secrets: bool = False  # --skip-secrets: secret values are someone else's to write
    full_read: bool = False  # --full-read: read every resource now (recall none)
    prefetched: dict[str, Any] = field(default_factory=dict)  # the environments' state as first read


def _controllers() -> list[Any]:
    from controllers.registry import all_controllers

    return all_controllers()


def _prepare(args: Namespace, *, tolerate_failures: bool = False) -> Prepared | int:
    """Spec problems are reported before any AWS call (or emulator start). With
    `tolerate_failures` (prune), the valid specs go ahead and the failing ones are held."""
    found, errors = load_specs(list(args.paths))
    if errors and not tolerate_failures:
        return report_errors(errors)
    for error in errors:
        err(str(error))
    if not found:
        err(f"reconcile: no ServerlessContainer spec found under {' '.join(args.paths)}")
        return EXIT_ERROR
    target = resolve(getattr(args, "target", None))
    ctx = Context(target.factory)
    table = getattr(args, "state_table", None) or os.environ.get(TABLE_ENV) or DEFAULT_TABLE
    store = StateStore(ctx.aws, table)
    # The environments' state is read first: it holds the account's facts (account, partition,
    # zones) recorded by an earlier run, so neither STS nor EC2 is asked for them again. (Not
    # overlapped with the controllers' import on a thread: a Ctrl-C landing inside an import is
    # swallowed by the import machinery, and the run would then wait out the read's timeout.)
    prefetched = store.prefetch([spec.model.environment for spec in found])
    for state in prefetched.values():
        if state.facts is not None:
            ctx.aws.seed_facts(state.facts.values)
    location = AwsLocation(account_id=ctx.account_id, region=ctx.region, partition=ctx.partition)
    designs, problems = designs_from(found, location)
    if problems:
        target.close()
        return report_errors(problems)
    for env in designs:
        for app in env.apps:
            for warning in app.translation.warnings:
                err(f"warning: {warning}")
    return Prepared(target, ctx, designs, store, errors, bool(getattr(args, "skip_secrets", False)),
                    bool(getattr(args, "full_read", False)), prefetched)


def _scopes(prepared: Prepared) -> list[str]:
    return [f"{env.name}/{app.name}" for env in prepared.designs for app in env.apps]


def _print_plan(plan: Plan, output: str) -> None:
    print(render_json(plan) if output == "json" else render_text(plan), end="" if output == "text" else "\n")


def _work(prepared: Prepared, *, prune: bool, write: bool) -> workflow.Work:
    """Read the state, and decide what the run covers: the specs, the other apps of their
    environments, and what goes (within apps always; whole apps with `prune`)."""
    ctx, store = prepared.ctx, prepared.store
    environments = [env.name for env in prepared.designs]
    states = workflow.load_states(store, ctx, environments, write=write)
    designs, suspended = delivery_facts.apply(prepared.designs, states, skip_secrets=prepared.skip_secrets)
    held, attributed = workflow.held_apps(prepared.failures, states)
    held.update(suspended)
    removed: set[tuple[str, str]] = set()
    problems: list[str] = []
    if prune:
        if attributed:
            removed = workflow.removed_apps(designs, states, held)
        else:
            problems.append("nothing is pruned: a spec that failed to load could not be tied to an app")
    designs = workflow.with_environment_facts(designs, states, ctx, leaving=removed)
    extra = workflow.prune_resources(_controllers(), designs, states, removed)
    work = workflow.Work(designs, states, extra, removed, held, problems + workflow.zone_problems(designs),
                         prepared.full_read)
    for app, why in sorted(held.items()):
        err(f"reconcile: holding {app}: {why}; it is not pruned")
    return work


def _state_change(store: StateStore) -> Change | None:
    if store.exists is False:
        return Change("create", "state.table", f"state table {store.name}", (), "created on first converge")
    return None


def read_only_plan(prepared: Prepared, *, prune: bool) -> Plan | int:
    work = _work(prepared, prune=prune, write=False)
    if work.problems:
        for problem in work.problems:
            err(f"reconcile: {problem}")
        if workflow.zone_problems(work.designs):
            return EXIT_ERROR
    controllers = _controllers()
    kinds = [c.kind for c in controllers if getattr(c, "recallable", False)]
    ctx = replace(prepared.ctx, recall=Recall(work.states, kinds, full_read=prepared.full_read))
    plan = make_plan(controllers, work.designs, ctx, extra=work.extra,
                     failed_revisions=failed_revisions(work.states, controllers))
    plan.state_change = _state_change(prepared.store)
    plan.held = work.held
    return plan


def cmd_plan(args: Namespace) -> int:
    prepared = _prepare(args, tolerate_failures=args.prune)
    if isinstance(prepared, int):
        return prepared
    try:
        plan = read_only_plan(prepared, prune=args.prune)
    except GraphError as error:
        err(f"reconcile: {error}")
        return EXIT_ERROR
    finally:
        prepared.target.close()
    if isinstance(plan, int):
        return plan
    _print_plan(plan, args.output)
    if plan.problems or prepared.failures:
        return EXIT_ERROR
    return EXIT_CHANGES if (args.detailed_exitcode and (plan.pending or plan.state_change)) else EXIT_OK


def cmd_apply(args: Namespace) -> int:
    prepared = _prepare(args, tolerate_failures=args.prune)
    if isinstance(prepared, int):
        return prepared
    try:
        if args.dry_run:
            plan = read_only_plan(prepared, prune=args.prune)
            if isinstance(plan, int):
                return plan
            _print_plan(plan, args.output)
            return EXIT_ERROR if plan.problems or prepared.failures else EXIT_OK
        return _converge(prepared, args)
    except GraphError as error:
        err(f"reconcile: {error}")
        return EXIT_ERROR
    finally:
        prepared.target.close()


def _full_read_due(prepared: Prepared) -> bool:
    """Is any app of this run due for a full read (then the state table's settings are read in
    full too: its tags and point-in-time recovery)?"""
    if not any(s.facts and s.facts.values.get(VERIFIED_FACT) for s in prepared.prefetched.values()):
        return True  # never found as desired yet (just created: point-in-time recovery comes later)
    kinds = ["-"]  # any kind: only the apps' pass counts matter here
    recall = Recall(prepared.prefetched, kinds, full_read=prepared.full_read)
    return any(recall.due(env.name, app.name) for env in prepared.designs for app in env.apps)


def _converge(prepared: Prepared, args: Namespace) -> int:
    started = time.monotonic()
    if not workflow.wait_for_table(prepared.store, timeout=args.timeout, deep=_full_read_due(prepared)):
        err(f"reconcile: the state table {prepared.store.name} was not ready before --timeout")
        return EXIT_TIMEOUT
    work = _work(prepared, prune=args.prune, write=True)
    if work.problems:
        for problem in work.problems:
            err(f"reconcile: {problem}")
        if workflow.zone_problems(work.designs):
            return EXIT_ERROR
    if args.write_client_config:
        client_config.preflight(args.write_client_config, work.designs)  # a bad file fails now, not after converging
    progress = _Progress(enabled=sys.stderr.isatty())
    report = workflow.run_converge(_controllers(), work.designs, prepared.ctx, prepared.store, work=work,
                                   timeout=max(1.0, args.timeout - (time.monotonic() - started)), on_pass=progress)
    clients = client_config.api_facts(work.designs, report.status.outputs)
    if args.write_client_config:
        _write_client_config(args.write_client_config, clients)
    records = registrar.external_records(work.designs, report.status.outputs)
    document = status_document(report.status, endpoints_of(report.status), clients, records)
    print_summary(delivery_report.annotate(document, report.status, work.states, _scopes(prepared)), args.output, clients)
    if args.output == "text":
        registrar.print_tables(records)
    if args.output == "text":
        state = "converged" if report.converged else ("timed out" if report.timed_out else "not converged")
        print(f"{state} in {report.passes} pass{'es' if report.passes != 1 else ''}, {time.monotonic() - started:.1f}s, "
              f"{prepared.ctx.aws.request_count} AWS requests")
    if prepared.target.embedded is not None:
        err("reconcile: the embedded AWS stops with this process; run `reconcile emulator` and "
            "--target http://127.0.0.1:4566 to keep state between commands")
    return _exit_code(report, args.timeout, failures=bool(prepared.failures))


def _exit_code(report: ConvergeReport, timeout: float, *, failures: bool) -> int:
    if report.converged:
        return EXIT_ERROR if failures else EXIT_OK
    if report.failed:
        for key, message in report.failed:
            err(f"reconcile: {key} failed: {message}")
        if any(key.kind == "build.image" for key, _ in report.failed):
            err("reconcile: fix the source and run again, or `reconcile rebuild SPEC` to build the same source again")
            return EXIT_BUILD_FAILED
        return EXIT_FAILED
    if report.refused:
        for outcome in report.refused:
            err(f"reconcile: refused {outcome.key}: {outcome.message}")
        return EXIT_REFUSED
    if report.awaiting:
        for key, message in report.awaiting:
            err(f"reconcile: {key} is waiting for you: {message}")
        err("reconcile: run again once that is done (exit 6: waiting for you)")
        return EXIT_AWAITING
    if report.timed_out:
        err(f"reconcile: not Ready after {timeout:.0f}s (see the summary above)")
        return EXIT_TIMEOUT
    return EXIT_ERROR


def _write_client_config(paths: Sequence[str], clients: Sequence[client_config.ApiFacts]) -> bool:
    """Write what exists; say what is left out. True when every API was written."""
    lines, incomplete = client_config.write_files(paths, clients)
    for line in lines:
        err(f"reconcile: {line}")
    return not incomplete


def cmd_client_config(args: Namespace) -> int:
    """Write the client configuration of the stack as it is: from what the state store recorded,
    or, for apps it has no record of, from a read-only observation (no converge)."""
    prepared = _prepare(args)
    if isinstance(prepared, int):
        return prepared
    try:
        client_config.preflight(args.output, prepared.designs)
        states = {env.name: prepared.store.load(env.name) for env in prepared.designs}
        scopes = {f"{env.name}/{app.name}" for env in prepared.designs for app in env.apps}
        status = status_from_state(states, scopes)
        if scopes - set(status.specs):
            plan = read_only_plan(prepared, prune=False)
            if isinstance(plan, int):
                return plan
            status = derive_status(plan, None, ConditionStore())
    except GraphError as error:
        err(f"reconcile: {error}")
        return EXIT_ERROR
    finally:
        prepared.target.close()
    clients = client_config.api_facts(prepared.designs, status.outputs)
    complete = _write_client_config(args.output, clients)
    if not complete:
        err("reconcile: run `reconcile --once` to create what is missing")
    return EXIT_OK if complete and clients else EXIT_ERROR


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
            err(f"  [{number}] {change.action:<7} {change.name:<48} {status}" + (f": {outcome.message}" if outcome and outcome.message else ""))


def cmd_status(args: Namespace) -> int:
    """What the reconciler last saw (the state store); `--live` observes AWS afresh."""
    prepared = _prepare(args)
    if isinstance(prepared, int):
        return prepared
    states = {}
    try:
        if args.live:
            plan = read_only_plan(prepared, prune=False)
            if isinstance(plan, int):
                return plan
            conditions = ConditionStore()
            states = {env.name: prepared.store.load(env.name) for env in prepared.designs}
            for state in states.values():
                seed_conditions(conditions, state)
            status = derive_status(plan, None, conditions)
        else:
            states = {env.name: prepared.store.load(env.name) for env in prepared.designs}
            scopes = {f"{env.name}/{app.name}" for env in prepared.designs for app in env.apps}
            status = status_from_state(states, scopes)
            missing = sorted(scopes - set(status.specs))
            for scope in missing:
                err(f"reconcile: {scope} has no recorded status yet (never converged with this state table "
                    f"{prepared.store.name}); `reconcile status --live` observes AWS")
    finally:
        prepared.target.close()
    clients = client_config.api_facts(prepared.designs, status.outputs)
    records = registrar.external_records(prepared.designs, status.outputs)
    document = status_document(status, endpoints_of(status), clients, records, commits=commits_of(states))
    document = delivery_report.annotate(document, status, states, _scopes(prepared))
    document = annotate_observations(document, states)
    print_summary(document, args.output, clients)
    if args.output == "text":
        registrar.print_tables(records)
    return EXIT_OK if status.all_ready() and status.specs else EXIT_ERROR


def cmd_delete(args: Namespace) -> int:
    prepared = _prepare(args)
    if isinstance(prepared, int):
        return prepared
    try:
        result = workflow.delete_apps(_controllers(), prepared.designs, prepared.ctx, prepared.store,
                                      timeout=args.timeout, dry_run=args.dry_run)
    finally:
        prepared.target.close()
    if isinstance(result, Plan):
        _print_plan(result, args.output)
        return EXIT_OK
    return _deletion_result(result, args.output)


def _deletion_result(report: ConvergeReport, output: str = "text") -> int:
    document = deletion_document(report)
    code = EXIT_OK if report.converged else (EXIT_TIMEOUT if report.timed_out or not report.refused else EXIT_REFUSED)
    if output == "json":
        print(json.dumps(document, indent=2))
        return code
    for name in document["deleted"]:
        print(f"- {name}")
    if report.converged:
        print(f"deleted {len(document['deleted'])} resources")
        return EXIT_OK
    for name, message in document["refused"].items():
        err(f"reconcile: refused {name}: {message}")
    for name, message in document["failures"].items():
        err(f"reconcile: could not delete {name}: {message}")
    return code


def cmd_prune(args: Namespace) -> int:
    """Delete the apps recorded in the environments the specs name that have no spec under the
    paths (the paths are the whole truth for those environments). Converges nothing else."""
    prepared = _prepare(args, tolerate_failures=True)
    if isinstance(prepared, int):
        return prepared
    controllers = _controllers()
    try:
        write = not args.dry_run and workflow.wait_for_table(prepared.store, timeout=args.timeout)
        work = _work(prepared, prune=True, write=write)
        for problem in work.problems:
            err(f"reconcile: {problem}")
        by_env: dict[str, dict[str, Any]] = {}
        for env, app in sorted(work.leaving):
            by_env.setdefault(env, {})[app] = None
        extra = workflow.deletion_work(controllers, prepared.ctx, work.states, by_env, "spec removed")
        if args.dry_run or not work.leaving:
            plan = workflow.plan_deletion(controllers, prepared.ctx, extra)
            if args.output == "json" or work.leaving:
                _print_plan(plan, args.output)
            else:
                print("Nothing to prune.")
            return EXIT_ERROR if prepared.failures else EXIT_OK
        report = workflow.run_delete(controllers, prepared.ctx, prepared.store, work.states, extra, work.leaving,
                                     timeout=args.timeout)
    finally:
        prepared.target.close()
    code = _deletion_result(report, args.output)
    return EXIT_ERROR if code == EXIT_OK and prepared.failures else code


__all__ = ["cmd_apply", "cmd_client_config", "cmd_delete", "cmd_plan", "cmd_prune", "cmd_status", "read_only_plan"]
