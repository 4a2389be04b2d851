"""What the embedded AWS adds to moto 5.2.5 for delivery -- used ONLY by the embedded AWS
(reconciler.emulator.server) and the tests, never against real AWS. Installed once per process,
before the server answers its first request; each addition is a few lines over moto's own models.

- CodeBuild: UpdateProject (missing in moto); CreateProject with CODEPIPELINE source/artifacts
  and no `location` (valid on AWS, refused by moto); BatchGetBuilds answers builds as they are
  (moto marks every build SUCCEEDED when read: the build simulation moves them instead);
  StartBuild hands the build to the simulation.
- CodePipeline: CreatePipeline's check that the role trusts codepipeline.amazonaws.com reads a
  `"Service": [...]` list (valid IAM, what we send) as not trusting it; executions start InProgress with their source revision, and a pipeline starts an
  execution when it is created (as on AWS); both go to the simulation. ListActionExecutions,
  and the webhook operations (Put/List/Delete, (De)RegisterWithThirdParty), missing in moto.
"""
from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any

_installed = False
_lock = threading.Lock()
# The build simulation that receives executions and builds (None: moto's own behaviour).
simulation: Any = None


def install() -> None:
    global _installed
    with _lock:
        if _installed:
            return
        _codebuild()
        _codepipeline()
        _installed = True


# -- CodeBuild ----------------------------------------------------------------------------------
def _codebuild() -> None:
    from moto.codebuild import responses
    from moto.codebuild.exceptions import ResourceNotFoundException
    from moto.codebuild.models import CodeBuildBackend
    from moto.core.responses import ActionResult

    validate_source, validate_artifacts = responses._validate_required_params_source, responses._validate_required_params_artifacts

    def source(value: dict[str, Any]) -> None:
        if value.get("type") not in ("CODEPIPELINE", "NO_SOURCE"):
            validate_source(value)

    def artifacts(value: dict[str, Any]) -> None:
        if value.get("type") != "CODEPIPELINE":
            validate_artifacts(value)

    responses._validate_required_params_source = source
    responses._validate_required_params_artifacts = artifacts

    def update_project(self: Any) -> ActionResult:
        name = self._get_param("name")
        project = self.codebuild_backend.codebuild_projects.get(name)
        if project is None:
            raise ResourceNotFoundException(f"Project cannot be found: {name}")
        metadata = project.project_metadata
        for field in ("description", "source", "artifacts", "environment", "serviceRole", "timeoutInMinutes",
                      "queuedTimeoutInMinutes", "logsConfig", "vpcConfig", "cache", "tags"):
            value = self._get_param(field)
            if value is not None:
                metadata[field] = value
        return ActionResult({"project": metadata})

    responses.CodeBuildResponse.update_project = update_project

    def batch_get_builds(self: Any, ids: list[str]) -> list[dict[str, Any]]:
        return [b for history in self.build_metadata_history.values() for b in history if b["id"] in ids]

    CodeBuildBackend.batch_get_builds = batch_get_builds
    start_build = responses.CodeBuildResponse.start_build

    def start_build_simulated(self: Any) -> Any:
        answer = start_build(self)
        if simulation is not None:
            build = self.codebuild_backend.build_metadata_history[self._get_param("projectName")][-1]
            request = {name: self._get_param(name) for name in ("sourceLocationOverride", "buildspecOverride")}
            simulation.build_started(self.current_account, self.region, build, request)
        return answer

    responses.CodeBuildResponse.start_build = start_build_simulated


# -- CodePipeline -------------------------------------------------------------------------------
def _codepipeline() -> None:
    from moto.codepipeline import models, responses
    from moto.codepipeline.exceptions import PipelineNotFoundException, ResourceNotFoundException

    summary, full = models.PipelineExecution.to_summary_dict, models.PipelineExecution.to_dict

    def to_summary_dict(self: Any) -> dict[str, Any]:
        return {**summary(self), "sourceRevisions": list(getattr(self, "source_revisions", []))}

    def to_dict(self: Any) -> dict[str, Any]:
        return {**full(self), "artifactRevisions": list(getattr(self, "source_revisions", []))}

    class _TrustAsMotoReadsIt:
        """json for moto's trust check: one statement per service of a `Service` list."""

        dumps = staticmethod(json.dumps)

        @staticmethod
        def loads(text: str) -> Any:
            document = json.loads(text)
            if isinstance(document, dict) and isinstance(document.get("Statement"), list):
                statements = []
                for statement in document["Statement"]:
                    services = (statement.get("Principal") or {}).get("Service")
                    if isinstance(services, list):
                        statements += [{**statement, "Principal": {"Service": one}} for one in services]
                    else:
                        statements.append(statement)
                document = {**document, "Statement": statements}
            return document

    models.json = _TrustAsMotoReadsIt
    models.PipelineExecution.to_summary_dict = to_summary_dict
    models.PipelineExecution.to_dict = to_dict
    start, create = models.CodePipelineBackend.start_pipeline_execution, models.CodePipelineBackend.create_pipeline
    born = models.PipelineExecution.__init__

    def new_execution(self: Any, *args: Any, **kwargs: Any) -> None:
        born(self, *args, **kwargs)
        if simulation is not None:  # not "Succeeded" (moto's) for the instant before the simulation takes it
            self.status = "InProgress"

    models.PipelineExecution.__init__ = new_execution

    def start_pipeline_execution(self: Any, name: str, variables: Any) -> str:
        execution_id = start(self, name, variables)
        if simulation is not None:
            pipeline = self.pipelines[name]
            simulation.execution_started(self.account_id, self.region_name, pipeline, pipeline.executions[execution_id])
        return execution_id

    def create_pipeline(self: Any, pipeline: dict[str, Any], tags: Any) -> Any:
        answer = create(self, pipeline, tags)
        start_pipeline_execution(self, pipeline["name"], None)  # AWS runs a new pipeline at once
        return answer

    models.CodePipelineBackend.start_pipeline_execution = start_pipeline_execution
    models.CodePipelineBackend.create_pipeline = create_pipeline

    def list_action_executions(self: Any) -> str:
        name = self._get_param("pipelineName")
        pipeline = self.codepipeline_backend.pipelines.get(name)
        if pipeline is None:
            raise PipelineNotFoundException(f"Account '{self.current_account}' does not have a pipeline with name '{name}'")
        wanted = (self._get_param("filter") or {}).get("pipelineExecutionId")
        details = [d for e in reversed(list(pipeline.executions.values())) if wanted in (None, e.pipeline_execution_id)
                   for d in reversed(getattr(e, "action_executions", []))]
        return json.dumps({"actionExecutionDetails": details}, default=str)

    def webhooks(self: Any) -> dict[str, dict[str, Any]]:
        return self.codepipeline_backend.__dict__.setdefault("reconcile_webhooks", {})

    def put_webhook(self: Any) -> str:
        definition, tags = self._get_param("webhook"), self._get_param("tags") or []
        if definition.get("targetPipeline") not in self.codepipeline_backend.pipelines:
            raise PipelineNotFoundException(f"pipeline {definition.get('targetPipeline')} does not exist")
        arn = f"arn:aws:codepipeline:{self.region}:{self.current_account}:webhook:{definition['name']}"
        webhook = {"definition": definition, "url": f"https://{self.region}.webhooks.aws/trigger?t={definition['name']}",
                   "arn": arn, "tags": tags}
        webhooks(self)[definition["name"]] = webhook
        return json.dumps({"webhook": webhook})

    def list_webhooks(self: Any) -> str:
        return json.dumps({"webhooks": list(webhooks(self).values())})

    def delete_webhook(self: Any) -> str:
        webhooks(self).pop(self._get_param("name"), None)
        return "{}"

    def register_webhook_with_third_party(self: Any) -> str:
        # GitHub is out of reach of the embedded AWS: the registration is recorded, not sent.
        webhook = webhooks(self).get(self._get_param("webhookName"))
        if webhook is None:
            raise ResourceNotFoundException(f"webhook {self._get_param('webhookName')} does not exist")
        webhook["registered"] = True
        return "{}"

    def deregister_webhook_with_third_party(self: Any) -> str:
        webhook = webhooks(self).get(self._get_param("webhookName"))
        if webhook is not None:
            webhook["registered"] = False
        return "{}"

    added: dict[str, Callable[..., str]] = {
        "list_action_executions": list_action_executions, "put_webhook": put_webhook, "list_webhooks": list_webhooks,
        "delete_webhook": delete_webhook, "register_webhook_with_third_party": register_webhook_with_third_party,
        "deregister_webhook_with_third_party": deregister_webhook_with_third_party,
    }
    for method, function in added.items():
        setattr(responses.CodePipelineResponse, method, function)
