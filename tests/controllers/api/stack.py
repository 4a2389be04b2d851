"""Shared builders for the front-door tests: specs, the controllers an API app needs, and the
boto3 reads the assertions use."""
from __future__ import annotations

from pathlib import Path

from controllers import api, auth
from reconciler.controller import BaseController, Context
from reconciler.engine import converge
from reconciler.ownership import tags_for
from reconciler.plan import make_plan
from reconciler.resource import Key, Observation, Resource
from tests.support import design, write_app

APP = "posts-api"
ENV = "dev"


def api_spec(root: Path, *, restrict: bool = False, adopt: bool = False, name: str = APP,
             origins: tuple[str, ...] = ("https://app.example",), extra: str = "") -> Path:
    """`extra`: more lines under `api:` (indented two spaces)."""
    origin_list = ", ".join(f'"{o}"' for o in origins)
    api_extra = extra
    extra = f"""\
api:
  restrictAccess: {str(restrict).lower()}
{api_extra}  cors:
    allowOrigins: [{origin_list}]
    allowMethods: [GET, POST]
    allowHeaders: [Content-Type, Authorization]
    maxAge: 300
"""
    if adopt:
        extra += "adopt: true\n"
    return write_app(root, name, spec_extra=extra)


def upstream_controllers() -> list:
    """The kinds the API refs: network (subnets, vpclink SG) and discovery (the Cloud Map service)."""
    from controllers.discovery import NamespaceController, ServiceController
    from controllers.network import (
        InternetGatewayController,
        RouteTableController,
        SecurityGroupController,
        SubnetsController,
        VpcController,
    )

    return [VpcController(), SubnetsController(), InternetGatewayController(), RouteTableController(),
            SecurityGroupController(), NamespaceController(), ServiceController()]


def front_door() -> list:
    return upstream_controllers() + api.controllers() + auth.controllers()


class Given(BaseController):
    """A fake of our own protocol standing in for an upstream kind: it "has" one resource per
    environment (or per app) whose outputs the test sets, made with boto3 beforehand."""

    def __init__(self, kind: str, scope: str, outputs: dict, name: str = "") -> None:
        self.kind, self.scope, self.name, self.outputs = kind, scope, name, outputs

    def desired(self, env):
        apps = [None] if self.scope == "environment" else [a.name for a in env.apps]
        return [Resource(Key(self.kind, env.name, app, self.name), {}, tags_for(Key(self.kind, env.name, app, self.name)))
                for app in apps]

    def observe(self, resources, ctx):
        return {r.key: Observation(True, {"tags": r.tags}, dict(self.outputs), dict(r.tags)) for r in resources}

    def apply(self, resource, observation, ctx):
        return dict(self.outputs)

    def delete(self, key, observation, ctx):
        pass


class Upstream:
    """Real subnets, a VPC-link security group and a Cloud Map service made with boto3, offered
    through `Given` fakes: the API kinds' tests then run without the network kinds' passes."""

    def __init__(self, ctx: Context) -> None:
        ec2 = ctx.client("ec2")
        self.ec2 = ec2
        self.vpc_id = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
        self.subnet_ids = [ec2.create_subnet(VpcId=self.vpc_id, CidrBlock=f"10.9.{i}.0/24")["Subnet"]["SubnetId"]
                           for i in range(2)]
        self.security_group_id = self.new_security_group("vpclink")
        sd = ctx.client("servicediscovery")
        sd.create_private_dns_namespace(Name=f"{ENV}.sc.internal", Vpc=self.vpc_id)
        namespace_id = sd.list_namespaces()["Namespaces"][0]["Id"]
        service = sd.create_service(Name=APP, NamespaceId=namespace_id,
                                    DnsConfig={"DnsRecords": [{"Type": "SRV", "TTL": 60}]})["Service"]
        self.service_arn = service["Arn"]
        self.subnets = Given("network.subnets", "environment", {"ids": list(self.subnet_ids)})
        self.security_group = Given("network.security_group", "environment", {"id": self.security_group_id}, "vpclink")
        self.service = Given("discovery.service", "app", {"arn": self.service_arn, "id": service["Id"]})

    def new_security_group(self, name: str) -> str:
        return self.ec2.create_security_group(VpcId=self.vpc_id, GroupName=name, Description=name)["GroupId"]

    def controllers(self, *, with_auth: bool = True) -> list:
        return [self.subnets, self.security_group, self.service] + api.controllers() + (
            auth.controllers() if with_auth else [])


def run(ctx: Context, spec: Path, controllers: list | None = None):
    """Converge and return the report (asserting it converged)."""
    controllers = controllers or front_door()
    report = converge(controllers, design(spec), ctx, timeout=30, sleep=lambda s: None)
    assert report.converged, _explain(report)
    return report


def plan(ctx: Context, spec: Path, controllers: list | None = None):
    return make_plan(controllers or front_door(), design(spec), ctx.new_pass())


def assert_in_sync(ctx: Context, spec: Path, controllers: list | None = None) -> None:
    second = plan(ctx, spec, controllers)
    assert second.empty, [(c.name, c.action, c.changes) for c in second.pending] + second.problems


def _explain(report) -> str:
    result = report.last_result
    outcomes = [] if result is None else [(str(k), o.status, o.message) for k, o in result.outcomes.items()
                                          if o.status not in ("unchanged", "applied")]
    return f"timed_out={report.timed_out} refused={report.refused} outcomes={outcomes}"


def outputs(report, kind: str, name: str = "", app: str | None = APP) -> dict:
    return next(v for k, v in report.status.outputs.items() if k.kind == kind and k.app == app and k.name == name)


def only_api(ctx: Context) -> dict:
    apis = ctx.client("apigatewayv2").get_apis()["Items"]
    assert len(apis) == 1, apis
    return apis[0]


def routes_by_key(ctx: Context, api_id: str) -> dict[str, dict]:
    return {r["RouteKey"]: r for r in ctx.client("apigatewayv2").get_routes(ApiId=api_id)["Items"]}


def integrations(ctx: Context, api_id: str) -> list[dict]:
    return ctx.client("apigatewayv2").get_integrations(ApiId=api_id)["Items"]
