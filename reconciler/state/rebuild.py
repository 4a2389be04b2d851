"""Rebuilding an environment's inventory from our ownership tags, when the state table has no
record of it (the table was lost, or the environment predates it): one paginated GetResources
of the Resource Groups Tagging API for everything carrying our tags in the environment.

Kinds the tagging API does not return (on moto: API Gateway, IAM, Cloud Map, Cognito; IAM on
AWS too) are found anyway: every app found here brings the keys every app has
(`standard_keys`), which the planner observes like any other. The tagging API is eventually
consistent right after a create; that only makes it miss what the specs at hand will find.
"""
from __future__ import annotations

from typing import Any

from reconciler.aws import paginate
from reconciler.ownership import MANAGED_BY_VALUE, TAG_APP, TAG_ENVIRONMENT, TAG_KIND, TAG_MANAGED_BY, TAG_NAME
from reconciler.resource import Key


def keys_from_tags(tagging: Any, environment: str) -> dict[Key, str]:
    """Key -> ARN of everything the tagging API lists with our tags in the environment."""
    filters = [{"Key": TAG_MANAGED_BY, "Values": [MANAGED_BY_VALUE]}, {"Key": TAG_ENVIRONMENT, "Values": [environment]}]
    found: dict[Key, str] = {}
    for item in paginate(tagging, "get_resources", "ResourceTagMappingList", TagFilters=filters):
        tags = {t["Key"]: t["Value"] for t in item.get("Tags", [])}
        kind = tags.get(TAG_KIND)
        if not kind:
            continue
        key = Key(kind, environment, tags.get(TAG_APP) or None, tags.get(TAG_NAME, ""))
        found.setdefault(key, item["ResourceARN"])
    return found
