"""Route 53 records of the apps whose DNS we write (`dns: route53`): certificate validation
CNAMEs and the aliases of their names."""
from controllers.dns.records import RecordsController

__all__ = ["RecordsController", "controllers"]


def controllers() -> list:
    return [RecordsController()]
