from controllers.storage.controller import StorageTableController

__all__ = ["StorageTableController"]
