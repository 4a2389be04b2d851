"""Front-end configuration: write the apps' API endpoints, and the Cognito user pool of restricted
APIs, where the Amplify libraries read them. The file's name picks the format (formats.py):

- `*aws-exports.js`: the Gen 1 JavaScript module (aws-amplify v5 and v6);
- `amplify_outputs.json`: Gen 2 outputs;
- any other name (`amplifyconfiguration.json`): Gen 1 JSON, holding both the flat keys the
  JavaScript library reads and the nested categories Android and Swift read.

Pure file I/O: `facts.py` gathers what to write from observed outputs; no AWS call here.
"""
from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path

from reconciler.client_config.facts import ApiFacts, api_facts, planned_apis
from reconciler.client_config.files import ClientConfigError, ExportsModule, atomic_write, parse_json, read_text
from reconciler.client_config.formats import merge_js, merge_mobile, merge_outputs
from reconciler.client_config.model import ClientApi, ClientConfig, ClientConfigConflict, SignIn, client_config
from reconciler.design import EnvironmentDesign

__all__ = ["ApiFacts", "ClientApi", "ClientConfig", "ClientConfigConflict", "ClientConfigError", "SignIn", "api_facts",
           "check_file", "client_config", "preflight", "write_client_config", "write_files"]

EXPORTS_SUFFIX = "aws-exports.js"
OUTPUTS_NAME = "amplify_outputs.json"


def write_client_config(path: str | os.PathLike[str], config: ClientConfig) -> list[str]:
    """Merge `config` into the file at `path` (created when missing). Returns notes for the user:
    one-slot values that held something else before (another pool, another GraphQL endpoint)."""
    target = Path(path)
    notes: list[str] = []
    text = _merged(target, read_text(target), config, notes)
    atomic_write(target, text)
    return notes


def check_file(path: str | os.PathLike[str]) -> None:
    """Raise ClientConfigError now if the existing file could not be merged into (before a
    converge that would end by failing to write it)."""
    target = Path(path)
    _merged(target, read_text(target), ClientConfig(region="", apis=()), [])


def _merged(target: Path, text: str | None, config: ClientConfig, notes: list[str]) -> str:
    if target.name.endswith(EXPORTS_SUFFIX):
        module = ExportsModule(target, text)
        merge_js(target, module.config, config, notes)
        return module.render()
    document = parse_json(target, text)
    if target.name == OUTPUTS_NAME:
        merge_outputs(target, document, config, notes)
    else:
        merge_js(target, document, config, notes)
        merge_mobile(target, document, config, notes)
    return json.dumps(document, indent=4) + "\n"


def preflight(paths: Sequence[str], designs: Sequence[EnvironmentDesign]) -> None:
    """Before any AWS change: every existing file can be merged into, and the specs' APIs fit one
    file (one user pool, one GraphQL endpoint). Raises ClientConfigError naming the file."""
    for path in paths:
        check_file(path)
    planned = planned_apis(designs)
    if planned and paths:
        try:
            client_config(planned[0].region, planned)
        except ClientConfigConflict as conflict:
            raise ClientConfigError(f"{', '.join(paths)}: {conflict}") from None


def write_files(paths: Sequence[str], facts: Sequence[ApiFacts]) -> tuple[list[str], list[ApiFacts]]:
    """Write the APIs whose resources exist to every file in `paths`. Returns the lines to show
    the user and the APIs left out because something is not created yet."""
    complete = [f for f in facts if not f.missing]
    incomplete = [f for f in facts if f.missing]
    lines = [f"{f.scope}: not written to the client configuration: no {', no '.join(f.missing)} yet" for f in incomplete]
    if not facts:
        return ["no API spec (api:): nothing to write to the client configuration"], []
    if not complete:
        return lines, incomplete
    try:
        config = client_config(complete[0].region, [f.client_api() for f in complete])
    except ClientConfigConflict as conflict:
        raise ClientConfigError(f"{', '.join(paths)}: {conflict}") from None
    for path in paths:
        lines += write_client_config(path, config)
        restricted = f", sign-in with user pool {config.sign_in.user_pool_id}" if config.sign_in else ""
        lines.append(f"wrote {len(config.apis)} API{'s' if len(config.apis) != 1 else ''} to {path}{restricted}")
    return lines, incomplete
