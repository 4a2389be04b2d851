from controllers.iam.controller import RoleController

__all__ = ["RoleController"]
