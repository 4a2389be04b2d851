"""Secrets Manager kinds: secrets.secret (one per compose secret) and secrets.github_token (the
GitHub source's personal access token)."""
from controllers.secrets.secret import GitHubTokenController, SecretController

__all__ = ["GitHubTokenController", "SecretController"]
