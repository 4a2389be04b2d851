"""Environment variables whose names (or values) look secret: their values are shown as
`(sensitive)` in every output (render, plan, logs), while the task definition still gets them.

The user asked for the value in `environment:`, so it is deployed; but a value that is a password
should not land in a terminal, a CI log or a pull-request comment. The one warning recommends a
`.secret-` file (compose `secrets:`), which puts it in Secrets Manager instead.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

SENSITIVE = "(sensitive)"

# Name parts that mark a secret. Matched against each word of the name (split at `_`, `-`, `.`
# and camelCase), so `DB_PASSWORD`, `apiKey` and `GITHUB_TOKEN` match and `KEYBOARD_LAYOUT` or
# `MONKEY` do not.
_SECRET_PARTS = ("PASSWORD", "PASSWD", "PASSPHRASE", "SECRET", "TOKEN", "CREDENTIAL", "PRIVATEKEY", "APIKEY")
_SECRET_WORDS = {"KEY", "KEYS", "PWD", "PASS", "CREDS", "AUTH", "SALT", "DSN"}
# The last word says the value names or locates a secret rather than being one.
_NOT_A_SECRET_VALUE = {"ARN", "NAME", "ID", "FILE", "PATH", "URL", "URI", "ENDPOINT", "ENABLED", "TYPE", "LENGTH", "TTL"}
# `scheme://user:password@host`: credentials inside a URL, whatever the variable's name.
_URL_CREDENTIALS = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^/\s:@]+:[^/\s@]+@")
_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")


def _words(name: str) -> list[str]:
    return [word.upper() for part in re.split(r"[_.\-]+", name) for word in _WORD.findall(part)]


def looks_secret(name: str, value: Any = None) -> bool:
    """Whether a variable called `name` (holding `value`) should never be shown."""
    if isinstance(value, str) and _URL_CREDENTIALS.search(value):
        return True
    words = _words(name)
    if not words or words[-1] in _NOT_A_SECRET_VALUE:
        return False
    joined = "".join(words)
    return any(word in _SECRET_WORDS for word in words) or any(part in joined for part in _SECRET_PARTS)


def is_secret_entry(entry: Any) -> bool:
    """A `{name, value}` pair (an ECS environment entry) whose value must not be shown."""
    return (isinstance(entry, Mapping) and "value" in entry and isinstance(entry.get("name"), str)
            and looks_secret(entry["name"], entry["value"]))


def masked(value: Any) -> Any:
    """A copy of `value` with the value of every secret-looking `{name, value}` pair replaced by
    `(sensitive)`, at any depth."""
    if isinstance(value, Mapping):
        if is_secret_entry(value):
            return {k: (SENSITIVE if k == "value" else masked(v)) for k, v in value.items()}
        return {k: masked(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [masked(item) for item in value]
    return value


def secret_looking(environment: Mapping[str, str]) -> list[str]:
    """Names of the variables in `environment` whose values must not be shown."""
    return [name for name, value in environment.items() if looks_secret(name, value)]


def warning_text(names: Iterable[str]) -> str:
    listed = ", ".join(names)
    return (f"environment variables that look secret ({listed}) are set in plain 'environment': "
            "their values are shown as (sensitive) but stored in clear in the task definition, "
            "where anyone who can describe it reads them; put each in a .secret- file outside the "
            "source folder and use compose 'secrets:' (stored in Secrets Manager)")
