"""What a front end needs to call the apps' APIs: endpoints, and for restricted APIs the Cognito
user pool to sign in to. Plain data, no I/O: `facts.py` fills it from observed outputs, the
format modules write it."""
from __future__ import annotations

from dataclasses import dataclass


class ClientConfigConflict(Exception):
    """Two APIs need a slot a client configuration file has only one of (set by `client_config`)."""


@dataclass(frozen=True)
class SignIn:
    """The Cognito user pool and app client a restricted API's callers sign in with.
    `hosted_ui_domain` is set only once a Hosted UI exists (the hosting front door adds it)."""

    user_pool_id: str
    client_id: str
    region: str
    hosted_ui_domain: str | None = None


@dataclass(frozen=True)
class ClientApi:
    name: str  # the app's name: how the front end refers to the API (`apiName` in aws-amplify)
    endpoint: str
    region: str
    type: str = "REST"  # REST | GraphQL
    sign_in: SignIn | None = None  # set when access is restricted

    @property
    def restricted(self) -> bool:
        return self.sign_in is not None

    @property
    def is_graphql(self) -> bool:
        return self.type == "GraphQL"


@dataclass(frozen=True)
class ClientConfig:
    """Everything one configuration file receives. Build it with `client_config`, which checks
    the one-slot limits of the formats."""

    region: str
    apis: tuple[ClientApi, ...]
    sign_in: SignIn | None = None
    graphql: ClientApi | None = None  # the one GraphQL API of aws-exports.js (aws_appsync_*), if any


def client_config(region: str, apis: tuple[ClientApi, ...] | list[ClientApi]) -> ClientConfig:
    """Check the formats' one-slot limits and return the config. aws-exports.js and Amplify's
    JS config hold one user pool (`aws_user_pools_id`) and one GraphQL endpoint
    (`aws_appsync_graphqlEndpoint`); each restricted app has its own pool (auth.user_pool)."""
    apis = tuple(sorted(apis, key=lambda a: a.name))
    names = [a.name for a in apis]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ClientConfigConflict(f"two specs (of different environments) have an API named {', '.join(duplicates)}; "
                                   "a client configuration names APIs by app: write one file per environment")
    pools = {a.sign_in.user_pool_id: a for a in apis if a.sign_in is not None}
    if len(pools) > 1:
        raise ClientConfigConflict(
            "restricted APIs " + " and ".join(a.name for a in pools.values()) + " each have their own Cognito user pool, "
            "and a client configuration file holds one (aws_user_pools_id): write one file per app")
    graphql = [a for a in apis if a.is_graphql]
    if len(graphql) > 1:
        raise ClientConfigConflict(
            "GraphQL APIs " + " and ".join(a.name for a in graphql) + " would share the one GraphQL endpoint a client "
            "configuration file holds (aws_appsync_graphqlEndpoint): write one file per app")
    sign_in = next(iter(pools.values())).sign_in if pools else None
    return ClientConfig(region, apis, sign_in, graphql[0] if graphql else None)
