"""Ownership: the one place that spells our tag keys, and the rules for what is ours.

Every taggable resource is tagged at creation. A resource matching by name but missing our
tags, or carrying another app's, is refused unless the spec opts into adoption.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping

from reconciler.resource import Key, Resource

MANAGED_BY_VALUE = "serverless-container-reconciler"

TAG_MANAGED_BY = "reconcile.dev/managed-by"
TAG_ENVIRONMENT = "reconcile.dev/environment"
TAG_APP = "reconcile.dev/app"
TAG_KIND = "reconcile.dev/kind"
TAG_NAME = "reconcile.dev/name"
# Which AZ slot (0, 1, 2) a subnet fills, so growing to 3 AZs and back finds the same subnets.
TAG_AZ_INDEX = "reconcile.dev/az-index"
# Users' metadata.labels become tags with this prefix.
LABEL_PREFIX = "reconcile.dev/label-"

# The creation token of the create that made a resource (the create-pending record's), where the
# API takes tags at creation: the next pass tells the copy it made from any other.
TAG_CREATION_TOKEN = "reconcile.dev/creation-token"

OUR_KEYS = frozenset({TAG_MANAGED_BY, TAG_ENVIRONMENT, TAG_APP, TAG_KIND, TAG_NAME})



def tags_for(key: Key, labels: Mapping[str, str] | None = None) -> dict[str, str]:
    """The tags a resource with this key carries. `Name` makes it readable in the console."""
    tags = {
        TAG_MANAGED_BY: MANAGED_BY_VALUE,
        TAG_ENVIRONMENT: key.environment,
        TAG_KIND: key.kind,
        "Name": display_name(key),
    }
    if key.app:
        tags[TAG_APP] = key.app
    if key.name:
        tags[TAG_NAME] = key.name
    for label, value in sorted((labels or {}).items()):
        tags[LABEL_PREFIX + label] = value
    return tags


def display_name(key: Key) -> str:
    parts = [key.environment] + ([key.app] if key.app else []) + ([key.name] if key.name else [])
    return "-".join(parts)


def tagged_for(key: Key, tags: Mapping[str, str]) -> bool:
    """Tags that say "this is exactly the resource with this key" (kind, environment, app, name)."""
    return (
        tags.get(TAG_MANAGED_BY) == MANAGED_BY_VALUE
        and tags.get(TAG_KIND) == key.kind
        and tags.get(TAG_ENVIRONMENT) == key.environment
        and tags.get(TAG_APP) == key.app
        and tags.get(TAG_NAME, "") == key.name
    )


def owner_problem(key: Key, observed_tags: Mapping[str, str]) -> str | None:
    """Why an existing resource is not ours to manage, or None when it is."""
    if observed_tags.get(TAG_MANAGED_BY) != MANAGED_BY_VALUE:
        return f"{key} exists but was not created by this reconciler (no {TAG_MANAGED_BY} tag)"
    if observed_tags.get(TAG_ENVIRONMENT) != key.environment:
        return f"{key} belongs to environment {observed_tags.get(TAG_ENVIRONMENT)!r}"
    if key.app and observed_tags.get(TAG_APP) != key.app:
        return f"{key} belongs to app {observed_tags.get(TAG_APP)!r}"
    return None


def creation_tags(resource: "Resource") -> dict[str, str]:
    """The tags a create sends: ours, plus its creation token."""
    return {**resource.tags, TAG_CREATION_TOKEN: resource.token} if resource.token else dict(resource.tags)


def refuse_unless_ours(resource: "Resource", observed_tags: Mapping[str, str], cause: BaseException | None = None,
                       *, why: str = "") -> None:
    """After a create answered "already exists": ours (a retry after a crash, or a create whose
    answer was lost) is success; someone else's is refused unless the spec adopts it."""
    from reconciler.errors import TerminalError

    problem = owner_problem(resource.key, observed_tags)
    if problem and not resource.adopt:
        raise TerminalError(problem + (f"; {why}" if why else "") + "; set spec.adopt: true to adopt it", "NotOwned") from cause


def stale_tags(desired: Mapping[str, str], observed: Mapping[str, str]) -> dict[str, str]:
    """Our tags missing or changed on the object (foreign tags are left alone)."""
    return {k: v for k, v in desired.items() if observed.get(k) != v}


def tag_filters(environment: str, app: str | None = None) -> list[dict]:
    """EC2-style filters that select what we own in one environment (and app)."""
    filters = [
        {"Name": f"tag:{TAG_MANAGED_BY}", "Values": [MANAGED_BY_VALUE]},
        {"Name": f"tag:{TAG_ENVIRONMENT}", "Values": [environment]},
    ]
    if app:
        filters.append({"Name": f"tag:{TAG_APP}", "Values": [app]})
    return filters


def as_dict(tag_list: Iterable[Mapping[str, str]] | None, key: str = "Key", value: str = "Value") -> dict[str, str]:
    """[{'Key': k, 'Value': v}] (or {'key','value'} with other spellings) -> {k: v}."""
    return {t[key]: t.get(value, "") for t in (tag_list or [])}


def as_list(tags: Mapping[str, str], key: str = "Key", value: str = "Value") -> list[dict[str, str]]:
    return [{key: k, value: v} for k, v in sorted(tags.items())]


def managed_subset(tags: Mapping[str, str], desired: Mapping[str, str]) -> dict[str, str]:
    """The part of observed tags that the spec owns (left-scoped: only keys we set)."""
    return {k: tags[k] for k in desired if k in tags}
