"""Reading builds: which pipeline execution built a bundle, how far it got, why it failed; and the
newest tag present in every repository (GitHub mode). Pure shaping of what aws.py returns."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from controllers.build import aws
from reconciler.controller import Context

LATEST = "latest"
_FAILED_PHASE = ("FAILED", "FAULT", "TIMED_OUT", "STOPPED", "CLIENT_ERROR")


@dataclass(frozen=True)
class BuildReport:
    execution: str
    status: str  # the pipeline execution's: InProgress | Succeeded | Failed | Stopped | ...
    build_id: str = ""
    phase: str = ""
    build_status: str = ""
    reason: str = ""
    logs: str = ""
    outputs: dict[str, Any] = field(default_factory=dict)

    @property
    def failed(self) -> bool:
        return self.status in ("Failed", "Stopped", "Stopping") or self.build_status in ("FAILED", "FAULT", "TIMED_OUT",
                                                                                           "STOPPED")

    @property
    def succeeded(self) -> bool:
        return self.status == "Succeeded" and not self.failed

    @property
    def message(self) -> str:
        who = f"build {self.build_id}" if self.build_id else f"pipeline execution {self.execution}"
        if self.failed:
            text = f"{who} FAILED in phase {self.phase or 'SOURCE'}: {self.reason or 'no reason given'}"
            return text + (f"; logs: {self.logs}" if self.logs else "")
        return f"building: {who}, phase {self.phase or 'QUEUED'} ({self.build_status or self.status})"


def _revision_matches(summary: dict, version: str | None) -> bool:
    if version is None:
        return True
    return any(r.get("revisionId") == version for r in summary.get("sourceRevisions") or [])


def build_report(ctx: Context, pipeline: str, version: str | None) -> BuildReport | None:
    """The newest execution of `pipeline` whose source revision is `version` (the bundle's S3
    version; None: the newest of any), with its build's phase; None when there is none."""
    codepipeline = ctx.client("codepipeline")
    summary = next((s for s in aws.executions(codepipeline, pipeline) if _revision_matches(s, version)), None)
    if summary is None or summary.get("status") in ("Superseded", "Cancelled"):
        return None
    execution, status = summary["pipelineExecutionId"], summary.get("status", "")
    actions = aws.action_executions(codepipeline, pipeline, execution)
    build_action = next((a for a in actions if a.get("stageName") == "Build"), None)
    result = ((build_action or {}).get("output") or {}).get("executionResult") or {}
    build_id = result.get("externalExecutionId", "")
    build = aws.builds(ctx.client("codebuild"), [build_id]).get(build_id, {}) if build_id else {}
    phase, reason = _phase_and_reason(build, actions, summary)
    report = BuildReport(execution, status, build_id, phase, build.get("buildStatus", ""), reason,
                         (build.get("logs") or {}).get("deepLink", "") or result.get("externalExecutionUrl", ""))
    outputs = {"execution": execution, "build": build_id, "phase": phase,
               "buildStatus": report.build_status or status.upper(), "reason": reason, "logs": report.logs}
    return BuildReport(**{**report.__dict__, "outputs": {k: v for k, v in outputs.items() if v}})


def _phase_and_reason(build: dict, actions: Sequence[dict], summary: dict) -> tuple[str, str]:
    for phase in build.get("phases") or []:
        if phase.get("phaseStatus") in _FAILED_PHASE:
            contexts = "; ".join(c.get("message", "") for c in phase.get("contexts") or [] if c.get("message"))
            return phase["phaseType"], contexts or phase["phaseStatus"]
    if build:
        return build.get("currentPhase", ""), ""
    failed = next((a for a in actions if a.get("status") == "Failed"), None)
    if failed is not None:
        result = (failed.get("output") or {}).get("executionResult") or {}
        details = result.get("errorDetails") or {}
        why = details.get("message") or result.get("externalExecutionSummary") or summary.get("statusSummary") or ""
        return f"{failed.get('stageName', 'Source').upper()} (pipeline stage)", why
    return "", summary.get("statusSummary") or ""


def newest_common_tag(ecr: Any, repositories: Sequence[str]) -> str | None:
    """The newest tag (not `latest`) present in every repository: the last build that pushed them all."""
    by_repository = [dict(aws.image_tags(ecr, r)) for r in repositories]
    if not by_repository:
        return None
    common = set(by_repository[0]).intersection(*by_repository[1:]) - {LATEST}
    oldest = datetime.min.replace(tzinfo=timezone.utc)
    return max(common, key=lambda t: max(tags.get(t) or oldest for tags in by_repository), default=None)
