"""Engine scenarios with fake controllers: ordering, references, DependencyNotReady, terminal vs
retry, replace, cycles. No AWS here: these test the engine's own decisions."""
from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from reconciler.design import EnvironmentDesign
from reconciler.engine import apply_plan, converge
from reconciler.errors import TerminalError
from reconciler.graph import GraphError
from reconciler.ownership import TAG_MANAGED_BY
from reconciler.plan import make_plan
from reconciler.resource import UNKNOWN, Key, Ref
from specs import AwsLocation

from tests.engine.fakes import FakeCloud, FakeController


class NoAws:
    """Context stand-in: fake controllers never touch AWS."""

    def new_pass(self) -> "NoAws":
        return self


ENV = [EnvironmentDesign("dev", (), AwsLocation())]


def stack(cloud: FakeCloud, **kwargs):
    vpc = FakeController("t.vpc", cloud, {"": {"cidr": "10.0.0.0/16"}})
    subnet = FakeController("t.subnet", cloud, {"": {"vpc": Ref("t.vpc", "id"), "cidr": "10.0.1.0/24"}}, **kwargs)
    service = FakeController("t.service", cloud, {"": {"subnet": Ref("t.subnet", "id"), "count": 2}})
    # Deliberately listed out of order: the engine orders by references.
    return [service, subnet, vpc]


def test_kinds_are_applied_in_reference_order_and_refs_resolved():
    cloud = FakeCloud()
    report = converge(stack(cloud), ENV, NoAws(), timeout=5, sleep=lambda s: None)
    assert report.converged
    applied = [name for op, name in cloud.calls if op == "apply"]
    assert applied == ["t.vpc/dev", "t.subnet/dev", "t.service/dev"]
    assert cloud.items[Key("t.service", "dev")]["fields"]["subnet"] == "id-"


def test_plan_marks_values_of_missing_dependencies_known_after_apply():
    cloud = FakeCloud()
    plan = make_plan(stack(cloud), ENV, NoAws())
    assert [c.action for c in plan.changes] == ["create", "create", "create"]
    subnet = next(c for c in plan.changes if c.kind == "t.subnet")
    assert dict((c.path, c.new) for c in subnet.changes)["vpc"] is UNKNOWN
    assert not [op for op, _ in cloud.calls if op == "apply"], "planning must not change anything"


def test_second_plan_is_empty_after_converge():
    cloud = FakeCloud()
    controllers = stack(cloud)
    converge(controllers, ENV, NoAws(), timeout=5, sleep=lambda s: None)
    assert make_plan(controllers, ENV, NoAws()).empty


def test_drift_is_an_update_and_immutable_change_a_replace():
    cloud = FakeCloud()
    controllers = stack(cloud)
    converge(controllers, ENV, NoAws(), timeout=5, sleep=lambda s: None)
    cloud.items[Key("t.service", "dev")]["fields"]["count"] = 5
    plan = make_plan(controllers, ENV, NoAws())
    assert [(c.kind, c.action) for c in plan.pending] == [("t.service", "update")]
    assert plan.pending[0].changes[0].path == "count"
    immutable = FakeController("t.vpc", cloud, {"": {"cidr": "10.1.0.0/16"}}, immutable=frozenset({"cidr"}))
    plan = make_plan([immutable, *controllers[:2]], ENV, NoAws())
    assert [(c.kind, c.action) for c in plan.pending][0] == ("t.vpc", "replace")


def test_dependent_waits_while_dependency_is_not_ready():
    cloud = FakeCloud()
    ready = {"value": False}
    vpc = FakeController("t.vpc", cloud, {"": {"cidr": "10.0.0.0/16"}}, ready=lambda key: ready["value"])
    vpc.ready_after_apply = False
    subnet = FakeController("t.subnet", cloud, {"": {"vpc": Ref("t.vpc", "id")}})
    ctx = NoAws()
    result = apply_plan(make_plan([vpc, subnet], ENV, ctx), [vpc, subnet], ctx)
    outcome = result.outcomes[Key("t.subnet", "dev")]
    assert outcome.status == "waiting" and "t.vpc/dev" in outcome.message
    ready["value"] = True
    report = converge([vpc, subnet], ENV, ctx, timeout=5, sleep=lambda s: None)
    assert report.converged and Key("t.subnet", "dev") in cloud.items


def test_terminal_error_is_refused_and_not_retried():
    cloud = FakeCloud()

    def refuse(resource):
        raise TerminalError("certificate FAILED", reason="CertificateFailed")

    controllers = stack(cloud, on_apply=refuse)
    report = converge(controllers, ENV, NoAws(), timeout=5, sleep=lambda s: None)
    assert not report.converged and not report.timed_out
    assert [o.key.kind for o in report.refused] == ["t.subnet"]
    assert Key("t.service", "dev") not in cloud.items, "a dependent of a refused resource must not be applied"


def test_aws_errors_are_retried_with_backoff_until_they_pass():
    cloud = FakeCloud()
    failures = {"left": 2}
    sleeps: list[float] = []

    def flaky(resource):
        if failures["left"]:
            failures["left"] -= 1
            raise ClientError({"Error": {"Code": "Throttling", "Message": "slow down"}}, "CreateSubnet")

    report = converge(stack(cloud, on_apply=flaky), ENV, NoAws(), timeout=60, sleep=sleeps.append)
    assert report.converged
    assert len(sleeps) >= 2 and sleeps[1] > 0, "failed passes back off before the next try"


def test_foreign_resource_is_refused_not_modified():
    cloud = FakeCloud()
    cloud.items[Key("t.vpc", "dev")] = {"fields": {"cidr": "192.168.0.0/16"}, "tags": {"Name": "dev"}}
    controllers = stack(cloud)
    plan = make_plan(controllers, ENV, NoAws())
    assert [p.key for p in plan.problems] == [Key("t.vpc", "dev")]
    assert "adopt" in plan.problems[0].message
    converge(controllers, ENV, NoAws(), timeout=5, sleep=lambda s: None)
    assert cloud.items[Key("t.vpc", "dev")]["fields"]["cidr"] == "192.168.0.0/16"
    assert TAG_MANAGED_BY not in cloud.items[Key("t.vpc", "dev")]["tags"]


def test_reference_cycle_is_a_load_time_error():
    cloud = FakeCloud()
    a = FakeController("t.a", cloud, {"": {"b": Ref("t.b", "id")}})
    b = FakeController("t.b", cloud, {"": {"a": Ref("t.a", "id")}})
    with pytest.raises(GraphError, match="cycle: t.a -> t.b -> t.a|cycle: t.b -> t.a -> t.b"):
        make_plan([a, b], ENV, NoAws())


def test_reference_to_a_kind_without_controller_is_a_load_time_error():
    cloud = FakeCloud()
    a = FakeController("t.a", cloud, {"": {"b": Ref("t.missing", "id")}})
    with pytest.raises(GraphError, match="t.missing"):
        make_plan([a], ENV, NoAws())


def test_replace_deletes_first_and_creates_on_a_later_pass_once_gone():
    cloud = FakeCloud()
    controllers = stack(cloud)
    converge(controllers, ENV, NoAws(), timeout=5, sleep=lambda s: None)
    cloud.calls.clear()
    changed = FakeController("t.vpc", cloud, {"": {"cidr": "10.9.0.0/16"}}, immutable=frozenset({"cidr"}))
    report = converge([changed, *controllers[:2]], ENV, NoAws(), timeout=5, sleep=lambda s: None)
    assert report.converged and report.passes >= 3
    mutating = [c for c in cloud.calls if c[0] != "observe"]
    assert mutating[0] == ("delete", "t.vpc/dev") and ("apply", "t.vpc/dev") in mutating
    assert cloud.items[Key("t.vpc", "dev")]["fields"]["cidr"] == "10.9.0.0/16"


def test_reference_within_one_kind_is_resolved_before_diff():
    cloud = FakeCloud()
    groups = FakeController("t.sg", cloud, {"a": {"port": 80}, "b": {"source": Ref("t.sg", "id", name="a")}})
    converge([groups], ENV, NoAws(), timeout=5, sleep=lambda s: None)
    assert cloud.items[Key("t.sg", "dev", None, "b")]["fields"]["source"] == "id-a"
    assert make_plan([groups], ENV, NoAws()).empty


def _with_ensure(controller, ensure):
    original = controller.desired

    def desired(env):
        from dataclasses import replace
        return [replace(r, ensure=ensure) for r in original(env)]

    controller.desired = desired
    return controller


def test_absent_resource_that_exists_is_deleted_and_then_in_sync():
    cloud = FakeCloud()
    converge(stack(cloud), ENV, NoAws(), timeout=5, sleep=lambda s: None)
    unwanted = _with_ensure(FakeController("t.service", cloud, {"": {"count": 2}}), "absent")
    vpc, subnet = stack(cloud)[2], stack(cloud)[1]
    plan = make_plan([vpc, subnet, unwanted], ENV, NoAws())
    assert [(c.kind, c.action) for c in plan.pending] == [("t.service", "delete")]
    report = converge([vpc, subnet, unwanted], ENV, NoAws(), timeout=5, sleep=lambda s: None)
    assert report.converged and Key("t.service", "dev") not in cloud.items
    assert make_plan([vpc, subnet, unwanted], ENV, NoAws()).empty


def test_absent_foreign_resource_is_left_alone():
    cloud = FakeCloud()
    cloud.items[Key("t.vpc", "dev")] = {"fields": {"cidr": "192.168.0.0/16"}, "tags": {}}
    unwanted = _with_ensure(FakeController("t.vpc", cloud, {"": {"cidr": "10.0.0.0/16"}}), "absent")
    assert converge([unwanted], ENV, NoAws(), timeout=5, sleep=lambda s: None).converged
    assert Key("t.vpc", "dev") in cloud.items


def test_retained_resource_is_neither_created_nor_changed():
    cloud = FakeCloud()
    kept = _with_ensure(FakeController("t.pool", cloud, {"": {"users": "keep"}}), "retain")
    assert converge([kept], ENV, NoAws(), timeout=5, sleep=lambda s: None).converged
    assert Key("t.pool", "dev") not in cloud.items
    cloud.items[Key("t.pool", "dev")] = {"fields": {"users": "other"}, "tags": {}}
    assert make_plan([kept], ENV, NoAws()).empty


def test_text_plan_shows_list_changes_as_removed_and_added_elements():
    from reconciler.render import render_text

    cloud = FakeCloud()
    rules = FakeController("t.sg", cloud, {"": {"ingress": [{"port": 8080, "from": "sg-1"}]}})
    converge([rules], ENV, NoAws(), timeout=5, sleep=lambda s: None)
    cloud.items[Key("t.sg", "dev", None, "")]["fields"]["ingress"] = [{"port": 8080, "from": "sg-1"}, {"port": 22, "from": "0.0.0.0/0"}]
    text = render_text(make_plan([rules], ENV, NoAws()))
    assert '      ingress:\n        - {"from": "0.0.0.0/0", "port": 22}\n' in text
    assert "1 to update." in text


def test_a_missing_output_of_a_ready_dependency_holds_the_dependent():
    cloud = FakeCloud()
    vpc = FakeController("t.vpc", cloud, {"": {"cidr": "10.0.0.0/16"}})
    subnet = FakeController("t.subnet", cloud, {"": {"vpc": Ref("t.vpc", "not_an_output")}})
    ctx = NoAws()
    converge([vpc], ENV, ctx, timeout=5, sleep=lambda s: None)
    result = apply_plan(make_plan([vpc, subnet], ENV, ctx), [vpc, subnet], ctx)
    outcome = result.outcomes[Key("t.subnet", "dev")]
    assert outcome.status == "waiting" and "t.vpc/dev.not_an_output" in outcome.message
    assert Key("t.subnet", "dev") not in cloud.items
