from controllers.discovery.namespace import NamespaceController
from controllers.discovery.service import ServiceController

__all__ = ["NamespaceController", "ServiceController"]
