"""Cognito sign-in for restricted APIs: a user pool and a public app client per app."""
from controllers.auth.user_pool import UserPoolController
from controllers.auth.user_pool_client import UserPoolClientController

__all__ = ["UserPoolClientController", "UserPoolController", "controllers"]


def controllers() -> list:
    return [UserPoolController(), UserPoolClientController()]
