from __future__ import annotations

import pytest

from tests.controllers.api.stack import Upstream


@pytest.fixture
def upstream(ctx) -> Upstream:
    """Subnets, the VPC-link security group and the app's Cloud Map service, made with boto3."""
    return Upstream(ctx)
