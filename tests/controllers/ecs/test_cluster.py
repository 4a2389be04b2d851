"""ecs.cluster on the moto server: converge, second plan empty, crash-and-retry, drift healed in
place (never by CreateCluster), foreign look-alike refused or adopted."""
from __future__ import annotations

from controllers.ecs import ClusterController
from reconciler.engine import converge
from reconciler.ownership import TAG_KIND, TAG_MANAGED_BY, tags_for
from reconciler.plan import make_plan
from reconciler.resource import Key, Observation
from tests.support import design, write_app

CONTROLLERS = [ClusterController()]


def run(ctx, designs):
    return converge(CONTROLLERS, designs, ctx, timeout=10, sleep=lambda s: None)


def cluster(aws, name: str = "sc-dev") -> dict:
    found = aws.client("ecs").describe_clusters(clusters=[name], include=["TAGS"])["clusters"]
    return found[0] if found else {}


def tags(item: dict) -> dict:
    return {t["key"]: t["value"] for t in item.get("tags", [])}


def test_cluster_converges_from_empty_with_fargate_providers_and_tags(ctx, aws, tmp_path):
    designs = design(write_app(tmp_path))
    report = run(ctx, designs)
    assert report.converged
    found = cluster(aws)
    assert found["status"] == "ACTIVE"
    assert sorted(found["capacityProviders"]) == ["FARGATE", "FARGATE_SPOT"]
    assert tags(found)[TAG_MANAGED_BY] == "serverless-container-reconciler"
    assert report.status.outputs[Key("ecs.cluster", "dev")] == {"name": "sc-dev", "arn": found["clusterArn"]}
    assert make_plan(CONTROLLERS, designs, ctx.new_pass()).empty


def test_clusters_of_several_environments_are_observed_in_one_call(ctx, aws, tmp_path):
    designs = design(write_app(tmp_path / "a", environment="dev"), write_app(tmp_path / "b", environment="prod"))
    assert run(ctx, designs).converged
    before = list(aws.requests)
    assert make_plan(CONTROLLERS, designs, ctx.new_pass()).empty
    assert aws.requests[len(before):].count("ecs.DescribeClusters") == 1
    assert {c["clusterName"] for c in aws.client("ecs").describe_clusters(clusters=["sc-dev", "sc-prod"])["clusters"]} == {"sc-dev", "sc-prod"}


def test_a_create_interrupted_after_the_call_leaves_exactly_one_cluster(ctx, aws, tmp_path):
    designs = design(write_app(tmp_path))
    ecs = aws.client("ecs")
    # The crash: the cluster was created (with our tags) but the run died before recording it.
    ecs.create_cluster(clusterName="sc-dev", tags=[{"key": k, "value": v} for k, v in tags_for(Key("ecs.cluster", "dev")).items()])
    plan = make_plan(CONTROLLERS, designs, ctx.new_pass())
    assert [c.action for c in plan.pending] == ["update"]  # providers missing: healed in place
    assert run(ctx, designs).converged
    assert [a for a in ecs.list_clusters()["clusterArns"] if a.endswith("/sc-dev")] == [cluster(aws)["clusterArn"]]
    assert make_plan(CONTROLLERS, designs, ctx.new_pass()).empty


def test_capacity_provider_and_tag_drift_are_healed_in_place(ctx, aws, tmp_path):
    designs = design(write_app(tmp_path))
    run(ctx, designs)
    ecs = aws.client("ecs")
    arn = cluster(aws)["clusterArn"]
    ecs.put_cluster_capacity_providers(cluster="sc-dev", capacityProviders=["FARGATE"], defaultCapacityProviderStrategy=[])
    ecs.untag_resource(resourceArn=arn, tagKeys=[TAG_KIND])
    ecs.tag_resource(resourceArn=arn, tags=[{"key": "team", "value": "blue"}])  # foreign tag: left alone
    plan = make_plan(CONTROLLERS, designs, ctx.new_pass())
    assert [c.action for c in plan.pending] == ["update"]
    assert {c.path.split(".")[0].split("[")[0] for c in plan.pending[0].changes} == {
        "capacityProviders", "defaultCapacityProviderStrategy", "tags"}
    start = len(aws.requests)
    assert run(ctx, designs).converged
    assert "ecs.CreateCluster" not in aws.requests[start:]  # moto would wipe the tags
    found = cluster(aws)
    assert sorted(found["capacityProviders"]) == ["FARGATE", "FARGATE_SPOT"]
    assert tags(found)[TAG_KIND] == "ecs.cluster" and tags(found)["team"] == "blue"
    assert found["clusterArn"] == arn
    assert make_plan(CONTROLLERS, designs, ctx.new_pass()).empty


def test_a_foreign_cluster_with_our_name_is_refused_and_left_unchanged(ctx, aws, tmp_path):
    designs = design(write_app(tmp_path))
    aws.client("ecs").create_cluster(clusterName="sc-dev", tags=[{"key": "owner", "value": "someone-else"}])
    plan = make_plan(CONTROLLERS, designs, ctx.new_pass())
    assert [str(p.key) for p in plan.problems] == ["ecs.cluster/dev"]
    report = run(ctx, designs)
    assert not report.converged and report.refused
    found = cluster(aws)
    assert tags(found) == {"owner": "someone-else"}
    assert not found.get("capacityProviders")


def test_a_foreign_cluster_is_adopted_when_the_spec_asks(ctx, aws, tmp_path):
    designs = design(write_app(tmp_path, spec_extra="adopt: true\n"))
    aws.client("ecs").create_cluster(clusterName="sc-dev", tags=[{"key": "owner", "value": "someone-else"}])
    assert run(ctx, designs).converged
    found = cluster(aws)
    assert tags(found)[TAG_MANAGED_BY] == "serverless-container-reconciler"
    assert tags(found)["owner"] == "someone-else"
    assert sorted(found["capacityProviders"]) == ["FARGATE", "FARGATE_SPOT"]
    assert make_plan(CONTROLLERS, designs, ctx.new_pass()).empty


def test_delete_of_a_missing_cluster_succeeds(ctx, aws):
    ClusterController().delete(Key("ecs.cluster", "dev"), Observation.absent(), ctx)
