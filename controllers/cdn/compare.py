"""Pure translation between the distribution's desired state (flat: the settings we own) and
CloudFront's DistributionConfig (nested, with Quantity counts), both ways. No I/O."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

ORIGIN_ID = "load-balancer"
# AWS managed policies (their ids are fixed and documented; moto cannot list them).
CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"  # Managed-CachingDisabled
ALL_VIEWER = "216adef6-5c7f-47e4-b989-5492eafa07d3"  # Managed-AllViewer: every header (Host too), cookie, query
ALL_METHODS = ["DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"]
CACHED_METHODS = ["GET", "HEAD"]
# The hosted zone every CloudFront distribution's alias records point at, per partition.
HOSTED_ZONE = {"aws": "Z2FDTNDATAQYW2", "aws-cn": "Z3RFFRIM2A3IF5"}

# The top-level DistributionConfig keys we set; the others (logging, restrictions, error pages,
# WAF, ...) are kept as they are on update.
OWNED = ("Comment", "Enabled", "Aliases", "Origins", "DefaultCacheBehavior", "ViewerCertificate", "HttpVersion",
         "IsIPV6Enabled", "PriceClass")


def _items(values: list[str]) -> dict[str, Any]:
    return {"Quantity": len(values), "Items": list(values)} if values else {"Quantity": 0}


def config(desired: Mapping[str, Any], caller_reference: str) -> dict[str, Any]:
    """A complete DistributionConfig for CreateDistribution."""
    return {"CallerReference": caller_reference, **owned_parts(desired)}


def owned_parts(desired: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "Comment": desired["Comment"],
        "Enabled": desired["Enabled"],
        "Aliases": _items(desired["Aliases"]),
        "Origins": {"Quantity": 1, "Items": [{
            "Id": ORIGIN_ID, "DomainName": desired["OriginDomainName"],
            "CustomOriginConfig": {
                "HTTPPort": 80, "HTTPSPort": 443, "OriginProtocolPolicy": desired["OriginProtocolPolicy"],
                "OriginSslProtocols": _items(["TLSv1.2"]), "OriginReadTimeout": 30, "OriginKeepaliveTimeout": 5,
            },
        }]},
        "DefaultCacheBehavior": {
            "TargetOriginId": ORIGIN_ID, "ViewerProtocolPolicy": desired["ViewerProtocolPolicy"],
            "AllowedMethods": {**_items(desired["AllowedMethods"]), "CachedMethods": _items(CACHED_METHODS)},
            "CachePolicyId": desired["CachePolicyId"], "OriginRequestPolicyId": desired["OriginRequestPolicyId"],
            "Compress": True,
        },
        "ViewerCertificate": {"ACMCertificateArn": desired["CertificateArn"], "SSLSupportMethod": "sni-only",
                              "MinimumProtocolVersion": desired["MinimumProtocolVersion"]},
        "HttpVersion": desired["HttpVersion"],
        "IsIPV6Enabled": desired["IsIPV6Enabled"],
        "PriceClass": desired["PriceClass"],
    }


def merged(current: Mapping[str, Any], desired: Mapping[str, Any]) -> dict[str, Any]:
    """The current configuration with our parts replaced (UpdateDistribution replaces the whole
    configuration: what we do not own is sent back as it is)."""
    return {**current, **owned_parts(desired)}


def disabled(current: Mapping[str, Any]) -> dict[str, Any]:
    return {**current, "Enabled": False}


def flat(summary: Mapping[str, Any]) -> dict[str, Any]:
    """A ListDistributions summary (or a DistributionConfig) in the shape of desired."""
    origins = (summary.get("Origins") or {}).get("Items") or []
    origin = next((o for o in origins if o.get("Id") == ORIGIN_ID), origins[0] if origins else {})
    behavior = summary.get("DefaultCacheBehavior") or {}
    viewer = summary.get("ViewerCertificate") or {}
    return {
        "Comment": summary.get("Comment"),
        "Enabled": bool(summary.get("Enabled")),
        "Aliases": sorted((summary.get("Aliases") or {}).get("Items") or []),
        "OriginDomainName": origin.get("DomainName"),
        "OriginProtocolPolicy": (origin.get("CustomOriginConfig") or {}).get("OriginProtocolPolicy"),
        "ViewerProtocolPolicy": behavior.get("ViewerProtocolPolicy"),
        "AllowedMethods": sorted((behavior.get("AllowedMethods") or {}).get("Items") or []),
        "CachePolicyId": behavior.get("CachePolicyId") or None,
        "OriginRequestPolicyId": behavior.get("OriginRequestPolicyId") or None,
        "CertificateArn": viewer.get("ACMCertificateArn") or None,
        "MinimumProtocolVersion": viewer.get("MinimumProtocolVersion"),
        "HttpVersion": summary.get("HttpVersion"),
        "IsIPV6Enabled": bool(summary.get("IsIPV6Enabled")),
        "PriceClass": summary.get("PriceClass"),
    }
