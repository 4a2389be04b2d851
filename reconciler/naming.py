"""Physical AWS names, in one place, so every kind spells them alike. The `sc-` prefix keeps
them apart from whatever else lives in the account (ownership tags decide what is ours)."""
from __future__ import annotations

PREFIX = "sc"


def cluster_name(environment: str) -> str:
    return f"{PREFIX}-{environment}"


def namespace_name(environment: str) -> str:
    """Cloud Map private DNS namespace: apps resolve as `<app>.<env>.sc.internal`."""
    return f"{environment}.{PREFIX}.internal"


def app_prefix(environment: str, app: str) -> str:
    return f"{PREFIX}-{environment}-{app}"


def role_name(environment: str, app: str, purpose: str) -> str:
    return f"{app_prefix(environment, app)}-{purpose}"  # ≤ 64 chars: env ≤ 16, app ≤ 32


def security_group_name(environment: str, app: str | None, purpose: str) -> str:
    return f"{app_prefix(environment, app)}-{purpose}" if app else f"{PREFIX}-{environment}-{purpose}"


def task_family(environment: str, app: str) -> str:
    return f"{environment}-{app}"


def service_name(app: str) -> str:
    return app


def api_name(environment: str, app: str) -> str:
    return app_prefix(environment, app)


def vpc_link_name(environment: str) -> str:
    return f"{PREFIX}-{environment}"


def user_pool_name(environment: str, app: str) -> str:
    """Cognito user pool of a restricted API app (one per app; names need not be unique)."""
    return app_prefix(environment, app)


def log_group_prefix(environment: str) -> str:
    return f"/ecs/{environment}/"


def log_group_name(environment: str, app: str, container: str) -> str:
    """One CloudWatch log group per container."""
    return f"{log_group_prefix(environment)}{app}/{container}"


# -- delivery: images, builds, secrets ----------------------------------------------------------
def repository_name(environment: str, app: str, container: str) -> str:
    """ECR repository of a built container (the translation spells the same name in the image)."""
    return f"{environment}/{app}/{container}"


def artifacts_bucket(environment: str, app: str, account: str, region: str) -> str:
    """The app's S3 bucket for source bundles and pipeline artifacts. Bucket names are global: a
    short digest of account and region keeps ours apart from other accounts' (≤ 61 chars)."""
    import hashlib

    digest = hashlib.sha256(f"{account}:{region}".encode()).hexdigest()[:8]
    return f"{app_prefix(environment, app)}-{digest}"


def build_project_name(environment: str, app: str) -> str:
    return app_prefix(environment, app)


def pipeline_name(environment: str, app: str) -> str:
    return app_prefix(environment, app)


def secret_name(environment: str, app: str, name: str) -> str:
    """Secrets Manager secret of a compose secret (the translation spells the same ARN)."""
    return f"{environment}/{app}/{name}"


def github_token_secret_name(environment: str, app: str) -> str:
    """Kept apart from the compose secrets' names: the execution role must not read it."""
    return f"{app_prefix(environment, app)}-github-token"
