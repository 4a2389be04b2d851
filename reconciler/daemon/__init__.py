"""The daemon (`reconcile run`): continuous reconcile of a directory or a git repository,
several replicas coordinated through the state table (leader and shard leases with fencing),
rollout truth, metrics and health endpoints, and an event journal. See loop.py."""
