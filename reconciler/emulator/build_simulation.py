"""CodePipeline and CodeBuild as they run for the embedded AWS -- used ONLY by the embedded AWS
(`reconciler.emulator.server`) and by tests, never against real AWS.

moto's CodePipeline runs nothing (an execution is a record that says Succeeded) and its CodeBuild
builds nothing; there is no Docker engine here. moto_extensions hands every pipeline execution
and StartBuild to this simulation, which moves them the way AWS does, one phase per `step`:

- an execution fixes its source revision when it starts (the S3 object's current version, its
  `codepipeline-artifact-revision-summary` metadata); a missing object, or a GitHub source (out
  of reach here), fails the Source stage with the reason;
- its Build action starts a CodeBuild build of the stage's project with that bundle; the build
  goes through CodeBuild's phases: DOWNLOAD_SOURCE reads the buildspec (inline, or the path the
  project names inside the bundle), PRE_BUILD / BUILD / POST_BUILD run its commands through
  docker_simulation (log in, build = check the Dockerfile, tag, push = PutImage to ECR); a
  failing command fails its phase with the message a build log would show, later phases are
  skipped (`on-failure: ABORT`), and the build, the action and the execution end FAILED;
- ListActionExecutions shows each action, the Build action naming its build.

A daemon thread ticks every `interval` seconds; `tick(now)` runs one step for tests.
"""
from __future__ import annotations

import io
import threading
import time
import uuid
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import yaml

from reconciler.emulator import docker_simulation
from reconciler.emulator.moto_state import now_iso, pusher, s3_object, user_metadata
from reconciler.emulator.ticker import Ticker

PHASES = ("SUBMITTED", "QUEUED", "PROVISIONING", "DOWNLOAD_SOURCE", "INSTALL", "PRE_BUILD", "BUILD", "POST_BUILD",
          "UPLOAD_ARTIFACTS", "FINALIZING", "COMPLETED")
COMMAND_PHASES = {"PRE_BUILD": "pre_build", "BUILD": "build", "POST_BUILD": "post_build"}
SUMMARY_METADATA = "codepipeline-artifact-revision-summary"


@dataclass
class _Build:
    account: str
    region: str
    metadata: dict  # moto's build record, edited in place (BatchGetBuilds answers it)
    bundle: bytes | None
    buildspec: str  # inline text, or a path inside the bundle
    source_error: str = ""
    index: int = 0
    next_at: float = 0.0
    failed: bool = False
    workspace: Any = None  # (the bundle's zip, the parsed buildspec) once downloaded
    docker: Any = None  # docker_simulation.Workspace once a command ran

    @property
    def done(self) -> bool:
        return self.metadata.get("buildComplete", False)


@dataclass
class _Execution:
    account: str
    region: str
    pipeline: Any  # moto's CodePipeline
    execution: Any  # moto's PipelineExecution
    bundle: bytes | None = None
    source_error: str = ""
    next_at: float = 0.0
    build: _Build | None = None
    stage: str = "Source"
    details: list[dict] = field(default_factory=list)


class BuildSimulation(Ticker):
    name = "build-simulation"

    def __init__(self, *, step: float = 0.01, interval: float = 0.02, clock: Callable[[], float] = time.monotonic) -> None:
        self.step, self.interval, self.clock = step, interval, clock
        self._executions: list[_Execution] = []
        self._builds: list[_Build] = []
        self._lock = threading.RLock()
        Ticker.__init__(self)

    def forget(self) -> None:
        with self._lock:
            self._executions.clear()
            self._builds.clear()

    # -- what moto_extensions hands over ---------------------------------------------------------
    def execution_started(self, account: str, region: str, pipeline: Any, execution: Any) -> None:
        with self._lock:
            run = _Execution(account, region, pipeline, execution, next_at=self.clock() + self.step)
            execution.status = "InProgress"
            execution.source_revisions = []
            source = pipeline.pipeline["stages"][0]["actions"][0]
            configuration = source.get("configuration") or {}
            provider = source["actionTypeId"]["provider"]
            if provider == "S3":
                key = s3_object(account, configuration.get("S3Bucket", ""), configuration.get("S3ObjectKey", ""))
                if key is None:
                    run.source_error = (f"The object with key '{configuration.get('S3ObjectKey')}' does not exist in "
                                        f"bucket '{configuration.get('S3Bucket')}'")
                else:
                    run.bundle = key.value
                    execution.source_revisions = [{"actionName": source["name"], "revisionId": str(key.version_id),
                                                   "revisionSummary": user_metadata(key).get(SUMMARY_METADATA, "")}]
            else:
                run.source_error = (f"the embedded AWS cannot fetch {provider} sources "
                                    f"({configuration.get('Owner', '')}/{configuration.get('Repo', '')}@"
                                    f"{configuration.get('Branch', '')}); builds from GitHub run on AWS only")
            run.details.append(_detail(execution, "Source", source, "InProgress"))
            execution.action_executions = run.details
            self._executions.append(run)

    def build_started(self, account: str, region: str, metadata: dict, request: dict) -> None:
        """A StartBuild call: the source is `sourceLocationOverride` ("bucket/key") or the
        project's S3 location; a CODEPIPELINE project cannot be built on its own."""
        from moto.codebuild.models import codebuild_backends

        with self._lock:
            project = codebuild_backends[account][region].codebuild_projects[metadata["projectName"]].project_metadata
            source = project.get("source") or {}
            location = request.get("sourceLocationOverride") or (source.get("location") if source.get("type") == "S3" else "")
            bucket, _, key_name = str(location or "").partition("/")
            key = s3_object(account, bucket, key_name) if location else None
            error = "" if key is not None else (f"no S3 source to build from ({location or source.get('type')})")
            build = self._new_build(account, region, metadata, key.value if key is not None else None,
                                    request.get("buildspecOverride") or source.get("buildspec") or "buildspec.yml", error)
            metadata["sourceVersion"] = str(key.version_id) if key is not None else ""
            self._builds.append(build)

    # -- the step --------------------------------------------------------------------------------
    def tick(self, now: float | None = None) -> None:
        now = self.clock() if now is None else now
        with self._lock:
            for run in list(self._executions):
                self._advance_execution(run, now)
                if run.execution.status != "InProgress":
                    self._executions.remove(run)
            for build in list(self._builds):
                self._advance_build(build, now)
                if build.done:
                    self._builds.remove(build)

    def _advance_execution(self, run: _Execution, now: float) -> None:
        if now < run.next_at:
            return
        execution = run.execution
        if run.stage == "Source":
            if run.source_error:
                return self._finish(run, "Failed", run.source_error)
            run.details[-1].update(status="Succeeded", lastUpdateTime=time.time())
            run.stage = "Build"
            action = run.pipeline.pipeline["stages"][1]["actions"][0]
            project = action["configuration"]["ProjectName"]
            from moto.codebuild.models import codebuild_backends

            backend = codebuild_backends[run.account][run.region]
            if project not in backend.codebuild_projects:
                return self._finish(run, "Failed", f"project {project} does not exist")
            metadata = backend.start_build(project, execution.source_revisions[0]["revisionId"], None)
            metadata["initiator"] = f"codepipeline/{execution.pipeline_name}"
            buildspec = (backend.codebuild_projects[project].project_metadata.get("source") or {}).get("buildspec") or "buildspec.yml"
            run.build = self._new_build(run.account, run.region, metadata, run.bundle, buildspec)
            detail = _detail(execution, "Build", action, "InProgress")
            detail["output"] = {"executionResult": {"externalExecutionId": metadata["id"],
                                                    "externalExecutionUrl": metadata["logs"]["deepLink"]}}
            run.details.append(detail)
            return None
        assert run.build is not None
        self._advance_build(run.build, now)
        if run.build.done:
            status = run.build.metadata["buildStatus"]
            reason = "" if status == "SUCCEEDED" else f"Build terminated with state: {status}"
            self._finish(run, "Succeeded" if status == "SUCCEEDED" else "Failed", reason)
        return None

    @staticmethod
    def _finish(run: _Execution, status: str, reason: str) -> None:
        detail = run.details[-1]
        detail.update(status=status, lastUpdateTime=time.time())
        if reason:
            result = detail.setdefault("output", {}).setdefault("executionResult", {})
            result["errorDetails"] = {"code": "JobFailed", "message": reason}
            result.setdefault("externalExecutionSummary", reason)
        run.execution.status = status
        run.execution.status_summary = reason or None
        from moto.core.utils import utcnow

        run.execution.last_update_time = utcnow()

    def _new_build(self, account: str, region: str, metadata: dict, bundle: bytes | None, buildspec: str,
                   error: str = "") -> _Build:
        build_uuid = metadata["id"].split(":", 1)[-1]
        project = metadata["projectName"]
        metadata.update(phases=[{"phaseType": "SUBMITTED", "phaseStatus": "SUCCEEDED", "startTime": now_iso(),
                                 "endTime": now_iso(), "durationInSeconds": 0}],
                        currentPhase="QUEUED", buildStatus="IN_PROGRESS", buildComplete=False)
        metadata.pop("endTime", None)
        metadata["logs"] = {"groupName": f"/aws/codebuild/{project}", "streamName": build_uuid,
                            "deepLink": (f"https://console.aws.amazon.com/cloudwatch/home?region={region}#logsV2:"
                                         f"log-groups/log-group/$252Faws$252Fcodebuild$252F{project}/log-events/{build_uuid}")}
        return _Build(account, region, metadata, bundle, buildspec, error, index=1, next_at=self.clock() + self.step)

    def _advance_build(self, build: _Build, now: float) -> None:
        while not build.done and now >= build.next_at:
            phase = PHASES[build.index]
            build.index += 1
            build.next_at += self.step
            if build.failed and phase not in ("FINALIZING", "COMPLETED"):
                continue  # on-failure ABORT: the remaining phases are skipped
            error = self._work(build, phase)
            entry: dict[str, Any] = {"phaseType": phase, "startTime": now_iso(), "endTime": now_iso(),
                                     "durationInSeconds": 0}
            if phase != "COMPLETED":
                entry["phaseStatus"] = "FAILED" if error else "SUCCEEDED"
            if error:
                code = "COMMAND_EXECUTION_ERROR" if phase in COMMAND_PHASES else "CLIENT_ERROR"
                entry["contexts"] = [{"statusCode": code, "message": error}]
                build.failed = True
            build.metadata["phases"] = build.metadata["phases"] + [entry]
            if phase == "COMPLETED":
                build.metadata.update(currentPhase="COMPLETED", buildComplete=True, endTime=now_iso(),
                                      buildStatus="FAILED" if build.failed else "SUCCEEDED")
            else:
                build.metadata["currentPhase"] = PHASES[build.index]

    def _work(self, build: _Build, phase: str) -> str:
        """Do the phase's work; the failure message, or ''."""
        try:
            if phase == "DOWNLOAD_SOURCE":
                if build.bundle is None:
                    return build.source_error or "no source"
                archive = zipfile.ZipFile(io.BytesIO(build.bundle))
                text = build.buildspec if "\n" in build.buildspec else _read(archive, build.buildspec)
                if text is None:
                    return f"YAML_FILE_ERROR: stat {build.buildspec}: no such file or directory"
                build.workspace = (archive, yaml.safe_load(text) or {})
            elif phase in COMMAND_PHASES and build.workspace is not None:
                archive, spec = build.workspace
                commands = ((spec.get("phases") or {}).get(COMMAND_PHASES[phase]) or {}).get("commands") or []
                workspace = build.docker or docker_simulation.Workspace(
                    archive, {"CODEBUILD_RESOLVED_SOURCE_VERSION": str(build.metadata.get("sourceVersion", ""))},
                    docker_simulation.registry_of(build.account, build.region), pusher(build.account, build.region))
                build.docker = workspace
                for command in commands:
                    try:
                        docker_simulation.run(command, workspace)
                    except docker_simulation.CommandFailed as failure:
                        return (f"Error while executing command: {command}. Reason: exit status 1: {failure}")
        except (zipfile.BadZipFile, yaml.YAMLError) as problem:
            return f"CLIENT_ERROR: {problem}"
        return ""


def _read(archive: zipfile.ZipFile, path: str) -> str | None:
    try:
        return archive.read(path).decode("utf-8")
    except KeyError:
        return None


def _detail(execution: Any, stage: str, action: dict, status: str) -> dict:
    configuration = {k: ("****" if k == "OAuthToken" else v) for k, v in (action.get("configuration") or {}).items()}
    return {"pipelineExecutionId": execution.pipeline_execution_id, "actionExecutionId": str(uuid.uuid4()),
            "pipelineVersion": execution.pipeline_version, "stageName": stage, "actionName": action["name"],
            "startTime": time.time(), "lastUpdateTime": time.time(), "status": status,
            "input": {"actionTypeId": action["actionTypeId"], "configuration": configuration}}
