"""api.stage: the `$default` stage with AutoDeploy, so every route or integration change is live
without an explicit deployment (moto 5.2.5 has no CreateDeployment either).

AutoDeploy is an immutable field here: a stage whose AutoDeploy drifted is deleted and created
again. On AWS UpdateStage could flip it in place, but moto 5.2.5 does not implement UpdateStage,
and deleting and re-creating an auto-deploy `$default` stage loses nothing (no deployment
history of ours, no stage variables). Stages carry tags (CreateStage Tags); ownership follows
the API, like the other kinds inside it. Tag drift is healed with TagResource on the stage ARN,
which moto 5.2.5 does not route (HTTP 404), so only the create-time tags are covered by tests.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from controllers.api import aws, inventory
from reconciler.compare import diff_fields
from reconciler.controller import BaseController, Context
from reconciler.design import EnvironmentDesign
from reconciler.ownership import stale_tags, tags_for
from reconciler.resource import FieldChange, Key, Observation, Ref, Resource

KIND = "api.stage"
STAGE = "$default"


class StageController(BaseController):
    kind = KIND
    recallable = True  # read one by one: skipped while the state store proves it unchanged
    scope = "app"
    immutable = frozenset({"ApiId", "StageName", "AutoDeploy"})
    outputs = frozenset({"id", "name"})
    references = frozenset({"api.http_api"})

    def identity(self, key: Key) -> dict[str, Any]:
        return {"ApiId": Ref("api.http_api", "id", app=True), "StageName": STAGE}

    def desired(self, env: EnvironmentDesign) -> list[Resource]:
        resources = []
        for app in inventory.api_apps(env):
            key = Key(KIND, env.name, app.name)
            desired = {"ApiId": Ref("api.http_api", "id", app=True), "StageName": STAGE, "AutoDeploy": True}
            resources.append(Resource(key, desired, tags_for(key, app.labels), app.adopt))
        return resources

    def observe(self, resources: Sequence[Resource], ctx: Context) -> Mapping[Key, Observation]:
        result: dict[Key, Observation] = {}
        for resource in resources:
            api = inventory.api_of(resource, ctx)
            stages = [] if api is None else inventory.stages(ctx, api["ApiId"])
            stage = next((s for s in stages if s.get("StageName") == resource.desired["StageName"]), None)
            if api is None or stage is None:
                result[resource.key] = Observation.absent()
                continue
            fields = {
                "ApiId": api["ApiId"],
                "StageName": stage["StageName"],
                "AutoDeploy": bool(stage.get("AutoDeploy")),
                "tags": dict(stage.get("Tags") or {}),
            }
            outputs = {"id": stage["StageName"], "name": stage["StageName"]}
            result[resource.key] = inventory.child_observation(api, fields, outputs, stage)
        return result

    def diff(self, resource: Resource, observation: Observation) -> list[FieldChange]:
        return diff_fields({**resource.desired, "tags": resource.tags}, observation.fields)

    def create(self, resource: Resource, ctx: Context) -> Mapping[str, Any]:
        want = resource.desired
        aws.create_stage(inventory.client(ctx), want["ApiId"], want["StageName"], want["AutoDeploy"], resource.tags)
        return {"id": want["StageName"], "name": want["StageName"]}

    def update(self, resource: Resource, observation: Observation, changes: Sequence[FieldChange],
               ctx: Context) -> Mapping[str, Any]:
        want = resource.desired
        have = observation.fields.get("tags") or {}
        arn = aws.stage_arn(ctx.partition, ctx.region, want["ApiId"], want["StageName"])
        aws.tag(inventory.client(ctx), arn, stale_tags(resource.tags, have))
        return {"id": want["StageName"], "name": want["StageName"]}

    def delete(self, key: Key, observation: Observation, ctx: Context) -> None:
        aws.delete_stage(inventory.client(ctx), observation.fields["ApiId"], observation.fields["StageName"])
