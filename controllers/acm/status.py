"""What a certificate says about itself, through one reader both ACM kinds use.

`READER` is looked up at call time, so tests can put a test double of this protocol (our own,
never boto3's) in its place: moto issues every certificate by timer and has no FAILED or
VALIDATION_TIMED_OUT path, so those paths are tested through a reader that reports them.
Reads are cached per pass (`ctx.cache`): the certificate and validation kinds share them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from controllers.acm import aws
from reconciler.controller import Context

ISSUED = "ISSUED"
PENDING = "PENDING_VALIDATION"
TERMINAL = ("FAILED", "VALIDATION_TIMED_OUT", "REVOKED", "EXPIRED", "INACTIVE")
US_EAST_1 = "us-east-1"  # where CloudFront's certificates must live


@dataclass(frozen=True)
class ValidationRecord:
    """One DNS record ACM wants to see (always a CNAME today)."""

    domain: str  # the certificate name it validates
    name: str
    type: str
    value: str
    status: str = ""  # PENDING_VALIDATION | SUCCESS | FAILED

    def line(self) -> str:
        """The output form: `NAME TYPE VALUE` (space-separated; DNS names hold no spaces)."""
        return f"{self.name} {self.type} {self.value}"


@dataclass(frozen=True)
class CertificateStatus:
    arn: str
    status: str
    names: tuple[str, ...]  # DomainName first, then the other SubjectAlternativeNames
    key_algorithm: str = ""
    records: tuple[ValidationRecord, ...] = ()
    pending_names: tuple[str, ...] = ()  # names without a ResourceRecord yet (AWS still filling in)
    failure_reason: str = ""
    in_use_by: tuple[str, ...] = ()
    created_at: Any = None
    details: dict = field(default_factory=dict, compare=False)

    @property
    def records_known(self) -> bool:
        return bool(self.records) and not self.pending_names


class StatusReader(Protocol):
    def read(self, ctx: Context, region: str, arn: str) -> CertificateStatus | None: ...


class AcmStatusReader:
    """DescribeCertificate, once per certificate per pass."""

    def read(self, ctx: Context, region: str, arn: str) -> CertificateStatus | None:
        return ctx.cache.get(("acm", "status", region, arn), lambda: self._describe(ctx, region, arn))

    @staticmethod
    def _describe(ctx: Context, region: str, arn: str) -> CertificateStatus | None:
        found = aws.find_certificate(ctx.client("acm", region), arn)
        return None if found is None else from_description(found)


def from_description(certificate: dict) -> CertificateStatus:
    domain = certificate.get("DomainName", "")
    others = [n for n in certificate.get("SubjectAlternativeNames") or [] if n != domain]
    records: list[ValidationRecord] = []
    pending: list[str] = []
    for option in certificate.get("DomainValidationOptions") or []:
        record = option.get("ResourceRecord")
        if option.get("ValidationMethod", "DNS") != "DNS":
            continue
        if record is None:
            pending.append(option.get("DomainName", ""))
            continue
        records.append(ValidationRecord(option.get("DomainName", ""), record["Name"], record["Type"], record["Value"],
                                        option.get("ValidationStatus", "")))
    return CertificateStatus(
        arn=certificate["CertificateArn"], status=certificate.get("Status", ""), names=(domain, *others),
        key_algorithm=certificate.get("KeyAlgorithm", ""), records=tuple(records), pending_names=tuple(pending),
        failure_reason=certificate.get("FailureReason", ""), in_use_by=tuple(certificate.get("InUseBy") or []),
        created_at=certificate.get("CreatedAt"), details=certificate,
    )


READER: StatusReader = AcmStatusReader()


def read(ctx: Context, region: str, arn: str) -> CertificateStatus | None:
    return READER.read(ctx, region, arn)

