"""What moto 5.2.5 leaves out and the reconciler needs to see, filled in for the embedded AWS
only (never the production path; installed by `server.EmbeddedAWS` before it starts):

- API Gateway v2 custom domain names: AWS answers each DomainNameConfiguration with the
  regional target (`ApiGatewayDomainName`, `d-....execute-api.<region>.amazonaws.com`), its
  `HostedZoneId` and a `DomainNameStatus`; moto echoes the request only, so the Route 53 alias
  of an API's custom domain would have nothing to point at.
"""
from __future__ import annotations

import hashlib
from typing import Any

# API Gateway's regional hosted zone (us-east-1, the embedded region); other regions get a
# placeholder that is plainly not AWS's.
_API_GATEWAY_ZONES = {"us-east-1": "Z1UJRXOUMOOFQ8"}


def install() -> None:
    from moto.apigatewayv2 import models

    if getattr(models.DomainName, "_reconciler_filled", False):
        return
    original = models.DomainName.__init__

    def init(self: Any, domain_name: str, domain_name_configurations: list, *args: Any, **kwargs: Any) -> None:
        original(self, domain_name, domain_name_configurations, *args, **kwargs)
        backend = kwargs.get("backend") if "backend" in kwargs else args[-1]
        region = backend.region_name
        digest = hashlib.sha256(domain_name.encode()).hexdigest()[:10]
        for configuration in self.domain_name_configurations or []:
            configuration.setdefault("apiGatewayDomainName", f"d-{digest}.execute-api.{region}.amazonaws.com")
            configuration.setdefault("hostedZoneId", _API_GATEWAY_ZONES.get(region, "ZEMULATEDAPIGATEWAY"))
            configuration.setdefault("domainNameStatus", "AVAILABLE")

    models.DomainName.__init__ = init  # type: ignore[method-assign]
    models.DomainName._reconciler_filled = True  # type: ignore[attr-defined]
