"""Which environment variables count as secret (their values never shown)."""

from __future__ import annotations

import pytest

from specs.sensitive import SENSITIVE, looks_secret, masked


@pytest.mark.parametrize("name", ["DB_PASSWORD", "MYSQL_ROOT_PASSWORD", "PGPASSWORD", "JWT_SECRET", "GITHUB_TOKEN",
                                  "apiKey", "STRIPE_API_KEY", "AWS_SECRET_ACCESS_KEY", "privateKey", "SENTRY_DSN",
                                  "DB_CREDENTIALS", "secret_key_base"])
def test_secret_looking_names(name):
    assert looks_secret(name, "x")


@pytest.mark.parametrize("name", ["PORT", "NODE_ENV", "LOG_LEVEL", "discovery.type", "KEYBOARD_LAYOUT", "MONKEY",
                                  "AWS_ACCESS_KEY_ID", "STORAGE_TOKENS_NAME", "STORAGE_SECRETS_ARN", "PASSWORD_FILE",
                                  "TOKEN_URL"])
def test_names_that_only_point_at_or_describe_a_secret_are_shown(name):
    assert not looks_secret(name, "x")


def test_credentials_inside_a_url_are_sensitive_whatever_the_name():
    assert looks_secret("DATABASE_URL", "postgres://app:hunter2@db:5432/app")
    assert not looks_secret("DATABASE_URL", "postgres://db:5432/app")


def test_masked_replaces_only_secret_values_at_any_depth():
    value = {"containers": [{"environment": [{"name": "DB_PASSWORD", "value": "hunter2"}, {"name": "PORT", "value": "80"}]}]}
    assert masked(value) == {"containers": [{"environment": [
        {"name": "DB_PASSWORD", "value": SENSITIVE}, {"name": "PORT", "value": "80"}]}]}
