"""storage.table: the DynamoDB table of a storage grant with `create: true` (issue 4).

One resource per such grant (Key name = table name). The table is named per environment
(`<environment>-<table>`) or as the grant's `tableName` says (specs/tables.py), like the task
role's policy and the STORAGE_<TABLE>_NAME/_ARN variables that point at it. Table names are unique
per account and region, so a second app asking to create the same table finds one it does not
own and is refused; an app that only needs access lists the grant without `create`.

Desired: on-demand billing (PAY_PER_REQUEST), the spec's keys (default `id`, a string), SSE
with the AWS-managed KMS key, deletion protection and point-in-time recovery on (tables hold
data), our tags. Healed in place: billing mode, deletion protection, point-in-time recovery and
tags. SSESpecification is set at creation only: every table is encrypted at rest anyway (this
picks the KMS key over the AWS-owned one), and moto 5.2.5 ignores SSESpecification in
UpdateTable, so healing it could not be tested.

Keys cannot change in place. They are `immutable`, so the engine plans a replace, which starts
with `delete`; `delete` refuses that with a TerminalError (a new table means migrating the data),
knowing it from the observation, which records how the keys differ from the spec. A delete of a
table whose keys are as desired (an explicit delete) lifts deletion protection and deletes it.
`reconcile delete` never gets that far: `retain_on_delete` leaves tables in place.

Observed with one DescribeTable per table (DynamoDB has no batch describe, and ListTables gives
names only), ListTagsOfResource, and DescribeContinuousBackups for PITR. Ready once ACTIVE: a new
table is CREATING for seconds on AWS. PITR cannot be set by CreateTable and AWS accepts
UpdateContinuousBackups only on an ACTIVE table, so the pass after the create turns it on.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from botocore.exceptions import ClientError

from controllers.storage import aws, compare
from reconciler.aws import error_code
from reconciler.controller import BaseController, Context
from reconciler.design import EnvironmentDesign, StorageGrant
from reconciler.errors import RequeueAfter, TerminalError
from reconciler.ownership import as_list, refuse_unless_ours, stale_tags, tags_for
from reconciler.resource import FieldChange, Key, Observation, Resource, changed_fields

KIND = "storage.table"
PITR = "PointInTimeRecoverySpecification"
# While a table is CREATING or UPDATING, AWS refuses changes to it; look again after this long.
BUSY_SECONDS = 5.0


def table_definition(grant: StorageGrant) -> dict[str, Any]:
    return {
        "TableName": grant.name,
        "BillingMode": "PAY_PER_REQUEST",
        "KeySchema": compare.key_schema(grant.partition_key, grant.sort_key),
        "AttributeDefinitions": compare.attribute_definitions(grant.partition_key, grant.sort_key),
        "SSESpecification": {"Enabled": True},
        "DeletionProtectionEnabled": True,
        PITR: {"PointInTimeRecoveryEnabled": True},
    }


class StorageTableController(BaseController):
    kind = KIND
    scope = "app"
    immutable = frozenset({"TableName", *compare.KEY_FIELDS})
    unobservable = frozenset({"SSESpecification"})  # set at creation only (see above)
    retain_on_delete = True
    ready_after_apply = False
    poll_interval = 5.0
    outputs = frozenset({"name", "arn"})
    standard_names = ()  # one per storage grant with create: true

    def identity(self, key: Key) -> dict[str, Any]:
        return {"TableName": key.name}

    def desired(self, env: EnvironmentDesign) -> list[Resource]:
        resources = []
        for app in env.apps:
            for grant in app.storage:
                if grant.create:
                    key = Key(KIND, env.name, app.name, grant.name)
                    resources.append(Resource(key, table_definition(grant), tags_for(key, app.labels), app.adopt))
        return resources

    def observe(self, resources: Sequence[Resource], ctx: Context) -> Mapping[Key, Observation]:
        client = ctx.client("dynamodb")
        result: dict[Key, Observation] = {}
        for resource in resources:
            table = aws.find_table(client, resource.desired["TableName"])
            if table is None:
                result[resource.key] = Observation.absent()
                continue
            status = table.get("TableStatus", "")
            tags = aws.tags_of_if_readable(client, table["TableArn"])
            message = f"table is {status}" if status != "ACTIVE" else ""
            if tags is None:
                # AWS answers ListTagsOfResource on a table still CREATING with "not found": its
                # ownership is checked once it is ACTIVE (nothing is changed before then; a
                # change waits for ACTIVE), so until then it is taken as the one it seems to be.
                tags = dict(resource.tags)
                message = f"table is {status}; its tags can be read once it is ACTIVE"
            pitr = aws.point_in_time_recovery(client, table["TableName"]) if status == "ACTIVE" else None
            fields = compare.observed_fields(table, tags, pitr)
            keys_changed = compare.key_change(resource.desired, fields)
            result[resource.key] = Observation(
                exists=True,
                fields=fields,
                outputs=_outputs(table),
                tags=tags,
                ready=status == "ACTIVE",
                message=f"the spec changes the keys: {keys_changed}" if keys_changed else message,
                state={"table": table, "keys_changed": keys_changed},
            )
        return result

    def create(self, resource: Resource, ctx: Context) -> Mapping[str, Any]:
        return self._create(ctx.client("dynamodb"), resource)

    def update(self, resource: Resource, observation: Observation, changes: Sequence[FieldChange],
               ctx: Context) -> Mapping[str, Any]:
        client = ctx.client("dynamodb")
        want = resource.desired
        name = want["TableName"]
        status = observation.state["table"].get("TableStatus")
        if status != "ACTIVE":
            raise RequeueAfter(f"table {name} is {status}; changing it once ACTIVE", BUSY_SECONDS)
        changed = changed_fields(changes)
        if "tags" in changed:  # tags first, so an adopted table is ours even if a later change must wait
            client.tag_resource(ResourceArn=observation.outputs["arn"],
                                Tags=as_list(stale_tags(resource.tags, observation.tags)))
        # One setting per UpdateTable, as AWS refuses some combinations in one call.
        for setting in ("DeletionProtectionEnabled", "BillingMode"):
            if setting in changed:
                _update_table(client, name, {setting: want[setting]})
        if PITR in changed:
            _update_backups(client, name, want[PITR])
        return dict(observation.outputs)

    def delete(self, key: Key, observation: Observation, ctx: Context) -> None:
        state = observation.state or {}
        if state.get("keys_changed"):
            raise TerminalError(
                f"table {key.name}: the spec changes its keys ({state['keys_changed']}). DynamoDB cannot "
                "change a table's keys, and replacing the table would delete its data: keep the keys, or "
                "create a new table under another name and migrate the data to it.",
                reason="KeysImmutable",
            )
        protected = bool(observation.fields.get("DeletionProtectionEnabled", True))
        aws.delete_table(ctx.client("dynamodb"), observation.outputs.get("name") or key.name, protected)

    def _create(self, client: Any, resource: Resource) -> dict[str, Any]:
        request = {k: v for k, v in resource.desired.items() if k != PITR}  # CreateTable has no PITR
        table = aws.create_table(client, {**request, "Tags": as_list(resource.tags)})
        if table is not None:
            return _outputs(table)
        # The name is taken: our own table (a retry after a crash) is a success; another's is not.
        table = aws.find_table(client, resource.desired["TableName"])
        if table is None:  # deleted meanwhile; the next pass creates it
            raise RequeueAfter(f"table {resource.desired['TableName']} is being deleted", BUSY_SECONDS)
        refuse_unless_ours(resource, aws.tags_of(client, table["TableArn"]),
                           why="DynamoDB table names are unique per account and region")
        return _outputs(table)


def _outputs(table: Mapping[str, Any]) -> dict[str, str]:
    return {"name": table["TableName"], "arn": table["TableArn"]}


def _update_table(client: Any, name: str, changes: dict[str, Any]) -> None:
    try:
        client.update_table(TableName=name, **changes)
    except ClientError as error:
        if error_code(error) == "ResourceInUseException":  # still UPDATING from a previous change
            raise RequeueAfter(f"table {name} is busy; changing it once ACTIVE", BUSY_SECONDS) from error
        raise


def _update_backups(client: Any, name: str, spec: dict[str, Any]) -> None:
    try:
        client.update_continuous_backups(TableName=name, PointInTimeRecoverySpecification=spec)
    except ClientError as error:
        # AWS: backups are not available for a few moments after a table is created.
        if error_code(error) == "ContinuousBackupsUnavailableException":
            raise RequeueAfter(f"point-in-time recovery of table {name} not available yet", BUSY_SECONDS) from error
        raise
