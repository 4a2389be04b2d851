"""ECR kinds: images.repository (one per built container)."""
from controllers.images.repository import RepositoryController

__all__ = ["RepositoryController"]
