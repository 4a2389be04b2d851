"""Physical AWS names, in one place, so every kind spells them alike. The `sc-` prefix keeps
them apart from whatever else lives in the account (ownership tags decide what is ours)."""
from __future__ import annotations

import hashlib

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


# --- the hosting front door -------------------------------------------------------------------

def load_balancer_name(environment: str) -> str:
    """The environment's one application load balancer (≤ 32 chars: env ≤ 16)."""
    return f"{PREFIX}-{environment}"


def target_group_name(environment: str, app: str, port: int) -> str:
    """≤ 32 characters, unique per account and region, and carrying the port (a new port is a
    new target group beside the old one: the rule moves over, then the old one is pruned):
    `sc-<env>-<app>-<port>` when it fits, else a digest of all three with as much of the app's
    name as fits."""
    name = f"{PREFIX}-{environment}-{app}-{port}"
    if len(name) <= 32:
        return name
    digest = _digest(f"{environment}/{app}/{port}", 8)
    return f"{PREFIX}-{digest}-{app[:32 - len(PREFIX) - 10]}".rstrip("-")


def distribution_comment(environment: str, app: str) -> str:
    """CloudFront distributions have no name: the comment says whose it is (tags decide)."""
    return f"{PREFIX}: {environment}/{app}"


def hosted_ui_prefix(environment: str, app: str, account_id: str) -> str:
    """Cognito Hosted UI domain prefixes are unique per region across all accounts: ours carry
    a digest of the account (≤ 63 chars; Cognito refuses 'aws', 'amazon' and 'cognito' in them)."""
    prefix = f"{PREFIX}-{environment}-{app}-{_digest(account_id, 8)}"
    for reserved in ("cognito", "amazon", "aws"):
        prefix = prefix.replace(reserved, "x" * len(reserved))
    return prefix


def owner_record_name(record_name: str) -> str:
    """The TXT record that says who owns the DNS records at `record_name` (external-dns's
    idea: records cannot be tagged). A prefix, since a CNAME admits no other record beside it."""
    return f"_{PREFIX}-owner.{record_name}"


def _digest(text: str, length: int) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:length]


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
