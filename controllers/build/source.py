"""build.source: the managed mode's source bundle, one object (`source/bundle.zip`) in the app's
versioned artifacts bucket, uploaded only when its content hash changed.

Desired: the hash (reconciler.delivery.bundle: the bundle's files and what the build does with
them) and what is needed to rebuild the zip at apply time (the source folder, the images), so
the plan holds no bytes. The zip carries the buildspec (with the hash as the tag) and the hash.
Observed with HeadObject: the object's `source-hash` metadata; the output `version` is the S3
version id a pipeline execution records as its source revision (how build.image finds the build
of this bundle). The object is owned through its bucket (it carries no tags of its own: S3 object
tags are limited to ten), so ownership is the bucket's.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from controllers.build import aws, buildspec
from reconciler.compare import diff_fields
from reconciler.controller import BaseController, Context
from reconciler.delivery.bundle import collect
from reconciler.delivery.design import MANAGED
from reconciler.design import EnvironmentDesign
from reconciler.errors import TerminalError
from reconciler.ownership import tags_for
from reconciler.resource import UNKNOWN, FieldChange, Key, Observation, Ref, Resource

KIND = "build.source"
OBJECT_KEY = "source/bundle.zip"
HASH_METADATA = "source-hash"
# CodePipeline shows this metadata of an S3 source object as the execution's revision summary.
SUMMARY_METADATA = "codepipeline-artifact-revision-summary"


class SourceController(BaseController):
    kind = KIND
    recallable = True  # read one by one: skipped while the state store proves it unchanged
    scope = "app"
    outputs = frozenset({"bucket", "key", "version", "hash"})
    references = frozenset({"build.bucket"})
    unobservable = frozenset({"sourceDir", "images", "registry", "region"})

    def identity(self, key: Key) -> dict[str, Any]:
        return {"Bucket": Ref("build.bucket", "name", app=True), "Key": OBJECT_KEY}

    def desired(self, env: EnvironmentDesign) -> list[Resource]:
        resources = []
        for app in env.apps:
            delivery = app.delivery
            if not delivery.pipeline or delivery.mode != MANAGED:
                continue
            key = Key(KIND, env.name, app.name)
            desired = {
                "Bucket": Ref("build.bucket", "name", app=True),
                "Key": OBJECT_KEY,
                "hash": delivery.source_hash,
                "sourceDir": app.loaded.source_dir,
                "images": [image.as_input() for image in delivery.images],
                "registry": delivery.registry,
                "region": env.location.region,
            }
            resources.append(Resource(key, desired, tags_for(key, app.labels), app.adopt))
        return resources

    def observe(self, resources: Sequence[Resource], ctx: Context) -> Mapping[Key, Observation]:
        s3 = ctx.client("s3")
        result: dict[Key, Observation] = {}
        for resource in resources:
            bucket = resource.desired["Bucket"]
            head = None if bucket is UNKNOWN else aws.head_object(s3, bucket, resource.desired["Key"])
            if head is None:
                result[resource.key] = Observation.absent()
                continue
            found = head.get("Metadata", {}).get(HASH_METADATA)
            result[resource.key] = Observation(
                exists=True, fields={"Bucket": bucket, "Key": resource.desired["Key"], "hash": found},
                outputs={"bucket": bucket, "key": resource.desired["Key"], "version": head.get("VersionId"), "hash": found},
                tags=dict(resource.tags), message=f"bundle {found}")
        return result

    def diff(self, resource: Resource, observation: Observation) -> list[FieldChange]:
        return diff_fields({k: resource.desired[k] for k in ("Bucket", "Key", "hash")}, observation.fields)

    def create(self, resource: Resource, ctx: Context) -> Mapping[str, Any]:
        return self._upload(resource, ctx)

    def update(self, resource: Resource, observation: Observation, changes: Sequence[FieldChange],
               ctx: Context) -> Mapping[str, Any]:
        return self._upload(resource, ctx)

    def _upload(self, resource: Resource, ctx: Context) -> Mapping[str, Any]:
        want = resource.desired
        images = want["images"]
        # Read again now: what is uploaded is what is on disk, labelled with its own hash.
        bundle = collect(want["sourceDir"], [i["context"] for i in images],
                         [f"{i['context']}/{i['dockerfile']}" for i in images], images)
        if bundle.hash != want["hash"]:
            raise TerminalError(f"{resource.key}: the source folder {want['sourceDir']} changed while reconciling "
                                "(a different bundle than planned); run again", "SourceChanged")
        spec = buildspec.render(images, want["registry"], want["region"], bundle.hash)
        body = bundle.zip_bytes({buildspec.BUILDSPEC_PATH: spec, buildspec.HASH_PATH: bundle.hash + "\n"})
        answer = aws.put_object(ctx.client("s3"), want["Bucket"], want["Key"], body,
                                {HASH_METADATA: bundle.hash, SUMMARY_METADATA: f"source {bundle.hash}"})
        return {"bucket": want["Bucket"], "key": want["Key"], "version": answer.get("VersionId"), "hash": bundle.hash}

    def delete(self, key: Key, observation: Observation, ctx: Context) -> None:
        if observation.outputs.get("bucket"):
            aws.delete_object(ctx.client("s3"), observation.outputs["bucket"], observation.outputs["key"])
