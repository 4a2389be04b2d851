"""build.bucket: the app's artifacts bucket (source bundles, pipeline artifacts), for apps whose
images the pipeline builds (managed and GitHub modes). Named per app with a digest of account and
region (names are global; reconciler.naming.artifacts_bucket).

Desired: versioning on (a changed bundle is a new version of one key, and pipeline executions
name the version they built), AES256 encryption, every public access blocked, and a lifecycle
that expires non-current versions and the pipeline's artifacts after `spec.build.retentionDays`
(default 7) and aborts stale multipart uploads; our tags (at creation, and again after it). All
healed in place.

Observed per bucket: its versioning (which also tells whether it exists), tags, versioning, encryption, public access block and
lifecycle (S3 has no call that returns a bucket's settings at once). A bucket of that name owned
by another account (AccessDenied on reading it, BucketAlreadyExists on create) is refused. Delete empties
every version first.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from botocore.exceptions import ClientError

from controllers.build import aws
from reconciler import naming
from reconciler.aws import error_code
from reconciler.controller import BaseController, Context
from reconciler.design import EnvironmentDesign
from reconciler.errors import TerminalError
from reconciler.ownership import refuse_unless_ours, stale_tags, tags_for
from reconciler.resource import FieldChange, Key, Observation, Resource, changed_fields

KIND = "build.bucket"
ENCRYPTION = {"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]}
PUBLIC_ACCESS_BLOCK = {"BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True,
                       "RestrictPublicBuckets": True}


def lifecycle_rules(pipeline: str, days: int) -> list[dict[str, Any]]:
    # CodePipeline keeps a pipeline's artifacts under the first 20 characters of its name.
    return [
        {"ID": "old-versions", "Status": "Enabled", "Filter": {"Prefix": ""},
         "NoncurrentVersionExpiration": {"NoncurrentDays": days},
         "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1}},
        {"ID": "build-artifacts", "Status": "Enabled", "Filter": {"Prefix": pipeline[:20] + "/"},
         "Expiration": {"Days": days}},
    ]


class BucketController(BaseController):
    kind = KIND
    recallable = True  # read one by one: skipped while the state store proves it unchanged
    scope = "app"
    immutable = frozenset({"Bucket"})
    outputs = frozenset({"name", "arn"})

    def identity(self, key: Key) -> dict[str, Any]:
        return {}  # the name needs the account and region: observe derives it from the context

    def desired(self, env: EnvironmentDesign) -> list[Resource]:
        resources = []
        location = env.location
        for app in env.apps:
            if not app.delivery.pipeline:
                continue
            key = Key(KIND, env.name, app.name)
            desired = {
                "Bucket": naming.artifacts_bucket(env.name, app.name, location.account_id, location.region),
                "Versioning": "Enabled",
                "Encryption": ENCRYPTION,
                "PublicAccessBlock": PUBLIC_ACCESS_BLOCK,
                "Lifecycle": lifecycle_rules(naming.pipeline_name(env.name, app.name), app.delivery.retention_days),
            }
            resources.append(Resource(key, desired, tags_for(key, app.labels), app.adopt))
        return resources

    def observe(self, resources: Sequence[Resource], ctx: Context) -> Mapping[Key, Observation]:
        s3 = ctx.client("s3")
        return {r.key: _observe(s3, _name(r, ctx), ctx) for r in resources}

    def create(self, resource: Resource, ctx: Context) -> Mapping[str, Any]:
        s3 = ctx.client("s3")
        name = resource.desired["Bucket"]
        if not aws.create_bucket(s3, name, ctx.region, resource.tags):
            raise TerminalError(f"{resource.key}: the bucket name {name} is taken by another account", "NotOwned")
        observation = _observe(s3, name, ctx)
        if observation.tags:  # it existed (us-east-1 answers 200 to its owner): ours?
            refuse_unless_ours(resource, observation.tags)
        changes = self.diff(resource, observation)
        return self.update(resource, observation, changes, ctx)

    def update(self, resource: Resource, observation: Observation, changes: Sequence[FieldChange],
               ctx: Context) -> Mapping[str, Any]:
        s3 = ctx.client("s3")
        want = resource.desired
        name = want["Bucket"]
        changed = changed_fields(changes)
        if "tags" in changed:
            aws.put_bucket_tags(s3, name, {**observation.tags, **stale_tags(resource.tags, observation.tags)})
        if "PublicAccessBlock" in changed:
            aws.put_public_access_block(s3, name, want["PublicAccessBlock"])
        if "Encryption" in changed:
            aws.put_encryption(s3, name, want["Encryption"])
        if "Versioning" in changed:
            aws.put_versioning(s3, name, want["Versioning"])
        if "Lifecycle" in changed:
            aws.put_lifecycle(s3, name, want["Lifecycle"])
        return _outputs(name, ctx)

    def delete(self, key: Key, observation: Observation, ctx: Context) -> None:
        aws.empty_and_delete_bucket(ctx.client("s3"), observation.outputs["name"])


def _name(resource: Resource, ctx: Context) -> str:
    key = resource.key
    return resource.desired.get("Bucket") or naming.artifacts_bucket(key.environment, key.app or "", ctx.account_id,
                                                                      ctx.region)


def _outputs(name: str, ctx: Context) -> dict[str, Any]:
    return {"name": name, "arn": ctx.arn("s3", name, region="", account=False)}


def _observe(s3: Any, name: str, ctx: Context) -> Observation:
    try:
        settings = aws.bucket_settings(s3, name)
        if settings is None:
            return Observation.absent()
    except ClientError as error:
        if error_code(error) not in ("403", "AccessDenied"):
            raise
        # The name is taken by another account: it exists, and it is not ours.
        return Observation(exists=True, fields={"Bucket": name}, outputs={}, tags={},
                           message=f"the bucket name {name} belongs to another account")
    tags = settings.pop("tags")
    return Observation(exists=True, fields={"Bucket": name, **settings, "tags": tags}, outputs=_outputs(name, ctx),
                       tags=tags)
