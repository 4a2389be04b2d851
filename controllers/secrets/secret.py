"""secrets.secret: one Secrets Manager secret per compose secret (`<env>/<app>/<NAME>`), its value
read from the `.secret-*` file at apply time only; secrets.github_token: the GitHub source's token
(`sc-<env>-<app>-github-token`, a name the execution role cannot read).

Values never enter desired state, plans, logs or outputs: desired holds the file's path and a
hash of its value salted with the secret's name (reconciler.delivery.design.value_hash), kept on
the secret as the tag `reconcile.dev/value-hash`. A value is written only when that hash differs,
as a new version (PutSecretValue, with a request token derived from the current version and the
hash, so a retry is idempotent and A -> B -> A still writes). The outputs are the ARN and the
AWSCURRENT version id, which the task definition carries so that a new value rolls the service.

With `--skip-secrets` the secret is created without a value and no value is ever written: the
secret is not Ready (and the task definition waits) until someone puts one.

Observed with one ListSecrets per app (name prefix). Deleted with a 7-day recovery window; a
create that finds the name scheduled for deletion restores it (if it is ours).
"""
from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from controllers.secrets import aws
from reconciler import naming
from reconciler.controller import BaseController, Context
from reconciler.delivery.design import value_of
from reconciler.design import AppDesign, EnvironmentDesign
from reconciler.ownership import refuse_unless_ours, stale_tags, tags_for
from reconciler.resource import FieldChange, Key, Observation, Resource, changed_fields

TAG_VALUE_HASH = "reconcile.dev/value-hash"
RECOVERY_DAYS = 7
_TOKENS = uuid.UUID("5b0f4c1e-0d6a-4f7e-9c3b-2a1d8e6f4c21")


class SecretController(BaseController):
    kind = "secrets.secret"
    scope = "app"
    immutable = frozenset({"Name"})
    outputs = frozenset({"arn", "name", "version"})
    unobservable = frozenset({"valueFile"})
    sensitive = frozenset({"valueHash"})
    standard_names = ()  # one per compose secret: the names come from the spec

    def secret_name(self, key: Key) -> str:
        return naming.secret_name(key.environment, key.app or "", key.name)

    def prefix(self, resource: Resource) -> str:
        return naming.secret_name(resource.key.environment, resource.key.app or "", "")

    def identity(self, key: Key) -> dict[str, Any]:
        return {"Name": self.secret_name(key)}

    def wanted(self, app: AppDesign) -> list[tuple[str, str, str | None]]:
        """(key name, file, value hash or None) of the app's secrets of this kind."""
        return [(s.name, s.path, s.value_hash) for s in app.delivery.secrets]

    def desired(self, env: EnvironmentDesign) -> list[Resource]:
        resources = []
        for app in env.apps:
            for name, path, value_hash in self.wanted(app):
                key = Key(self.kind, env.name, app.name, name)
                desired: dict[str, Any] = {"Name": self.secret_name(key),
                                           "Description": f"{name} of {key.scope} (serverless-container-reconciler)",
                                           "valueFile": path}
                if value_hash is not None:
                    desired["valueHash"] = value_hash
                resources.append(Resource(key, desired, tags_for(key, app.labels), app.adopt))
        return resources

    def observe(self, resources: Sequence[Resource], ctx: Context) -> Mapping[Key, Observation]:
        sm = ctx.client("secretsmanager")
        found: dict[str, dict] = {}
        for prefix in sorted({self.prefix(r) for r in resources}):
            found.update(aws.secrets_with_prefix(sm, prefix))
        return {r.key: _observation(r, found.get(r.desired["Name"])) for r in resources}

    def create(self, resource: Resource, ctx: Context) -> Mapping[str, Any]:
        sm = ctx.client("secretsmanager")
        want = resource.desired
        # ListSecrets hides secrets scheduled for deletion, and CreateSecret refuses their name
        # (moto even answers a repeated request token with the deleted secret): look first.
        described = aws.find(sm, want["Name"])
        if described is None:
            value = value_of(want["valueFile"]) if "valueHash" in want else None
            tags = {**resource.tags, **({TAG_VALUE_HASH: want["valueHash"]} if value is not None else {})}
            token = (resource.token or str(uuid.uuid5(_TOKENS, f"{resource.key}:{want.get('valueHash')}"))).replace("-", "")
            created = aws.create(sm, want["Name"], want["Description"], tags, token[:64], value)
            if created is not None:
                return {"arn": created["ARN"], "name": want["Name"], "version": created.get("VersionId")}
            described = aws.describe(sm, want["Name"])  # created a moment ago by a run that crashed
        observation = _observation(resource, described)
        refuse_unless_ours(resource, observation.tags)
        if described.get("DeletedDate"):
            aws.restore(sm, want["Name"])
        changes = self.diff(resource, observation)
        return self.update(resource, observation, changes, ctx) if changes else observation.outputs

    def update(self, resource: Resource, observation: Observation, changes: Sequence[FieldChange],
               ctx: Context) -> Mapping[str, Any]:
        sm = ctx.client("secretsmanager")
        want, arn = resource.desired, observation.outputs["arn"]
        changed = changed_fields(changes)
        outputs = dict(observation.outputs)
        if "Description" in changed:
            aws.update_description(sm, arn, want["Description"])
        if "valueHash" in changed:
            seed = f"{arn}:{observation.outputs.get('version')}:{want['valueHash']}"
            outputs["version"] = aws.put_value(sm, arn, value_of(want["valueFile"]), uuid.uuid5(_TOKENS, seed).hex)
        stale = stale_tags(resource.tags, observation.tags)
        if "valueHash" in changed:
            stale[TAG_VALUE_HASH] = want["valueHash"]
        aws.tag(sm, arn, stale)
        return outputs

    def delete(self, key: Key, observation: Observation, ctx: Context) -> None:
        aws.delete(ctx.client("secretsmanager"), observation.outputs.get("arn") or self.secret_name(key), RECOVERY_DAYS)


class GitHubTokenController(SecretController):
    """The GitHub personal access token of `spec.build.tokenSecret` (GitHub mode only); written
    whatever --skip-secrets says (the pipeline cannot be configured without it)."""

    kind = "secrets.github_token"
    standard_names = ("",)

    def secret_name(self, key: Key) -> str:
        return naming.github_token_secret_name(key.environment, key.app or "")

    def prefix(self, resource: Resource) -> str:
        return resource.desired["Name"]

    def wanted(self, app: AppDesign) -> list[tuple[str, str, str | None]]:
        github = app.delivery.github if app.delivery.pipeline else None
        return [] if github is None else [("", github.token_file, github.token_hash)]


def _observation(resource: Resource, secret: Mapping[str, Any] | None) -> Observation:
    if secret is None:
        return Observation.absent()
    tags = {t["Key"]: t.get("Value", "") for t in secret.get("Tags") or []}
    version = next((v for v, stages in (secret.get("SecretVersionsToStages") or secret.get("VersionIdsToStages") or {}).items()
                    if "AWSCURRENT" in stages), None)
    fields = {"Name": secret["Name"], "Description": secret.get("Description", ""),
              "valueHash": tags.get(TAG_VALUE_HASH), "tags": tags}
    message = "" if version else (f"no value yet: put one with `aws secretsmanager put-secret-value --secret-id "
                                  f"{secret['Name']} --secret-string file://...`")
    return Observation(exists=True, fields=fields, outputs={"arn": secret["ARN"], "name": secret["Name"], "version": version},
                       tags=tags, ready=version is not None, message=message, state=secret)
