"""`reconcile delete` across apps: environment-level resources go with the last app; a table the
reconciler created is kept (it holds data) and does not keep the environment alive."""
from __future__ import annotations

from controllers.registry import all_controllers
from reconciler.engine import converge
from reconciler.naming import cluster_name
from reconciler.workflow import delete_apps
from tests.support import design, write_app


def test_last_app_deleted_takes_the_environment_and_tables_are_kept(ctx, aws, tmp_path):
    with_table = write_app(tmp_path, "orders-api", spec_extra="storage:\n  - {table: orders, permissions: [read], create: true}\n")
    plain = write_app(tmp_path, "hello-api")
    controllers = all_controllers()
    assert converge(controllers, design(with_table, plain), ctx, timeout=60, sleep=lambda s: None).converged

    first = delete_apps(controllers, design(with_table), ctx.new_pass(), None, timeout=60, sleep=lambda s: None)
    assert first.converged, first.last_result
    ecs = aws.client("ecs")
    assert ecs.describe_clusters(clusters=[cluster_name("dev")])["clusters"][0]["status"] == "ACTIVE", "hello-api still uses it"

    second = delete_apps(controllers, design(plain), ctx.new_pass(), None, timeout=60, sleep=lambda s: None)
    assert second.converged, second.last_result
    assert ecs.describe_clusters(clusters=[cluster_name("dev")])["clusters"][0]["status"] == "INACTIVE"
    assert aws.client("ec2").describe_vpcs(Filters=[{"Name": "tag:reconcile.dev/environment", "Values": ["dev"]}])["Vpcs"] == []
    assert aws.client("dynamodb").describe_table(TableName="dev-orders")["Table"]["TableStatus"] == "ACTIVE"
