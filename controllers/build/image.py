"""build.image: the images to deploy exist in ECR; the one place that starts a build.

Level-based: the desired tag is the rollback pin, else the bundle's content hash (managed), the
spec's tag (self-managed), or, in GitHub mode, the newest tag present in every repository (the
last commit built). Observe asks ECR whether every built container's repository has that tag.

- Present: Ready; the output `tag` is what the task definition's images point at.
- Managed, missing: the pipeline execution of this bundle (the one whose source revision is the
  bundle's S3 version) is looked up. None: absent, so the engine creates = starts one (after
  looking again: creating a pipeline starts an execution by itself). In progress: not Ready, with
  the build's id and phase. Failed or stopped: failed (`--once` exits at once, with the phase and
  reason and the log link); `reconcile rebuild SPEC` starts it again.
- Self-managed or pinned, missing: not Ready / failed, saying what to push or what is missing.

Every dependent (the task definition) waits while this is not Ready: DependencyNotReady, with
this resource's message in status. Outputs: tag, hash, execution, build, phase, buildStatus,
reason, logs (for `status`).
"""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from controllers.build import aws
from controllers.build.compare import build_report, newest_common_tag
from reconciler.controller import BaseController, Context
from reconciler.delivery.design import GITHUB, MANAGED
from reconciler.design import EnvironmentDesign
from reconciler.errors import RequeueAfter
from reconciler.ownership import tags_for
from reconciler.resource import UNKNOWN, FieldChange, Key, Observation, Ref, Resource

KIND = "build.image"
FIELDS = ("tag", "trigger")


class ImageController(BaseController):
    kind = KIND
    scope = "app"
    outputs = frozenset({"tag", "hash", "execution", "build", "phase", "buildStatus", "reason", "logs"})
    references = frozenset({"images.repository", "build.pipeline", "build.source"})
    ready_after_apply = False

    def identity(self, key: Key) -> dict[str, Any]:
        return {"tag": None, "trigger": "pin", "repositories": []}  # nothing to find: a record, not a resource

    def desired(self, env: EnvironmentDesign) -> list[Resource]:
        resources = []
        for app in env.apps:
            delivery = app.delivery
            if not delivery.builds:
                continue
            key = Key(KIND, env.name, app.name)
            trigger = "pin" if delivery.pin else "push" if not delivery.pipeline else (
                "pipeline" if delivery.mode == MANAGED else "webhook")
            desired: dict[str, Any] = {
                "tag": delivery.tag, "trigger": trigger,
                "repositories": [Ref("images.repository", "name", name=i.container, app=True) for i in delivery.images],
            }
            if trigger in ("pipeline", "webhook"):
                desired["pipeline"] = Ref("build.pipeline", "name", app=True)
            if trigger == "pipeline":
                desired["sourceVersion"] = Ref("build.source", "version", app=True)
                desired["hash"] = delivery.source_hash
            if delivery.mode == GITHUB and delivery.github is not None:
                desired["source"] = f"{delivery.github.owner}/{delivery.github.repo}@{delivery.github.branch}"
            resources.append(Resource(key, desired, tags_for(key, app.labels), app.adopt))
        return resources

    def observe(self, resources: Sequence[Resource], ctx: Context) -> Mapping[Key, Observation]:
        return {r.key: self._observe(r, ctx) for r in resources}

    def _observe(self, resource: Resource, ctx: Context) -> Observation:
        if resource.ensure != "present":
            # A view of ECR and the pipeline, not a thing of its own: nothing to delete, and
            # nothing for the repositories and the pipeline to wait for when they go.
            return Observation.absent("nothing to delete: the images go with their repositories")
        want = resource.desired
        repositories = want["repositories"]
        if not repositories or any(r is UNKNOWN for r in repositories):
            return Observation.absent("waiting for the image repositories")
        ecr = ctx.client("ecr")
        base, missing = self._images(ecr, want)
        fields = {k: want[k] for k in FIELDS}
        if not missing:
            return self._present(resource, fields, base)
        if want["trigger"] in ("pin", "push"):
            return self._not_buildable(resource, fields, base, missing)
        pipeline = want.get("pipeline")
        if pipeline is UNKNOWN or want.get("sourceVersion", "") is UNKNOWN:
            return Observation.absent("waiting for the pipeline and the bundle")
        report = build_report(ctx, pipeline, want.get("sourceVersion"))
        if report is None:
            if want["trigger"] == "webhook":
                return Observation(True, fields, base, dict(resource.tags), ready=False,
                                   message=f"waiting for the first build of {want.get('source')} "
                                           "(push a commit to the branch)")
            return Observation.absent(f"no build of {base['tag']} yet")
        outputs = {**base, **report.outputs}
        if report.failed:
            return Observation(True, fields, outputs, dict(resource.tags), ready=False, failed=True,
                               message=report.message, state=report)
        if report.succeeded:
            # The build may have finished after the images were read: read them again before
            # calling a succeeded build one that pushed nothing.
            base, missing = self._images(ecr, want)
            if not missing:
                return self._present(resource, fields, base)
            return Observation(True, fields, {**base, **report.outputs}, dict(resource.tags), ready=False, failed=True,
                               message=f"build {report.build_id or report.execution} succeeded but "
                                       f"{', '.join(missing)} has no image {base['tag']}", state=report)
        return Observation(True, fields, outputs, dict(resource.tags), ready=False, message=report.message, state=report)

    @staticmethod
    def _images(ecr: Any, want: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
        """The outputs every observation carries (the tag to deploy, the hash) and the
        repositories that lack that tag."""
        repositories, tag = want["repositories"], want["tag"]
        if tag is None:  # GitHub: the newest commit built into every repository
            tag = newest_common_tag(ecr, repositories)
        missing = [r for r in repositories if not tag or not aws.has_image(ecr, r, tag)]
        return {"tag": tag, "hash": want.get("hash") or tag}, missing

    @staticmethod
    def _present(resource: Resource, fields: dict, base: dict) -> Observation:
        return Observation(True, fields, {**base, "buildStatus": "SUCCEEDED"}, dict(resource.tags),
                           message=f"images {base['tag']} present")

    @staticmethod
    def _not_buildable(resource: Resource, fields: dict, base: dict, missing: list[str]) -> Observation:
        """Self-managed: wait for the user's push. Pinned: the pinned build is gone; waiting will
        not bring it back."""
        tag = resource.desired["tag"]
        where = ", ".join(missing)
        if resource.desired["trigger"] == "push":
            return Observation(True, fields, base, dict(resource.tags), ready=False,
                               message=f"waiting for image {tag} in {where}: push it (spec.build.mode self-managed)")
        return Observation(True, fields, base, dict(resource.tags), ready=False, failed=True,
                           message=f"the rollback pin {tag} has no image in {where}: pin another build "
                                   "(`reconcile history SPEC`) or `reconcile rollback SPEC --clear`")

    def diff(self, resource: Resource, observation: Observation) -> list[FieldChange]:
        return []  # nothing to change in place: a missing build is "absent" (created = started)

    def create(self, resource: Resource, ctx: Context) -> Mapping[str, Any]:
        want = resource.desired
        if want["trigger"] != "pipeline":  # GitHub: the webhook starts builds; self-managed: you push
            raise RequeueAfter(f"{resource.key}: waiting for the images ({want['trigger']})", 2.0)
        pipeline, version = want["pipeline"], want["sourceVersion"]
        report = build_report(ctx, pipeline, version)  # creating the pipeline may have started one
        if report is not None and not report.failed:
            return {"tag": want["tag"], "hash": want["hash"], **report.outputs}
        token = re.sub(r"[^a-zA-Z0-9-]", "-", resource.token or version)[:128]  # the API's pattern
        execution = aws.start_execution(ctx.client("codepipeline"), pipeline, token)
        return {"tag": want["tag"], "hash": want["hash"], "execution": execution, "phase": "QUEUED",
                "buildStatus": "IN_PROGRESS"}

    def update(self, resource: Resource, observation: Observation, changes: Sequence[FieldChange],
               ctx: Context) -> Mapping[str, Any]:
        return dict(observation.outputs)

    def delete(self, key: Key, observation: Observation, ctx: Context) -> None:
        pass  # a record of builds, not a resource: the images go with their repositories
