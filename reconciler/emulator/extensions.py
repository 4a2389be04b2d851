"""What the embedded AWS adds to moto 5.2.5 so that the reconciler's code path is the one it
takes on AWS -- used ONLY by the embedded AWS (`reconciler.emulator.server`) and the tests.

- API Gateway v2 GetAuthorizers (moto has Create/Get/Update/DeleteAuthorizer, not the list):
  answered as AWS documents it, `{"items": [...]}` of the API's authorizers.
- API Gateway v2 custom domain names: AWS answers each DomainNameConfiguration with the
  regional target (`ApiGatewayDomainName`, `d-....execute-api.<region>.amazonaws.com`), its
  `HostedZoneId` and a `DomainNameStatus`; moto echoes the request only, so the Route 53 alias
  of an API's custom domain would have nothing to point at.
- States AWS reaches and moto never does, settable through `reconciler.emulator.control` (for
  tests of the failure paths): a VPC link's status (moto always says AVAILABLE), a Cloud Map
  operation that FAILed (moto's always SUCCEED), a DynamoDB table still CREATING (moto's are
  ACTIVE at once; AWS answers ListTagsOfResource on it with ResourceNotFoundException).
- ELBv2 target health: moto calls every registered target healthy; the ECS scheduler
  simulation can mark a service's targets unhealthy with AWS's reason and description
  (`EcsScheduler.fail_health_checks`), answered by DescribeTargetHealth.
- Memory: moto keeps every model instance it ever made, for its dashboard (`/moto-api/data.json`),
  until a reset. DynamoDB deep-copies the items of every answer, so each Query of the state table
  was kept for good: the embedded AWS grew to 14 GB under a daemon reconciling 50 apps. Only the
  instances moto's own reset needs are tracked now (S3 keys and multipart uploads, disposed of
  there); the dashboard lists no others.
- DynamoDB one request at a time: moto's TransactWriteItems deep-copies the whole table to roll
  back with, while other requests' threads change it (a 500, "dictionary changed size during
  iteration": the daemon's lease renewals failed with 50 apps), and its rollback puts that copy
  back, undoing what other requests wrote meanwhile. AWS serializes conflicting writes itself.

Applied once per process, before moto's server starts; idempotent.
"""
from __future__ import annotations

import hashlib
import json
from typing import Any

# API Gateway's regional hosted zone (us-east-1, the embedded region); other regions get a
# placeholder that is plainly not AWS's.
_API_GATEWAY_ZONES = {"us-east-1": "Z1UJRXOUMOOFQ8"}

_APPLIED = False


def apply() -> None:
    global _APPLIED
    if _APPLIED:
        return
    _APPLIED = True
    _get_authorizers()
    _api_domain_targets()
    _vpc_link_status()
    _operation_errors()
    _table_status()
    _target_health()
    _untracked_instances()
    _dynamodb_one_at_a_time()


def _get_authorizers() -> None:
    from moto.apigatewayv2.responses import ApiGatewayV2Response

    def get_authorizers(self: Any) -> tuple[int, dict, str]:
        api_id = self.path.split("/")[-2]
        api = self.apigatewayv2_backend.get_api(api_id)
        return 200, {}, json.dumps({"items": [a.to_json() for a in api.authorizers.values()]})

    ApiGatewayV2Response.get_authorizers = get_authorizers


def _api_domain_targets() -> None:
    from moto.apigatewayv2 import models

    original = models.DomainName.__init__

    def init(self: Any, domain_name: str, domain_name_configurations: list, *args: Any, **kwargs: Any) -> None:
        original(self, domain_name, domain_name_configurations, *args, **kwargs)
        backend = kwargs.get("backend") if "backend" in kwargs else args[-1]
        region = backend.region_name
        digest = hashlib.sha256(domain_name.encode()).hexdigest()[:10]
        for configuration in self.domain_name_configurations or []:
            configuration.setdefault("apiGatewayDomainName", f"d-{digest}.execute-api.{region}.amazonaws.com")
            configuration.setdefault("hostedZoneId", _API_GATEWAY_ZONES.get(region, "ZEMULATEDAPIGATEWAY"))
            configuration.setdefault("domainNameStatus", "AVAILABLE")

    models.DomainName.__init__ = init  # type: ignore[method-assign]


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


def _target_health() -> None:
    from moto.elbv2.models import FakeHealthStatus, FakeTargetGroup

    original = FakeTargetGroup.health_for

    def health_for(self: Any, target: dict[str, Any], ec2_backend: Any) -> Any:
        registered = self.targets.get(target["Id"])
        emulated = (getattr(self, "emulated_health", None) or {}).get(target["Id"])
        if registered is not None and emulated is not None:
            state, reason, description = emulated
            return FakeHealthStatus(target["Id"], registered["Port"], self.health_check_port, state, reason, description)
        return original(self, target, ec2_backend)

    FakeTargetGroup.health_for = health_for


def _untracked_instances() -> None:
    from moto.core.common_models import BaseModel
    from moto.s3.models import FakeKey, FakeMultipart

    tracked = (FakeKey, FakeMultipart)

    def new(cls: type, *args: Any, **kwargs: Any) -> Any:
        instance = object.__new__(cls)
        if issubclass(cls, tracked):
            cls.instances_tracked.append(instance)  # type: ignore[attr-defined]
        return instance

    BaseModel.__new__ = staticmethod(new)  # type: ignore[assignment]


def _dynamodb_one_at_a_time() -> None:
    import threading

    from moto.dynamodb.responses import DynamoHandler

    lock = threading.RLock()
    call_action = DynamoHandler.call_action

    def serialized(self: Any) -> Any:
        with lock:
            return call_action(self)

    DynamoHandler.call_action = serialized
