"""The hosting front door's load balancer: one ALB per environment, shared by its hosting apps
(listeners per environment; a target group, a host-header rule and a certificate per app)."""
from controllers.alb.listener import ListenerController
from controllers.alb.listener_certificate import ListenerCertificateController
from controllers.alb.listener_rule import ListenerRuleController
from controllers.alb.load_balancer import LoadBalancerController
from controllers.alb.target_group import TargetGroupController

__all__ = ["ListenerCertificateController", "ListenerController", "ListenerRuleController", "LoadBalancerController",
           "TargetGroupController", "controllers"]


def controllers() -> list:
    return [LoadBalancerController(), TargetGroupController(), ListenerController(), ListenerRuleController(),
            ListenerCertificateController()]
