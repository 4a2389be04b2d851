"""Thin API Gateway v2 calls for custom domain names and API mappings. `find_*` return None
when absent. moto 5.2.5 lacks UpdateDomainName (a certificate change is refused there) and
fills in no regional target (the embedded AWS adds one: reconciler/emulator/moto_extensions.py)."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from botocore.exceptions import ClientError

from controllers.api.aws import get_or_none
from reconciler.aws import is_not_found, paginate


def find_domain_name(client: Any, name: str) -> dict | None:
    return get_or_none(client.get_domain_name, DomainName=name)


def list_domain_names(client: Any) -> list[dict]:
    return list(paginate(client, "get_domain_names", "Items"))


def create_domain_name(client: Any, name: str, configurations: list[dict], tags: Mapping[str, str]) -> dict:
    return client.create_domain_name(DomainName=name, DomainNameConfigurations=configurations, Tags=dict(tags))


def update_domain_name(client: Any, name: str, configurations: list[dict]) -> None:
    client.update_domain_name(DomainName=name, DomainNameConfigurations=configurations)


def delete_domain_name(client: Any, name: str) -> None:
    try:
        client.delete_domain_name(DomainName=name)
    except ClientError as error:
        if not is_not_found(error):
            raise


def api_mappings(client: Any, name: str) -> list[dict]:
    try:
        return list(client.get_api_mappings(DomainName=name).get("Items") or [])
    except ClientError as error:
        if is_not_found(error):
            return []
        raise


def create_api_mapping(client: Any, name: str, api_id: str, stage: str, key: str) -> dict:
    return client.create_api_mapping(DomainName=name, ApiId=api_id, Stage=stage, ApiMappingKey=key)


def update_api_mapping(client: Any, mapping_id: str, name: str, api_id: str, stage: str, key: str) -> None:
    client.update_api_mapping(ApiMappingId=mapping_id, DomainName=name, ApiId=api_id, Stage=stage, ApiMappingKey=key)


def delete_api_mapping(client: Any, mapping_id: str, name: str) -> None:
    try:
        client.delete_api_mapping(ApiMappingId=mapping_id, DomainName=name)
    except ClientError as error:
        if not is_not_found(error):
            raise


def tag(client: Any, arn: str, tags: Mapping[str, str]) -> None:
    if tags:
        client.tag_resource(ResourceArn=arn, Tags=dict(tags))
