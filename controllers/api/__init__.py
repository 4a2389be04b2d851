"""The API front door: an API Gateway HTTP API per API app, reaching the app's Cloud Map service
over the environment's VPC link, optionally behind a Cognito JWT authorizer."""
from controllers.api.authorizer import AuthorizerController
from controllers.api.domain_name import ApiMappingController, DomainNameController
from controllers.api.http_api import HttpApiController
from controllers.api.integration import IntegrationController
from controllers.api.route import RouteController
from controllers.api.stage import StageController
from controllers.api.vpc_link import VpcLinkController

__all__ = [
    "ApiMappingController",
    "AuthorizerController",
    "DomainNameController",
    "HttpApiController",
    "IntegrationController",
    "RouteController",
    "StageController",
    "VpcLinkController",
    "controllers",
]


def controllers() -> list:
    """This package's kinds, in a sensible tie-break order (the engine orders by references)."""
    return [VpcLinkController(), HttpApiController(), IntegrationController(), AuthorizerController(),
            RouteController(), StageController(), DomainNameController(), ApiMappingController()]
