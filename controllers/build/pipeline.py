"""build.pipeline: the app's CodePipeline, Source -> Build; no deploy stage.

One writer per field: the pipeline only builds and pushes images; the reconciler deploys them
(build.image waits until the images of the current tag exist, then the task definition and the
service move), so no pipeline action and the reconciler ever race on the task definition.

Source: the bundle object in the artifacts bucket (managed), polling off (the reconciler starts
an execution when it uploads a new bundle), or a GitHub branch (GitHub mode; version 1 source
action with the personal access token, started by the webhook, build.webhook). The token is read
from Secrets Manager at apply time and sent to CodePipeline only: never in desired state, plans
or logs (GetPipeline answers it masked, so it is not compared; the token secret's version is kept
as a pipeline tag, and a new version re-sends it). Observed with GetPipeline + ListTagsForResource.
"""
from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

from controllers.build import aws
from reconciler import naming
from reconciler.compare import diff_fields
from reconciler.controller import BaseController, Context
from reconciler.delivery.design import GITHUB
from reconciler.design import AppDesign, EnvironmentDesign
from reconciler.ownership import refuse_unless_ours, stale_tags, tags_for
from reconciler.resource import FieldChange, Key, Observation, Ref, Resource, changed_fields

KIND = "build.pipeline"
TAG_TOKEN_VERSION = "reconcile.dev/token-version"
ARTIFACT = "Source"


def _action(category: str, owner: str, provider: str, configuration: dict[str, Any], *,
            inputs: list[str] = (), outputs: list[str] = ()) -> dict[str, Any]:  # type: ignore[assignment]
    return {"name": category, "actionTypeId": {"category": category, "owner": owner, "provider": provider, "version": "1"},
            "runOrder": 1, "configuration": configuration, "inputArtifacts": [{"name": n} for n in inputs],
            "outputArtifacts": [{"name": n} for n in outputs]}


def pipeline_definition(app: AppDesign, name: str) -> dict[str, Any]:
    bucket = Ref("build.bucket", "name", app=True)
    github = app.delivery.github if app.delivery.mode == GITHUB else None
    if github is None:
        source = _action("Source", "AWS", "S3", {"S3Bucket": bucket, "S3ObjectKey": Ref("build.source", "key", app=True),
                                                 "PollForSourceChanges": "false"}, outputs=[ARTIFACT])
    else:
        source = _action("Source", "ThirdParty", "GitHub", {"Owner": github.owner, "Repo": github.repo,
                                                            "Branch": github.branch, "PollForSourceChanges": "false"},
                         outputs=[ARTIFACT])
    build = _action("Build", "AWS", "CodeBuild", {"ProjectName": Ref("build.project", "name", app=True)}, inputs=[ARTIFACT])
    return {"name": name, "roleArn": Ref("iam.role", "arn", name="pipeline", app=True),
            "artifactStore": {"type": "S3", "location": bucket},
            "stages": [{"name": "Source", "actions": [source]}, {"name": "Build", "actions": [build]}]}


class PipelineController(BaseController):
    kind = KIND
    recallable = True  # read one by one: skipped while the state store proves it unchanged
    scope = "app"
    immutable = frozenset({"name"})
    outputs = frozenset({"name", "arn"})
    references = frozenset({"iam.role", "build.bucket", "build.source", "build.project", "secrets.github_token"})
    unobservable = frozenset({"tokenSecret"})

    def identity(self, key: Key) -> dict[str, Any]:
        return {"name": naming.pipeline_name(key.environment, key.app or "")}

    def desired(self, env: EnvironmentDesign) -> list[Resource]:
        resources = []
        for app in env.apps:
            if not app.delivery.pipeline:
                continue
            key = Key(KIND, env.name, app.name)
            name = naming.pipeline_name(env.name, app.name)
            desired: dict[str, Any] = {"name": name, "pipeline": pipeline_definition(app, name)}
            if app.delivery.mode == GITHUB:
                desired["tokenSecret"] = Ref("secrets.github_token", "arn", app=True)
                desired["tokenVersion"] = Ref("secrets.github_token", "version", app=True)
            resources.append(Resource(key, desired, tags_for(key, app.labels), app.adopt))
        return resources

    def observe(self, resources: Sequence[Resource], ctx: Context) -> Mapping[Key, Observation]:
        codepipeline = ctx.client("codepipeline")
        return {r.key: _observe(codepipeline, r.desired["name"]) for r in resources}

    def diff(self, resource: Resource, observation: Observation) -> list[FieldChange]:
        desired = {k: v for k, v in resource.desired.items() if k != "tokenSecret"}
        return diff_fields({**desired, "tags": resource.tags}, observation.fields)

    def create(self, resource: Resource, ctx: Context) -> Mapping[str, Any]:
        codepipeline = ctx.client("codepipeline")
        created = aws.create_pipeline(codepipeline, _request(resource, ctx), _tags(resource))
        if created is not None:
            found = aws.find_pipeline(codepipeline, resource.desired["name"])
            return {"name": resource.desired["name"], "arn": (found[1] if found else {}).get("pipelineArn", "")}
        observation = _observe(codepipeline, resource.desired["name"])
        refuse_unless_ours(resource, observation.tags)
        return self.update(resource, observation, self.diff(resource, observation), ctx)

    def update(self, resource: Resource, observation: Observation, changes: Sequence[FieldChange],
               ctx: Context) -> Mapping[str, Any]:
        codepipeline = ctx.client("codepipeline")
        changed = changed_fields(changes)
        if changed & {"pipeline", "tokenVersion"}:
            aws.update_pipeline(codepipeline, _request(resource, ctx))
        aws.tag_pipeline(codepipeline, observation.outputs["arn"], stale_tags(_tags(resource), observation.tags))
        return dict(observation.outputs)

    def delete(self, key: Key, observation: Observation, ctx: Context) -> None:
        aws.delete_pipeline(ctx.client("codepipeline"), observation.outputs.get("name") or self.identity(key)["name"])


def _tags(resource: Resource) -> dict[str, str]:
    version = resource.desired.get("tokenVersion")
    return {**resource.tags, **({TAG_TOKEN_VERSION: str(version)} if version else {})}


def _request(resource: Resource, ctx: Context) -> dict[str, Any]:
    """The pipeline as CodePipeline takes it: with the GitHub token, read now, in GitHub mode."""
    pipeline = copy.deepcopy(resource.desired["pipeline"])
    secret = resource.desired.get("tokenSecret")
    if secret:
        token = ctx.client("secretsmanager").get_secret_value(SecretId=secret)["SecretString"]
        pipeline["stages"][0]["actions"][0]["configuration"]["OAuthToken"] = token
    return pipeline


def _observe(codepipeline: Any, name: str) -> Observation:
    found = aws.find_pipeline(codepipeline, name)
    if found is None:
        return Observation.absent()
    pipeline, metadata = found
    arn = metadata.get("pipelineArn", "")
    tags = aws.pipeline_tags(codepipeline, arn) if arn else {}
    shown = copy.deepcopy(pipeline)
    shown.pop("version", None)
    for stage in shown.get("stages", []):
        for action in stage.get("actions", []):
            (action.get("configuration") or {}).pop("OAuthToken", None)  # answered masked: not comparable
    fields = {"name": pipeline["name"], "pipeline": shown, "tokenVersion": tags.get(TAG_TOKEN_VERSION), "tags": tags}
    return Observation(exists=True, fields=fields, outputs={"name": pipeline["name"], "arn": arn}, tags=tags)
