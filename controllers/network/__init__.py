"""The environment's network: VPC, public subnets, internet gateway, route table, security groups."""
from controllers.network.internet_gateway import InternetGatewayController
from controllers.network.route_table import RouteTableController
from controllers.network.security_group import SecurityGroupController
from controllers.network.subnets import SubnetsController
from controllers.network.vpc import VpcController

__all__ = [
    "InternetGatewayController",
    "RouteTableController",
    "SecurityGroupController",
    "SubnetsController",
    "VpcController",
    "network_controllers",
]


def network_controllers() -> list:
    """One instance of every network kind, for the registry and tests."""
    return [VpcController(), SubnetsController(), InternetGatewayController(), RouteTableController(), SecurityGroupController()]
