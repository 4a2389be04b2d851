"""Thin EC2 calls for the network kinds. Creates tag at creation (TagSpecifications) so a crash
right after one leaves nothing we cannot find again; "already gone" on delete is success."""
from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from botocore.exceptions import ClientError

from reconciler import retry
from reconciler.aws import error_code, is_not_found, paginate
from reconciler.ownership import as_list
from reconciler.resource import Key


def tag_specification(resource_type: str, tags: Mapping[str, str]) -> list[dict]:
    return [{"ResourceType": resource_type, "Tags": as_list(tags)}]


def client_token(key: Key, *parts: str) -> str:
    """Idempotency token derived from the key (and the parent it is created in): ≤ 64 chars."""
    return hashlib.sha256("|".join([str(key), *parts]).encode()).hexdigest()[:64]


def create_tags(ec2: Any, resource_ids: list[str], tags: Mapping[str, str]) -> None:
    if resource_ids and tags:
        retry.read_after_create.call(ec2.create_tags, Resources=resource_ids, Tags=as_list(tags))


def _ignore(error: ClientError, *codes: str) -> None:
    """Re-raise unless the error says the desired end state already holds."""
    if error_code(error) not in codes and not is_not_found(error):
        raise error


# --- VPC -----------------------------------------------------------------------------------

def describe_vpcs(ec2: Any, filters: list[dict]) -> list[dict]:
    return list(paginate(ec2, "describe_vpcs", "Vpcs", Filters=filters))


def vpc_dns(ec2: Any, vpc_id: str) -> dict[str, bool]:
    """DescribeVpcs does not return the DNS attributes: one DescribeVpcAttribute each."""
    out = {}
    for name in ("EnableDnsSupport", "EnableDnsHostnames"):
        attribute = name[0].lower() + name[1:]
        out[name] = bool(ec2.describe_vpc_attribute(VpcId=vpc_id, Attribute=attribute)[name]["Value"])
    return out


def create_vpc(ec2: Any, cidr: str, tags: Mapping[str, str]) -> dict:
    """`ec2`: a client that does not retry. CreateVpc has no idempotency token: the tags written
    in the same call (the creation token among them) let observe find a VPC whose answer was
    lost, so it is resent only when AWS said it did not run it (throttled)."""
    return retry.unsafe_create.call(ec2.create_vpc, CidrBlock=cidr, TagSpecifications=tag_specification("vpc", tags))["Vpc"]


def set_vpc_attribute(ec2: Any, vpc_id: str, name: str, value: bool) -> None:
    # One attribute per call (AWS rejects both in one request).
    retry.read_after_create.call(ec2.modify_vpc_attribute, VpcId=vpc_id, **{name: {"Value": value}})


def delete_vpc(ec2: Any, vpc_id: str) -> None:
    try:
        ec2.delete_vpc(VpcId=vpc_id)
    except ClientError as error:  # DependencyViolation propagates: the engine retries
        _ignore(error)


# --- Subnets --------------------------------------------------------------------------------

def describe_subnets(ec2: Any, filters: list[dict]) -> list[dict]:
    return list(paginate(ec2, "describe_subnets", "Subnets", Filters=filters))


def create_subnet(ec2: Any, vpc_id: str, cidr: str, zone_id: str, tags: Mapping[str, str]) -> dict:
    """In the zone with this zone ID (the same physical zone in every account)."""
    try:
        return retry.read_after_create.call(
            ec2.create_subnet, VpcId=vpc_id, CidrBlock=cidr, AvailabilityZoneId=zone_id,
            TagSpecifications=tag_specification("subnet", tags),
        )["Subnet"]
    except ClientError as error:
        if error_code(error) != "InvalidSubnet.Conflict":
            raise
        # The CIDR is taken: a retry of a create that went through (observe refuses foreign
        # subnets on our CIDRs before we get here).
        found = describe_subnets(ec2, [{"Name": "vpc-id", "Values": [vpc_id]}, {"Name": "cidr-block", "Values": [cidr]}])
        if not found:
            raise
        return found[0]


def set_map_public_ip(ec2: Any, subnet_id: str, value: bool) -> None:
    retry.read_after_create.call(ec2.modify_subnet_attribute, SubnetId=subnet_id, MapPublicIpOnLaunch={"Value": value})


def delete_subnet(ec2: Any, subnet_id: str) -> None:
    try:
        ec2.delete_subnet(SubnetId=subnet_id)
    except ClientError as error:  # DependencyViolation (ENIs still there) propagates
        _ignore(error)


# --- Internet gateway ------------------------------------------------------------------------

def describe_internet_gateways(ec2: Any, filters: list[dict]) -> list[dict]:
    return list(paginate(ec2, "describe_internet_gateways", "InternetGateways", Filters=filters))


def create_internet_gateway(ec2: Any, tags: Mapping[str, str]) -> str:
    """`ec2`: a client that does not retry (no idempotency token; see create_vpc)."""
    created = retry.unsafe_create.call(ec2.create_internet_gateway, TagSpecifications=tag_specification("internet-gateway", tags))
    return created["InternetGateway"]["InternetGatewayId"]


def attach_internet_gateway(ec2: Any, gateway_id: str, vpc_id: str) -> None:
    try:
        retry.read_after_create.call(ec2.attach_internet_gateway, InternetGatewayId=gateway_id, VpcId=vpc_id)
    except ClientError as error:
        if error_code(error) != "Resource.AlreadyAssociated":
            raise
        attached = describe_internet_gateways(ec2, [{"Name": "attachment.vpc-id", "Values": [vpc_id]}])
        if not any(g["InternetGatewayId"] == gateway_id for g in attached):
            raise  # the VPC has another gateway: not ours to detach


def detach_internet_gateway(ec2: Any, gateway_id: str, vpc_id: str) -> None:
    try:
        ec2.detach_internet_gateway(InternetGatewayId=gateway_id, VpcId=vpc_id)
    except ClientError as error:
        _ignore(error, "Gateway.NotAttached")


def delete_internet_gateway(ec2: Any, gateway_id: str) -> None:
    try:
        ec2.delete_internet_gateway(InternetGatewayId=gateway_id)
    except ClientError as error:
        _ignore(error)


# --- Route table -----------------------------------------------------------------------------

def describe_route_tables(ec2: Any, filters: list[dict]) -> list[dict]:
    return list(paginate(ec2, "describe_route_tables", "RouteTables", Filters=filters))


def create_route_table(ec2: Any, vpc_id: str, tags: Mapping[str, str], token: str) -> str:
    created = retry.read_after_create.call(  # the VPC may be seconds old
        ec2.create_route_table, VpcId=vpc_id, ClientToken=token, TagSpecifications=tag_specification("route-table", tags)
    )
    return created["RouteTable"]["RouteTableId"]


def put_route(ec2: Any, table_id: str, destination: str, gateway_id: str, *, replace: bool) -> None:
    call = ec2.replace_route if replace else ec2.create_route
    try:
        retry.read_after_create.call(call, RouteTableId=table_id, DestinationCidrBlock=destination, GatewayId=gateway_id)
    except ClientError as error:
        if replace or error_code(error) != "RouteAlreadyExists":
            raise
        ec2.replace_route(RouteTableId=table_id, DestinationCidrBlock=destination, GatewayId=gateway_id)


def associate(ec2: Any, table_id: str, subnet_id: str, replacing: str | None = None) -> None:
    """Associate a subnet; `replacing` = its current association with another table."""
    if replacing:
        ec2.replace_route_table_association(AssociationId=replacing, RouteTableId=table_id)
        return
    retry.read_after_create.call(ec2.associate_route_table, RouteTableId=table_id, SubnetId=subnet_id)


def disassociate(ec2: Any, association_id: str) -> None:
    try:
        ec2.disassociate_route_table(AssociationId=association_id)
    except ClientError as error:
        _ignore(error)


def delete_route_table(ec2: Any, table_id: str) -> None:
    try:
        ec2.delete_route_table(RouteTableId=table_id)
    except ClientError as error:
        _ignore(error)


# --- Security groups -------------------------------------------------------------------------

def describe_security_groups(ec2: Any, filters: list[dict]) -> list[dict]:
    return list(paginate(ec2, "describe_security_groups", "SecurityGroups", Filters=filters))


def create_security_group(ec2: Any, name: str, description: str, vpc_id: str, tags: Mapping[str, str]) -> str:
    try:
        return retry.read_after_create.call(  # the VPC may be seconds old
            ec2.create_security_group, GroupName=name, Description=description, VpcId=vpc_id,
            TagSpecifications=tag_specification("security-group", tags),
        )["GroupId"]
    except ClientError as error:
        if error_code(error) != "InvalidGroup.Duplicate":
            raise
        # A retry of a create that went through (names are unique per VPC).
        found = describe_security_groups(ec2, [{"Name": "vpc-id", "Values": [vpc_id]}, {"Name": "group-name", "Values": [name]}])
        if not found:
            raise
        return found[0]["GroupId"]


def authorize(ec2: Any, group_id: str, direction: str, permissions: list[dict]) -> None:
    call = ec2.authorize_security_group_ingress if direction == "Ingress" else ec2.authorize_security_group_egress
    for permission in permissions:  # one by one: a duplicate must not hide the others
        try:
            retry.read_after_create.call(call, GroupId=group_id, IpPermissions=[permission])
        except ClientError as error:
            if error_code(error) != "InvalidPermission.Duplicate":
                raise


def revoke(ec2: Any, group_id: str, direction: str, permissions: list[dict]) -> None:
    call = ec2.revoke_security_group_ingress if direction == "Ingress" else ec2.revoke_security_group_egress
    for permission in permissions:
        try:
            call(GroupId=group_id, IpPermissions=[permission])
        except ClientError as error:
            _ignore(error, "InvalidPermission.NotFound")


def delete_security_group(ec2: Any, group_id: str) -> None:
    try:
        ec2.delete_security_group(GroupId=group_id)
    except ClientError as error:  # DependencyViolation (in use) propagates: retried
        _ignore(error)


def managed_prefix_list_ids(ec2: Any, names: list[str]) -> dict[str, str]:
    """Name -> id of AWS-managed prefix lists (CloudFront's origin-facing list has a different id
    in every region)."""
    found = paginate(ec2, "describe_managed_prefix_lists", "PrefixLists",
                     Filters=[{"Name": "prefix-list-name", "Values": list(names)}])
    return {item["PrefixListName"]: item["PrefixListId"] for item in found}
