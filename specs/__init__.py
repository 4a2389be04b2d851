"""The declarative API: ServerlessContainer specs, their loading and their translation to ECS.

This package is the ground floor: it imports nothing from `reconciler` or `controllers`
and makes no AWS calls.
"""

from specs.errors import SpecError, SpecErrors
from specs.loader import LoadedSpec, discover, load_file
from specs.model import ServerlessContainer, json_schema
from specs.render_text import render_text
from specs.translate import translate
from specs.translation import AwsLocation, BuildSpec, Entrypoint, SecretFile, Translation

__all__ = [
    "AwsLocation",
    "BuildSpec",
    "Entrypoint",
    "LoadedSpec",
    "SecretFile",
    "ServerlessContainer",
    "SpecError",
    "SpecErrors",
    "Translation",
    "discover",
    "json_schema",
    "load_file",
    "render_text",
    "translate",
]
