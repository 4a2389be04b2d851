"""Cognito sign-in for restricted APIs and sites: a user pool and an app client per app (and a
Hosted UI domain for a site)."""
from controllers.auth.user_pool import UserPoolController
from controllers.auth.user_pool_client import UserPoolClientController
from controllers.auth.user_pool_domain import UserPoolDomainController

__all__ = ["UserPoolClientController", "UserPoolController", "UserPoolDomainController", "controllers"]


def controllers() -> list:
    return [UserPoolController(), UserPoolClientController(), UserPoolDomainController()]
