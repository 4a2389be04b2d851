"""ACM certificates of the hosting front door and of API custom domains: the certificate
(acm.certificate) and its issuance (acm.validation), which is what the users of a certificate
reference."""
from controllers.acm.certificate import CertificateController
from controllers.acm.validation import ValidationController

__all__ = ["CertificateController", "ValidationController", "controllers"]


def controllers() -> list:
    return [CertificateController(), ValidationController()]
