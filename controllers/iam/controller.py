"""iam.role: two roles per app, both assumable by ECS tasks of this account only.

- "execution": used by the ECS agent to start the tasks (pull images, write logs, read
  secrets); one inline policy "execution".
- "task": the app's own identity; an inline policy "storage" with least-privilege DynamoDB
  access per storage grant, absent when the app has no grants.

`desired["Policies"]` maps each inline policy name this controller owns on the role to its
document, or to None when it must not exist (so removing the last storage grant deletes the
policy). Inline policies with other names were not created by us and are left alone, like
foreign tags (left-scoped); managed policies attached by someone else too.

Observed per role (IAM has no batch read that returns tags and inline documents for a set of
roles short of GetAccountAuthorizationDetails over the whole account): GetRole (trust policy
and tags) + ListRolePolicies + GetRolePolicy per inline policy we own. The role name is
immutable; everything else is healed in place. IAM is eventually consistent: the calls right
after a create go through `reconciler.retry.read_after_create`, never a sleep.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import structlog
from botocore.exceptions import ClientError

from controllers.iam import aws
from controllers.iam.compare import canonical_document, diff_role
from controllers.iam.policies import (
    CODEBUILD_PRINCIPAL,
    CODEPIPELINE_PRINCIPAL,
    TASKS_PRINCIPAL,
    build_policy,
    execution_policy,
    pipeline_policy,
    storage_policy,
    trust_policy,
)
from reconciler.aws import error_code
from reconciler.controller import BaseController, Context
from reconciler.design import EnvironmentDesign
from reconciler.naming import artifacts_bucket, build_project_name, role_name, secret_name
from reconciler.ownership import as_dict, refuse_unless_ours, tags_for
from reconciler.resource import FieldChange, Key, Observation, Resource

log = structlog.get_logger("controllers.iam")

KIND = "iam.role"
EXECUTION = "execution"
TASK = "task"
BUILD = "build"  # CodeBuild's, for apps whose images the pipeline builds
PIPELINE = "pipeline"  # CodePipeline's, likewise


class RoleController(BaseController):
    kind = KIND
    recallable = True  # read one by one: skipped while the state store proves it unchanged
    scope = "app"
    immutable = frozenset({"RoleName"})
    outputs = frozenset({"arn", "name"})
    standard_names = (EXECUTION, TASK, BUILD, PIPELINE)

    def identity(self, key: Key) -> dict[str, Any]:
        return {"RoleName": role_name(key.environment, key.app or "", key.name), "Policies": {}}

    def desired(self, env: EnvironmentDesign) -> list[Resource]:
        account, region = env.location.account_id, env.location.region
        partition = env.location.partition
        trust = {purpose: trust_policy(account, service) for purpose, service in
                 ((EXECUTION, TASKS_PRINCIPAL), (TASK, TASKS_PRINCIPAL), (BUILD, CODEBUILD_PRINCIPAL),
                  (PIPELINE, CODEPIPELINE_PRINCIPAL))}
        resources = []
        for app in env.apps:
            secrets = [secret_name(env.name, app.name, s.name) for s in app.translation.secret_files]
            policies = {
                EXECUTION: {"execution": execution_policy(env.name, app.name, region, account, partition, secrets)},
                TASK: {"storage": storage_policy(app.storage, region, account, partition)},
            }
            if app.delivery.pipeline:
                bucket = artifacts_bucket(env.name, app.name, account, region)
                project = build_project_name(env.name, app.name)
                policies[BUILD] = {"build": build_policy(env.name, app.name, region, account, partition, bucket, project)}
                policies[PIPELINE] = {"pipeline": pipeline_policy(region, account, partition, bucket, project)}
            for purpose, owned in policies.items():
                key = Key(KIND, env.name, app.name, purpose)
                desired = {
                    "RoleName": role_name(env.name, app.name, purpose),
                    "AssumeRolePolicyDocument": trust[purpose],
                    "Policies": owned,
                }
                resources.append(Resource(key, desired, tags_for(key, app.labels), app.adopt))
        return resources

    def observe(self, resources: Sequence[Resource], ctx: Context) -> Mapping[Key, Observation]:
        iam = ctx.client("iam")
        return {r.key: _observe_role(r, iam, aws.find_role(iam, r.desired["RoleName"])) for r in resources}

    def diff(self, resource: Resource, observation: Observation) -> list[FieldChange]:
        return diff_role(resource.desired, resource.tags, observation.fields)

    def create(self, resource: Resource, ctx: Context) -> Mapping[str, Any]:
        iam = ctx.client("iam")
        name = resource.desired["RoleName"]
        key = resource.key
        try:
            role = aws.create_role(iam, name, resource.desired["AssumeRolePolicyDocument"], resource.tags,
                                   f"{key.name} role of {key.scope} (serverless-container-reconciler)")
        except ClientError as error:
            if error_code(error) != "EntityAlreadyExists":
                raise
            # A retry after a crash, or a role observe could not see yet (eventual consistency).
            observation = _observe_role(resource, iam, aws.get_role_after_create(iam, name))
            refuse_unless_ours(resource, observation.tags, error)
            _heal(resource, observation, iam, just_created=True)
            return observation.outputs
        created = Observation(
            exists=True,
            fields={"AssumeRolePolicyDocument": resource.desired["AssumeRolePolicyDocument"],
                    "Policies": dict.fromkeys(resource.desired["Policies"]), "tags": resource.tags},
            outputs=_outputs(role),
            tags=resource.tags,
        )
        _heal(resource, created, iam, just_created=True)
        return created.outputs

    def update(self, resource: Resource, observation: Observation, changes: Sequence[FieldChange],
               ctx: Context) -> Mapping[str, Any]:
        _heal(resource, observation, ctx.client("iam"), just_created=False)
        return observation.outputs

    def delete(self, key: Key, observation: Observation, ctx: Context) -> None:
        aws.delete_role(ctx.client("iam"), observation.outputs.get("name") or observation.fields["RoleName"])


def _outputs(role: Mapping[str, Any]) -> dict[str, Any]:
    return {"arn": role["Arn"], "name": role["RoleName"]}


def _observe_role(resource: Resource, iam: Any, role: Mapping[str, Any] | None) -> Observation:
    if role is None:
        return Observation.absent()
    name = role["RoleName"]
    # Only the policies we own are read, each with one GetRolePolicy (NoSuchEntity = missing):
    # no ListRolePolicies, which would cost a request per role per pass for nothing.
    policies = {}
    for policy in resource.desired["Policies"]:
        document = aws.get_inline_policy(iam, name, policy)
        policies[policy] = canonical_document(document) if document is not None else None
    tags = as_dict(role.get("Tags"))
    fields = {
        "RoleName": name,
        "AssumeRolePolicyDocument": canonical_document(role.get("AssumeRolePolicyDocument")),
        "Policies": policies,
        "tags": tags,
    }
    return Observation(exists=True, fields=fields, outputs=_outputs(role), tags=tags)


def _heal(resource: Resource, observation: Observation, iam: Any, *, just_created: bool) -> None:
    """Bring trust policy, owned inline policies and our tags to the desired state, in place."""
    name = resource.desired["RoleName"]
    trust = resource.desired["AssumeRolePolicyDocument"]
    if observation.fields.get("AssumeRolePolicyDocument") != trust:
        aws.update_trust(iam, name, trust)
        log.info("trust_policy_restored", role=name)
    have = observation.fields.get("Policies") or {}
    for policy, document in sorted(resource.desired["Policies"].items()):
        if document is None and have.get(policy) is not None:
            aws.delete_inline_policy(iam, name, policy)
            log.info("inline_policy_deleted", role=name, policy=policy)
        elif document is not None and have.get(policy) != document:
            aws.put_inline_policy(iam, name, policy, document, just_created=just_created)
    stale = {k: v for k, v in resource.tags.items() if observation.tags.get(k) != v}
    if stale:
        aws.tag_role(iam, name, stale)
