from controllers.logs.controller import LogGroupController

__all__ = ["LogGroupController"]
