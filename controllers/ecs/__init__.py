"""ECS kinds: ecs.cluster (per environment), ecs.task_definition and ecs.service (per app)."""
from controllers.ecs.cluster import ClusterController
from controllers.ecs.service import ServiceController
from controllers.ecs.task_definition import TaskDefinitionController

__all__ = ["ClusterController", "ServiceController", "TaskDefinitionController"]
