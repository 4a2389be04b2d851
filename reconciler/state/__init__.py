"""The reconciler's own state in AWS (our "API server"): a DynamoDB table holding, per
environment and app, the environment requirements, the inventory of what was made (with
create-pending markers), and conditions. See records.py for the item layout."""
from reconciler.state.records import (
    AppRecord,
    ConditionsRecord,
    EnvironmentState,
    InventoryEntry,
    ResourceStatus,
    StoredCondition,
)
from reconciler.state.store import Fence, FenceLost, Put, Remove, StateConflict, StateNotReady, StateStore
from reconciler.state.table import DEFAULT_TABLE, TABLE_ENV

__all__ = [
    "AppRecord", "ConditionsRecord", "DEFAULT_TABLE", "EnvironmentState", "InventoryEntry", "ResourceStatus", "Put", "Remove",
    "StateConflict", "StateNotReady", "StateStore", "StoredCondition", "TABLE_ENV",
]
