"""What the network kinds share: their names, how we recognise what is ours from its tags, and
the EC2 filters that select it (one Describe call serves every environment in a pass)."""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from reconciler.ownership import (
    MANAGED_BY_VALUE,
    TAG_ENVIRONMENT,
    TAG_KIND,
    TAG_MANAGED_BY,
    TAG_CREATION_TOKEN,
    as_dict,
    display_name,
)
from reconciler.resource import UNKNOWN, Key, Observation, Resource
from reconciler.ownership import stale_tags, tagged_for  # noqa: F401  (stale_tags re-exported for this package)

VPC = "network.vpc"
SUBNETS = "network.subnets"
INTERNET_GATEWAY = "network.internet_gateway"
ROUTE_TABLE = "network.route_table"
SECURITY_GROUP = "network.security_group"

# Which AZ slot (0, 1, 2) a subnet fills; the subnets resource finds its members by it.
# (Belongs with the other keys in reconciler.ownership; kept here until it moves.)


def owned_filters(kind: str, environments: Iterable[str]) -> list[dict]:
    """ownership.tag_filters widened to several environments, narrowed to one kind."""
    return [
        {"Name": f"tag:{TAG_MANAGED_BY}", "Values": [MANAGED_BY_VALUE]},
        {"Name": f"tag:{TAG_ENVIRONMENT}", "Values": sorted(set(environments))},
        {"Name": f"tag:{TAG_KIND}", "Values": [kind]},
    ]


def name_filters(keys: Iterable[Key]) -> list[dict]:
    """Look-alikes: things carrying the `Name` we would give them (our tags or not)."""
    return [{"Name": "tag:Name", "Values": sorted({display_name(k) for k in keys})}]


def vpc_filter(vpc_ids: Iterable[str]) -> list[dict]:
    return [{"Name": "vpc-id", "Values": sorted(set(vpc_ids))}]


def tags_of(item: Mapping) -> dict[str, str]:
    return as_dict(item.get("Tags"))


def is_ours(tags: Mapping[str, str], key: Key) -> bool:
    """Tags say this AWS object is the one this key manages."""
    return tagged_for(key, tags)


def is_named_like(tags: Mapping[str, str], key: Key) -> bool:
    return tags.get("Name") == display_name(key)


def known_vpc_ids(resources: Iterable[Resource]) -> list[str]:
    """VPC ids the resources live in, once the VPC exists (UNKNOWN before)."""
    return sorted({r.desired["VpcId"] for r in resources if r.desired.get("VpcId") not in (None, UNKNOWN)})


def ours_or_lookalikes(
    resources: Sequence[Resource],
    owned: list[dict],
    describe_named: Callable[[list[dict]], list[dict]],
    id_key: str,
    recorded: Callable[[Key], Any] = lambda key: None,
) -> dict[Key, tuple[dict | None, list[dict]]]:
    """Each resource's object and its extra copies: ours (the one the inventory recorded when
    several carry our tags), else a look-alike with its Name (so the engine can refuse or adopt
    it). Look-alikes are described only when something is missing, so a converged pass pays
    nothing for them."""
    found = {r.key: choose([item for item in owned if is_ours(tags_of(item), r.key)], id_key, recorded(r.key))
             for r in resources}
    missing = [key for key, (item, _) in found.items() if item is None]
    if missing:
        lookalikes = describe_named(name_filters(missing))
        for key in missing:
            found[key] = (pick([item for item in lookalikes if is_named_like(tags_of(item), key)], id_key), [])
    return found


def choose(items: Iterable[Mapping], id_key: str, recorded: Any = None) -> tuple[Any, list[Any]]:
    """One of several objects carrying our tags for one resource, and the rest (copies made by a
    create sent twice): the one the inventory recorded (its id, else its creation token), else
    the lowest id."""
    ordered = sorted(items, key=lambda item: item[id_key])
    if not ordered:
        return None, []
    primary = None
    if recorded is not None:
        primary = next((i for i in ordered if i[id_key] == getattr(recorded, "physical_id", None)), None) or next(
            (i for i in ordered if getattr(recorded, "token", "") and
             tags_of(i).get(TAG_CREATION_TOKEN) == recorded.token), None)
    primary = primary or ordered[0]
    return primary, [item for item in ordered if item is not primary]


def observe_in_vpcs(
    resources: Sequence[Resource],
    describe: Callable[[list[dict]], list[dict]],
    observe_one: Callable[[Resource, list[dict]], Observation],
) -> dict[Key, Observation]:
    """The shared shape of VPC-scoped kinds: one Describe (filtered by VPC) for every resource of
    the kind, then each resource observed among the items of its own VPC. A resource whose VPC
    does not exist yet is absent."""
    vpc_ids = known_vpc_ids(resources)
    items = describe(vpc_filter(vpc_ids)) if vpc_ids else []
    result: dict[Key, Observation] = {}
    for resource in resources:
        vpc_id = resource.desired["VpcId"]
        if vpc_id is UNKNOWN:
            result[resource.key] = Observation.absent("the VPC does not exist yet")
        else:
            result[resource.key] = observe_one(resource, [i for i in items if i["VpcId"] == vpc_id])
    return result


def pick(items: Iterable[Mapping], id_key: str) -> Mapping | None:
    """One of several candidates, deterministically (the lowest id)."""
    ordered = sorted(items, key=lambda item: item[id_key])
    return ordered[0] if ordered else None
