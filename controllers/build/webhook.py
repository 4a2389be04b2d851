"""build.webhook: GitHub mode's CodePipeline webhook, which starts the pipeline on each push to
the branch (filter `$.ref` = `refs/heads/<branch>`), authenticated with an HMAC secret we generate
and register with GitHub (RegisterWebhookWithThirdParty, through the pipeline's token). The HMAC
secret is reused while the webhook exists and never shown. Observed with ListWebhooks."""
from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from typing import Any

from controllers.build import aws
from reconciler import naming
from reconciler.controller import BaseController, Context
from reconciler.delivery.design import GITHUB
from reconciler.design import EnvironmentDesign
from reconciler.ownership import as_dict, refuse_unless_ours, tags_for
from reconciler.resource import FieldChange, Key, Observation, Ref, Resource

KIND = "build.webhook"


class WebhookController(BaseController):
    kind = KIND
    scope = "app"
    immutable = frozenset({"name"})
    outputs = frozenset({"name", "url"})
    references = frozenset({"build.pipeline"})

    def identity(self, key: Key) -> dict[str, Any]:
        return {"name": naming.pipeline_name(key.environment, key.app or "")}

    def desired(self, env: EnvironmentDesign) -> list[Resource]:
        resources = []
        for app in env.apps:
            github = app.delivery.github if app.delivery.pipeline and app.delivery.mode == GITHUB else None
            if github is None:
                continue
            key = Key(KIND, env.name, app.name)
            desired = {"name": naming.pipeline_name(env.name, app.name),
                       "targetPipeline": Ref("build.pipeline", "name", app=True), "targetAction": "Source",
                       "filters": [{"jsonPath": "$.ref", "matchEquals": "refs/heads/{Branch}"}],
                       "authentication": "GITHUB_HMAC"}
            resources.append(Resource(key, desired, tags_for(key, app.labels), app.adopt))
        return resources

    def observe(self, resources: Sequence[Resource], ctx: Context) -> Mapping[Key, Observation]:
        found = aws.webhooks(ctx.client("codepipeline")) if resources else {}
        return {r.key: _observation(found.get(r.desired["name"])) for r in resources}

    def create(self, resource: Resource, ctx: Context) -> Mapping[str, Any]:
        existing = aws.webhooks(ctx.client("codepipeline")).get(resource.desired["name"])
        if existing is not None:
            refuse_unless_ours(resource, _observation(existing).tags)
        return self._put(resource, existing, ctx)

    def update(self, resource: Resource, observation: Observation, changes: Sequence[FieldChange],
               ctx: Context) -> Mapping[str, Any]:
        return self._put(resource, observation.state, ctx)

    def _put(self, resource: Resource, existing: Mapping[str, Any] | None, ctx: Context) -> Mapping[str, Any]:
        codepipeline = ctx.client("codepipeline")
        previous = ((existing or {}).get("definition") or {}).get("authenticationConfiguration") or {}
        hmac = previous.get("SecretToken") or secrets.token_hex(20)
        definition = {**resource.desired, "authenticationConfiguration": {"SecretToken": hmac}}
        webhook = aws.put_webhook(codepipeline, definition, resource.tags)
        aws.register_webhook(codepipeline, resource.desired["name"])
        return {"name": resource.desired["name"], "url": webhook.get("url", "")}

    def delete(self, key: Key, observation: Observation, ctx: Context) -> None:
        aws.delete_webhook(ctx.client("codepipeline"), observation.outputs.get("name") or self.identity(key)["name"])


def _observation(webhook: Mapping[str, Any] | None) -> Observation:
    if webhook is None:
        return Observation.absent()
    definition = dict(webhook["definition"])
    definition.pop("authenticationConfiguration", None)  # the HMAC secret: never compared, never shown
    tags = as_dict(webhook.get("tags"), "key", "value")
    return Observation(exists=True, fields={**definition, "tags": tags},
                       outputs={"name": definition["name"], "url": webhook.get("url", "")}, tags=tags, state=webhook)
