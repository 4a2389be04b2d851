"""The one place (with the CLI) that knows the concrete controllers. Order here is only the
tie-break; the engine orders kinds by their references."""
from __future__ import annotations

from reconciler.controller import Controller


def all_controllers() -> list[Controller]:
    from controllers.logs import LogGroupController

    return [LogGroupController()]
