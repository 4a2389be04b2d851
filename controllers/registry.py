"""The one place (with the CLI) that knows the concrete controllers. Order here is only the
tie-break; the engine orders kinds by their references."""
from __future__ import annotations

from reconciler.controller import Controller


def all_controllers() -> list[Controller]:
    from controllers import acm, alb, api, auth, build, cdn, dns
    from controllers.discovery import NamespaceController, ServiceController as DiscoveryServiceController
    from controllers.ecs import ClusterController, ServiceController as EcsServiceController, TaskDefinitionController
    from controllers.iam import RoleController
    from controllers.images import RepositoryController
    from controllers.logs import LogGroupController
    from controllers.network import network_controllers
    from controllers.secrets import GitHubTokenController, SecretController
    from controllers.storage import StorageTableController

    return [
        *network_controllers(),
        ClusterController(),
        NamespaceController(),
        DiscoveryServiceController(),
        RoleController(),
        LogGroupController(),
        StorageTableController(),
        RepositoryController(),
        SecretController(),
        GitHubTokenController(),
        *build.controllers(),
        TaskDefinitionController(),
        EcsServiceController(),
        *auth.controllers(),
        *api.controllers(),
        *acm.controllers(),
        *alb.controllers(),
        *cdn.controllers(),
        *dns.controllers(),
    ]
