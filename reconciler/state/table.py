"""The state table itself, reconciled like any other resource: observed, compared, created or
healed. On-demand, encrypted with the AWS-managed KMS key, deletion protection and point-in-time
recovery on, our ownership tags. `reconcile delete` never deletes it.

It is not a kind in the graph: every environment's plan reads it before anything else exists,
so the engine reconciles it first, on its own (see `reconciler.state.store.StateStore.ensure`).

AWS answers reads and writes of a table that is still CREATING with ResourceNotFoundException,
so until it is ACTIVE the pass waits (a requeue, not an error). Point-in-time recovery can only
be turned on once the table is ACTIVE (UpdateContinuousBackups; CreateTable has no such field).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from reconciler.aws import error_code, is_not_found, paginate
from reconciler.ownership import MANAGED_BY_VALUE, TAG_KIND, TAG_MANAGED_BY, as_list

KIND = "state.table"
DEFAULT_TABLE = "sc-reconciler-state"
TABLE_ENV = "RECONCILE_STATE_TABLE"

TAGS = {TAG_MANAGED_BY: MANAGED_BY_VALUE, TAG_KIND: KIND, "Name": "serverless-container-reconciler state"}


def create_request(name: str) -> dict[str, Any]:
    return {
        "TableName": name,
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"},
                                 {"AttributeName": "sk", "AttributeType": "S"}],
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        "BillingMode": "PAY_PER_REQUEST",
        "SSESpecification": {"Enabled": True, "SSEType": "KMS"},
        "DeletionProtectionEnabled": True,
        "Tags": as_list(TAGS),
    }


@dataclass
class TableObservation:
    exists: bool
    status: str = ""
    arn: str = ""
    drift: list[str] = field(default_factory=list)  # settings that differ from the desired ones

    @property
    def ready(self) -> bool:
        return self.exists and self.status == "ACTIVE"


def describe(client: Any, name: str) -> dict | None:
    try:
        return client.describe_table(TableName=name)["Table"]
    except ClientError as error:
        if is_not_found(error):
            return None
        raise


def observe(client: Any, name: str, *, deep: bool) -> TableObservation:
    """`deep`: also read tags and PITR (two more requests); otherwise DescribeTable only."""
    table = describe(client, name)
    if table is None:
        return TableObservation(False)
    observation = TableObservation(True, table.get("TableStatus", ""), table["TableArn"])
    if not table.get("DeletionProtectionEnabled"):
        observation.drift.append("DeletionProtectionEnabled")
    if (table.get("BillingModeSummary") or {}).get("BillingMode", "PAY_PER_REQUEST") != "PAY_PER_REQUEST":
        observation.drift.append("BillingMode")
    if deep and observation.ready:
        tags = {t["Key"]: t["Value"] for t in paginate(client, "list_tags_of_resource", "Tags", ResourceArn=table["TableArn"])}
        if any(tags.get(k) != v for k, v in TAGS.items()):
            observation.drift.append("tags")
        backups = client.describe_continuous_backups(TableName=name)["ContinuousBackupsDescription"]
        if (backups.get("PointInTimeRecoveryDescription") or {}).get("PointInTimeRecoveryStatus") != "ENABLED":
            observation.drift.append("PointInTimeRecovery")
    return observation


def create(client: Any, name: str) -> None:
    try:
        client.create_table(**create_request(name))
    except ClientError as error:
        if error_code(error) != "ResourceInUseException":  # created meanwhile (another process)
            raise


def heal(client: Any, name: str, observation: TableObservation) -> None:
    """Put drifted settings back; one setting per UpdateTable (AWS refuses some combinations)."""
    for setting in observation.drift:
        if setting == "DeletionProtectionEnabled":
            client.update_table(TableName=name, DeletionProtectionEnabled=True)
        elif setting == "BillingMode":
            client.update_table(TableName=name, BillingMode="PAY_PER_REQUEST")
        elif setting == "tags":
            client.tag_resource(ResourceArn=observation.arn, Tags=as_list(TAGS))
        elif setting == "PointInTimeRecovery":
            try:
                client.update_continuous_backups(
                    TableName=name, PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True})
            except ClientError as error:
                # AWS: not available for a few moments after the table is created; next time.
                if error_code(error) != "ContinuousBackupsUnavailableException":
                    raise
