"""Thin API Gateway v2 calls (HTTP APIs). `find_*` return None when absent; `get_*` raise.

Creates AWS takes without an idempotency token (CreateApi, CreateVpcLink, CreateIntegration,
CreateAuthorizer) are sent on a client that never retries, resent only when throttled
(`retry.unsafe_create`): a lost answer must not make a second one; the next pass finds the first.

moto 5.2.5 lacks GetAuthorizers (the embedded AWS adds it), UpdateStage and CreateDeployment:
stages auto-deploy, and a stage setting that would need UpdateStage is an immutable field.
"""
from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from reconciler import retry
from reconciler.aws import error_code, is_not_found, paginate


def api_arn(partition: str, region: str, api_id: str) -> str:
    return f"arn:{partition}:apigateway:{region}::/apis/{api_id}"


def vpc_link_arn(partition: str, region: str, vpc_link_id: str) -> str:
    return f"arn:{partition}:apigateway:{region}::/vpclinks/{vpc_link_id}"


def stage_arn(partition: str, region: str, api_id: str, stage: str) -> str:
    return f"arn:{partition}:apigateway:{region}::/apis/{api_id}/stages/{stage}"


# --- reads ---------------------------------------------------------------------------------

def list_apis(client: Any) -> list[dict]:
    """Every API of the region, with its Tags (GetApis returns them)."""
    return list(paginate(client, "get_apis", "Items"))


def list_vpc_links(client: Any) -> list[dict]:
    """Every VPC link, with Tags. botocore has no paginator for GetVpcLinks, hence the loop."""
    links: list[dict] = []
    token: str | None = None
    while True:
        page = client.get_vpc_links(**({"NextToken": token} if token else {}))
        links.extend(page.get("Items", []))
        token = page.get("NextToken")
        if not token:
            return links


def list_routes(client: Any, api_id: str) -> list[dict]:
    return _list_or_empty(client, "get_routes", api_id)


def list_integrations(client: Any, api_id: str) -> list[dict]:
    return _list_or_empty(client, "get_integrations", api_id)


def list_authorizers(client: Any, api_id: str) -> list[dict]:
    """GetAuthorizers (the embedded AWS adds it to moto 5.2.5, which lacks it)."""
    return _list_or_empty(client, "get_authorizers", api_id)


def list_stages(client: Any, api_id: str) -> list[dict]:
    return _list_or_empty(client, "get_stages", api_id)


def _list_or_empty(client: Any, operation: str, api_id: str) -> list[dict]:
    try:
        return list(paginate(client, operation, "Items", ApiId=api_id))
    except ClientError as error:
        if is_not_found(error):  # the API itself is gone
            return []
        raise


def get_or_none(get: Any, **params: Any) -> dict | None:
    """A Get* call's answer without its ResponseMetadata, or None when AWS says it is not found."""
    try:
        found = get(**params)
    except ClientError as error:
        if is_not_found(error):
            return None
        raise
    found.pop("ResponseMetadata", None)
    return found


def find_authorizer(client: Any, api_id: str, authorizer_id: str) -> dict | None:
    return get_or_none(client.get_authorizer, ApiId=api_id, AuthorizerId=authorizer_id)


# --- writes --------------------------------------------------------------------------------

def create_api(client: Any, name: str, protocol: str, cors: dict, tags: dict[str, str]) -> dict:
    return retry.unsafe_create.call(client.create_api, Name=name, ProtocolType=protocol, CorsConfiguration=cors, Tags=tags)


def update_api(client: Any, api_id: str, name: str, cors: dict) -> None:
    client.update_api(ApiId=api_id, Name=name, CorsConfiguration=cors)


def create_vpc_link(client: Any, name: str, subnet_ids: list[str], group_ids: list[str], tags: dict[str, str]) -> dict:
    return retry.unsafe_create.call(client.create_vpc_link, Name=name, SubnetIds=subnet_ids, SecurityGroupIds=group_ids,
                                    Tags=tags)


def rename_vpc_link(client: Any, vpc_link_id: str, name: str) -> None:
    client.update_vpc_link(VpcLinkId=vpc_link_id, Name=name)


def create_integration(client: Any, api_id: str, request: dict) -> dict:
    return retry.unsafe_create.call(client.create_integration, ApiId=api_id, **request)


def update_integration(client: Any, api_id: str, integration_id: str, request: dict) -> None:
    client.update_integration(ApiId=api_id, IntegrationId=integration_id, **request)


def create_route(client: Any, api_id: str, route_key: str, request: dict) -> dict | None:
    """None when the API has a route with that key already (RouteKey is unique per API: a
    create whose answer was lost, not listed yet)."""
    try:
        return client.create_route(ApiId=api_id, RouteKey=route_key, **request)
    except ClientError as error:
        if error_code(error) == "ConflictException":
            return None
        raise


def update_route(client: Any, api_id: str, route_id: str, request: dict) -> None:
    client.update_route(ApiId=api_id, RouteId=route_id, **request)


def create_stage(client: Any, api_id: str, stage: str, auto_deploy: bool, tags: dict[str, str]) -> None:
    try:
        client.create_stage(ApiId=api_id, StageName=stage, AutoDeploy=auto_deploy, Tags=tags)
    except ClientError as error:
        if error_code(error) != "ConflictException":  # it exists: a create whose answer was lost
            raise


def create_authorizer(client: Any, api_id: str, request: dict) -> str:
    return retry.unsafe_create.call(client.create_authorizer, ApiId=api_id, **request)["AuthorizerId"]


def update_authorizer(client: Any, api_id: str, authorizer_id: str, request: dict) -> None:
    client.update_authorizer(ApiId=api_id, AuthorizerId=authorizer_id, **request)


def tag(client: Any, arn: str, tags: dict[str, str]) -> None:
    if tags:
        client.tag_resource(ResourceArn=arn, Tags=tags)


def untag(client: Any, arn: str, keys: list[str]) -> None:
    _ignore_not_found(client.untag_resource, ResourceArn=arn, TagKeys=keys)


def _ignore_not_found(call: Any, **kwargs: Any) -> None:
    try:
        call(**kwargs)
    except ClientError as error:
        if not is_not_found(error):
            raise


def delete_api(client: Any, api_id: str) -> None:
    _ignore_not_found(client.delete_api, ApiId=api_id)


def delete_vpc_link(client: Any, vpc_link_id: str) -> None:
    _ignore_not_found(client.delete_vpc_link, VpcLinkId=vpc_link_id)


def delete_integration(client: Any, api_id: str, integration_id: str) -> None:
    _ignore_not_found(client.delete_integration, ApiId=api_id, IntegrationId=integration_id)


def delete_route(client: Any, api_id: str, route_id: str) -> None:
    _ignore_not_found(client.delete_route, ApiId=api_id, RouteId=route_id)


def delete_stage(client: Any, api_id: str, stage: str) -> None:
    _ignore_not_found(client.delete_stage, ApiId=api_id, StageName=stage)


def delete_authorizer(client: Any, api_id: str, authorizer_id: str) -> None:
    _ignore_not_found(client.delete_authorizer, ApiId=api_id, AuthorizerId=authorizer_id)


def detach_authorizer(client: Any, api_id: str, route_id: str) -> None:
    """Make a route unauthenticated. An empty AuthorizerId clears the reference (as Terraform
    does); AWS refuses to delete an authorizer that routes still use."""
    client.update_route(ApiId=api_id, RouteId=route_id, AuthorizationType="NONE", AuthorizerId="")
