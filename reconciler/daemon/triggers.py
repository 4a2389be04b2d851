"""`reconcile trigger SPEC`: a request for a pass now, left in the state table (partition
`trigger`), so it reaches whichever replica owns the app; that replica schedules the pass and
removes the request."""
from __future__ import annotations

from reconciler.conditions import now_iso
from reconciler.state.store import StateStore, from_dynamo, to_dynamo

PARTITION = "trigger"


def request_trigger(store: StateStore, environment: str, app: str) -> None:
    store.client.put_item(TableName=store.name, Item=to_dynamo(
        {"pk": PARTITION, "sk": f"{environment}/{app}", "requested": now_iso()}))


def pending_triggers(store: StateStore) -> set[str]:
    pages = store.client.get_paginator("query").paginate(
        TableName=store.name, ConsistentRead=True, KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": PARTITION}})
    return {from_dynamo(item)["sk"] for page in pages for item in page.get("Items", [])}


def remove_trigger(store: StateStore, scope: str) -> None:
    store.client.delete_item(TableName=store.name, Key=to_dynamo({"pk": PARTITION, "sk": scope}))
