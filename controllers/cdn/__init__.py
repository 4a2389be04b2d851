"""CloudFront in front of the hosting front door's load balancer: one distribution per hosting app."""
from controllers.cdn.distribution import DistributionController

__all__ = ["DistributionController", "controllers"]


def controllers() -> list:
    return [DistributionController()]
