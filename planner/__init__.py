"""planner: Kubernetes load-balancer cost and migration planner."""

__version__ = "0.1.0"
