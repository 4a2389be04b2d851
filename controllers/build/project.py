"""build.project: the app's CodeBuild project (managed and GitHub modes), run by its pipeline.

Desired: source and artifacts CODEPIPELINE; the standard Linux image, small, privileged (Docker
needs it); the buildspec: in managed mode the one inside the bundle (so the project never changes
with the source), in GitHub mode inline (the repository does not carry ours); the build role;
a 30-minute timeout; our tags. Observed with one BatchGetProjects per pass; healed with
UpdateProject (moto lacks it: the embedded AWS adds it, reconciler/emulator/moto_extensions.py).
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from controllers.build import aws, buildspec
from reconciler import naming
from reconciler.controller import BaseController, Context
from reconciler.delivery.design import GITHUB
from reconciler.design import AppDesign, EnvironmentDesign
from reconciler.ownership import as_dict, as_list, refuse_unless_ours, tags_for
from reconciler.resource import FieldChange, Key, Observation, Ref, Resource

KIND = "build.project"
BUILD_IMAGE = "aws/codebuild/standard:7.0"
TIMEOUT_MINUTES = 30


def source(app: AppDesign) -> dict[str, Any]:
    delivery = app.delivery
    if delivery.mode != GITHUB:
        return {"type": "CODEPIPELINE", "buildspec": buildspec.BUILDSPEC_PATH}
    github = delivery.github
    spec = buildspec.render([i.as_input() for i in delivery.images], delivery.registry,
                            app.translation.location.region, buildspec.COMMIT, github.path)
    return {"type": "CODEPIPELINE", "buildspec": spec}


class ProjectController(BaseController):
    kind = KIND
    scope = "app"
    immutable = frozenset({"name"})
    outputs = frozenset({"name", "arn"})
    references = frozenset({"iam.role"})

    def identity(self, key: Key) -> dict[str, Any]:
        return {"name": naming.build_project_name(key.environment, key.app or "")}

    def desired(self, env: EnvironmentDesign) -> list[Resource]:
        resources = []
        for app in env.apps:
            if not app.delivery.pipeline:
                continue
            key = Key(KIND, env.name, app.name)
            desired = {
                "name": naming.build_project_name(env.name, app.name),
                "description": f"builds the images of {key.scope} (serverless-container-reconciler)",
                "source": source(app),
                "artifacts": {"type": "CODEPIPELINE"},
                "environment": {"type": "LINUX_CONTAINER", "image": BUILD_IMAGE, "computeType": "BUILD_GENERAL1_SMALL",
                                "privilegedMode": True, "imagePullCredentialsType": "CODEBUILD"},
                "serviceRole": Ref("iam.role", "arn", name="build", app=True),
                "timeoutInMinutes": TIMEOUT_MINUTES,
            }
            resources.append(Resource(key, desired, tags_for(key, app.labels), app.adopt))
        return resources

    def observe(self, resources: Sequence[Resource], ctx: Context) -> Mapping[Key, Observation]:
        found = aws.projects(ctx.client("codebuild"), sorted(r.desired["name"] for r in resources))
        return {r.key: _observation(found.get(r.desired["name"])) for r in resources}

    def create(self, resource: Resource, ctx: Context) -> Mapping[str, Any]:
        codebuild = ctx.client("codebuild")
        created = aws.create_project(codebuild, _request(resource))
        if created is not None:
            return _outputs(created)
        observation = _observation(aws.projects(codebuild, [resource.desired["name"]]).get(resource.desired["name"]))
        refuse_unless_ours(resource, observation.tags)
        return self.update(resource, observation, self.diff(resource, observation), ctx)

    def update(self, resource: Resource, observation: Observation, changes: Sequence[FieldChange],
               ctx: Context) -> Mapping[str, Any]:
        if not changes:
            return dict(observation.outputs)
        # UpdateProject replaces the tags it is given: ours, plus the ones others set.
        return _outputs(aws.update_project(ctx.client("codebuild"), _request(resource, observation.tags)))

    def delete(self, key: Key, observation: Observation, ctx: Context) -> None:
        aws.delete_project(ctx.client("codebuild"), observation.outputs.get("name") or self.identity(key)["name"])


def _request(resource: Resource, existing_tags: Mapping[str, str] | None = None) -> dict[str, Any]:
    tags = {**(existing_tags or {}), **resource.tags}
    return {**resource.desired, "tags": as_list(tags, "key", "value")}


def _outputs(project: Mapping[str, Any]) -> dict[str, Any]:
    return {"name": project["name"], "arn": project["arn"]}


def _observation(project: Mapping[str, Any] | None) -> Observation:
    if project is None:
        return Observation.absent()
    tags = as_dict(project.get("tags"), "key", "value")
    fields = {k: project.get(k) for k in ("name", "description", "source", "artifacts", "environment",
                                          "serviceRole", "timeoutInMinutes")}
    return Observation(exists=True, fields={**fields, "tags": tags}, outputs=_outputs(project), tags=tags, state=project)
