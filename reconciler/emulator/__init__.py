"""The embedded AWS: moto in server mode, plus the small simulations moto lacks.

Used only by `--target embedded`, `reconcile emulator` and the tests. Nothing in the engine or
the controllers knows it is there: they talk HTTP to an endpoint, exactly as to AWS.
"""
from reconciler.emulator.server import EmbeddedAWS

__all__ = ["EmbeddedAWS"]
