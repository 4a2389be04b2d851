"""Which availability zones an environment uses, by zone ID.

Zone names (us-east-1a) are mapped to physical zones per account; zone IDs (use1-az1) are the
same for everyone, and AWS documents service support by zone ID. Not every zone runs what an
environment needs: HTTP API VPC links are supported only in the zones listed in "Set up VPC links
for HTTP APIs - Availability by Region" (e.g. us-east-1: use1-az1, az2, az4, az5, az6), and
Fargate does not run in use1-az3. An environment takes the first three usable zones in zone-ID
order, so every account picks the same physical zones and `plan` can say which.

Regions missing from the table below are not restricted (a VPC link there that fails in a zone
reports FAILED with AWS's reason, which the engine shows at once).
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

# Zones where HTTP API VPC links work, per region (API Gateway developer guide, by zone ID).
VPC_LINK_ZONE_IDS: dict[str, frozenset[str]] = {
    "us-east-1": frozenset({"use1-az1", "use1-az2", "use1-az4", "use1-az5", "use1-az6"}),
    "us-east-2": frozenset({"use2-az1", "use2-az2", "use2-az3"}),
    "us-west-1": frozenset({"usw1-az1", "usw1-az3"}),
    "us-west-2": frozenset({"usw2-az1", "usw2-az2", "usw2-az3", "usw2-az4"}),
    "ap-east-1": frozenset({"ape1-az2", "ape1-az3"}),
    "ap-south-1": frozenset({"aps1-az1", "aps1-az2", "aps1-az3"}),
    "ap-northeast-2": frozenset({"apne2-az1", "apne2-az2", "apne2-az3"}),
    "ap-southeast-1": frozenset({"apse1-az1", "apse1-az2", "apse1-az3"}),
    "ap-southeast-2": frozenset({"apse2-az1", "apse2-az2", "apse2-az3"}),
}
# Zones where Fargate does not run.
FARGATE_UNSUPPORTED_ZONE_IDS = frozenset({"use1-az3"})


@dataclass(frozen=True, order=True)
class Zone:
    zone_id: str
    name: str


def usable(region: str, zones: Iterable[Zone]) -> list[Zone]:
    """The zones an environment may use, in zone-ID order."""
    allowed = VPC_LINK_ZONE_IDS.get(region)
    return sorted(z for z in zones if z.zone_id not in FARGATE_UNSUPPORTED_ZONE_IDS
                  and (allowed is None or z.zone_id in allowed))
