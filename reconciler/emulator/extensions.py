"""What the embedded AWS adds to moto 5.2.5 so that the reconciler's code path is the one it
takes on AWS -- used ONLY by the embedded AWS (`reconciler.emulator.server`) and the tests.

- API Gateway v2 GetAuthorizers (moto has Create/Get/Update/DeleteAuthorizer, not the list):
  answered as AWS documents it, `{"items": [...]}` of the API's authorizers.
- States AWS reaches and moto never does, settable through `reconciler.emulator.control` (for
  tests of the failure paths): a VPC link's status (moto always says AVAILABLE), a Cloud Map
  operation that FAILed (moto's always SUCCEED), a DynamoDB table still CREATING (moto's are
  ACTIVE at once; AWS answers ListTagsOfResource on it with ResourceNotFoundException).

Applied once per process, before moto's server starts; idempotent.
"""
from __future__ import annotations

import json
from typing import Any

_APPLIED = False


def apply() -> None:
    global _APPLIED
    if _APPLIED:
        return
    _APPLIED = True
    _get_authorizers()
    _vpc_link_status()
    _operation_errors()
    _table_status()


def _get_authorizers() -> None:
    from moto.apigatewayv2.responses import ApiGatewayV2Response

    def get_authorizers(self: Any) -> tuple[int, dict, str]:
        api_id = self.path.split("/")[-2]
        api = self.apigatewayv2_backend.get_api(api_id)
        return 200, {}, json.dumps({"items": [a.to_json() for a in api.authorizers.values()]})

    ApiGatewayV2Response.get_authorizers = get_authorizers


def _vpc_link_status() -> None:
    from moto.apigatewayv2.models import VpcLink

    original = VpcLink.to_json

    def to_json(self: Any) -> dict[str, Any]:
        answer = original(self)
        status = getattr(self, "emulated_status", None)
        if status:
            answer["vpcLinkStatus"] = status
            answer["vpcLinkStatusMessage"] = getattr(self, "emulated_status_message", "")
        return answer

    VpcLink.to_json = to_json


def _operation_errors() -> None:
    from moto.servicediscovery.models import Operation

    original = Operation.to_json

    def to_json(self: Any, short: bool = False) -> dict[str, Any]:
        answer = original(self, short)
        if not short and getattr(self, "error_message", None):
            answer.update(ErrorMessage=self.error_message, ErrorCode=getattr(self, "error_code", "CANNOT_CREATE_HOSTED_ZONE"))
        return answer

    Operation.to_json = to_json


def _table_status() -> None:
    from moto.dynamodb.exceptions import ResourceNotFoundException
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.table import Table

    describe = Table.describe

    def described(self: Any, base_key: str = "TableDescription") -> dict[str, Any]:
        answer = describe(self, base_key)
        status = getattr(self, "emulated_status", None)
        if status:
            answer[base_key]["TableStatus"] = status
        return answer

    Table.describe = described
    list_tags = DynamoDBBackend.list_tags_of_resource

    def list_tags_of_resource(self: Any, table_arn: str) -> list[dict[str, str]]:
        for table in self.tables.values():
            if table.table_arn == table_arn and getattr(table, "emulated_status", None) == "CREATING":
                raise ResourceNotFoundException()
        return list_tags(self, table_arn)

    DynamoDBBackend.list_tags_of_resource = list_tags_of_resource
