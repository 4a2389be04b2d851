"""What a client needs to know about each API spec, gathered from observed outputs (the same
`Status.outputs` that plan and status show): the endpoint of its HTTP API, and for a restricted API
the user pool and app client ids. Shared by `--write-client-config`, `reconcile client-config`,
`status -o json` and the closing lines of `--once`."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from reconciler.client_config.model import ClientApi, SignIn
from reconciler.design import EnvironmentDesign
from reconciler.resource import Key

# Kinds and outputs read here (the engine does not import controllers: the names are the contract).
API_KIND, API_ENDPOINT = "api.http_api", "endpoint"
POOL_KIND, POOL_ID = "auth.user_pool", "id"
CLIENT_KIND, CLIENT_ID = "auth.user_pool_client", "client_id"
# Set by the hosting front door once a Cognito Hosted UI exists; until then absent (null in status).
HOSTED_UI_DOMAIN = "hosted_ui_domain"


@dataclass(frozen=True)
class ApiFacts:
    scope: str  # env/app
    name: str
    type: str  # REST | GraphQL
    region: str
    restricted: bool
    endpoint: str | None = None
    user_pool_id: str | None = None
    client_id: str | None = None
    hosted_ui_domain: str | None = None

    @property
    def missing(self) -> list[str]:
        """What the client configuration still lacks (not created yet)."""
        wanted = [("API endpoint", self.endpoint)]
        if self.restricted:
            wanted += [("user pool", self.user_pool_id), ("app client", self.client_id)]
        return [what for what, value in wanted if not value]

    def client_api(self) -> ClientApi:
        assert not self.missing, self.missing
        sign_in = SignIn(self.user_pool_id or "", self.client_id or "", self.region, self.hosted_ui_domain) if self.restricted else None
        return ClientApi(self.name, self.endpoint or "", self.region, self.type, sign_in)

    def status_fields(self) -> dict[str, Any]:
        """For `status -o json`: the keys aws-amplify v6 uses (`Auth.Cognito.userPoolId`, ...)."""
        fields: dict[str, Any] = {"api": {"name": self.name, "type": self.type, "endpoint": self.endpoint,
                                          "region": self.region, "restrictAccess": self.restricted}}
        if self.restricted:
            fields["auth"] = {"userPoolId": self.user_pool_id, "userPoolClientId": self.client_id,
                              "region": self.region, "hostedUIDomain": self.hosted_ui_domain}
        return fields

    def sign_in_line(self) -> str | None:
        """For the text summary of `--once` and `status`: where a restricted API's users sign in."""
        if not self.restricted:
            return None
        line = (f"sign in: user pool {self.user_pool_id or '(not created yet)'}, "
                f"app client {self.client_id or '(not created yet)'}, region {self.region}")
        return line + (f", Hosted UI {self.hosted_ui_domain}" if self.hosted_ui_domain else "")

def api_facts(designs: Sequence[EnvironmentDesign], outputs: Mapping[Key, Mapping[str, Any]]) -> list[ApiFacts]:
    """One entry per API spec, in spec order, with whatever exists so far."""
    facts = []
    for env in designs:
        for app in env.apps:
            if app.api is None:
                continue
            api = outputs.get(Key(API_KIND, env.name, app.name), {})
            pool = outputs.get(Key(POOL_KIND, env.name, app.name), {})
            client = outputs.get(Key(CLIENT_KIND, env.name, app.name), {})
            restricted = app.api.restrict_access
            facts.append(ApiFacts(
                scope=f"{env.name}/{app.name}", name=app.name, type=app.api.type, region=env.location.region,
                restricted=restricted, endpoint=api.get(API_ENDPOINT),
                user_pool_id=pool.get(POOL_ID) if restricted else None,
                client_id=client.get(CLIENT_ID) if restricted else None,
                hosted_ui_domain=pool.get(HOSTED_UI_DOMAIN) if restricted else None,
            ))
    return facts


def planned_apis(designs: Sequence[EnvironmentDesign]) -> list[ClientApi]:
    """The APIs the specs will have, with placeholders for what AWS assigns: enough to check a
    file's one-slot limits before converging. Each restricted app has its own pool."""
    facts = api_facts(designs, {})
    return [ClientApi(f.name, "(endpoint)", f.region, f.type,
                      SignIn(f"(pool of {f.scope})", "(client)", f.region) if f.restricted else None) for f in facts]
