"""reconciler.retry's named policies (bounded, injectable sleep), and the IAM controller waiting
out IAM's eventual consistency with them: faults go in through a botocore before-send hook."""
from __future__ import annotations

import pytest
from botocore.awsrequest import AWSResponse
from botocore.exceptions import ClientError

from controllers.iam import RoleController
from reconciler import retry
from reconciler.engine import converge
from tests.support import design, write_app


def client_error(code: str, message: str = "") -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": message}}, "Op")


@pytest.fixture
def sleeps(monkeypatch) -> list[float]:
    slept: list[float] = []
    monkeypatch.setattr(retry, "SLEEP", slept.append)
    return slept


def flaky(errors: list[Exception], result: str = "ok"):
    def call():
        if errors:
            raise errors.pop(0)
        return result
    return call


def test_read_after_create_retries_not_found_then_returns(sleeps):
    call = flaky([client_error("NoSuchEntity"), client_error("ResourceNotFoundException")])
    assert retry.read_after_create.call(call) == "ok"
    assert len(sleeps) == 2 and sum(sleeps) < 2


def test_read_after_create_gives_up_within_a_few_seconds(sleeps):
    call = flaky([client_error("NoSuchEntity")] * 50)
    with pytest.raises(ClientError):
        retry.read_after_create.call(call)
    assert len(sleeps) == retry.read_after_create.max_attempts - 1
    assert sum(sleeps) <= retry.read_after_create.max_seconds


def test_other_errors_are_not_retried(sleeps):
    with pytest.raises(ClientError, match="AccessDenied"):
        retry.read_after_create.call(flaky([client_error("AccessDenied")]))
    with pytest.raises(ClientError):
        retry.iam_propagation.call(flaky([client_error("InvalidParameterException", "Invalid family name")]))
    assert sleeps == []


def test_iam_propagation_waits_for_a_role_ecs_cannot_assume_yet(sleeps):
    ecs = client_error("InvalidParameterException", "ECS was unable to assume the role 'arn:aws:iam::1:role/x' that "
                                                     "was provided for this task.")
    lam = client_error("InvalidParameterValueException", "The role defined for the function cannot be assumed by Lambda.")
    assert retry.iam_propagation.call(flaky([ecs, lam])) == "ok"
    assert len(sleeps) == 2


def test_policy_works_as_a_decorator(sleeps):
    errors = [client_error("NoSuchEntity")]

    @retry.read_after_create
    def read() -> str:
        return flaky(errors)()

    assert read() == "ok" and len(sleeps) == 1


def _no_such_entity(request, **_):
    body = (b"<ErrorResponse><Error><Type>Sender</Type><Code>NoSuchEntity</Code>"
            b"<Message>The role cannot be found.</Message></Error><RequestId>1</RequestId></ErrorResponse>")

    class Raw:
        def stream(self, **_):
            yield body

    return AWSResponse(request.url, 404, {}, Raw())


def test_a_policy_put_right_after_create_waits_out_iam_propagation(ctx, aws, tmp_path, sleeps):
    designs = design(write_app(tmp_path))
    iam = aws.client("iam")
    failures = {"left": 2}

    def not_visible_yet(request, **kwargs):
        if failures["left"]:
            failures["left"] -= 1
            return _no_such_entity(request)
        return None

    iam.meta.events.register_first("before-send.iam.PutRolePolicy", not_visible_yet)
    try:
        report = converge([RoleController()], designs, ctx, timeout=10, sleep=lambda s: None)
    finally:
        iam.meta.events.unregister("before-send.iam.PutRolePolicy", not_visible_yet)
    assert report.converged and report.passes == 2  # no failed pass: the retry absorbed it
    assert failures["left"] == 0 and len(sleeps) == 2
    assert iam.list_role_policies(RoleName="sc-dev-posts-api-execution")["PolicyNames"] == ["execution"]
