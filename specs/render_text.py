"""A readable rendering of a Translation for people (the JSON form is Translation.render())."""

from __future__ import annotations

from specs.sensitive import is_secret_entry
from specs.translation import Translation


def render_text(translation: Translation) -> str:
    lines = [
        f"{translation.family}: {translation.replicas} replica"
        f"{'' if translation.replicas == 1 else 's'} on Fargate "
        f"({translation.cpu} cpu units, {translation.memory} MiB)",
        f"entrypoint: {translation.entrypoint.container}:{translation.entrypoint.port}",
    ]
    if translation.sources:
        lines.append(f"source: {' + '.join(translation.sources)}")
    lines.append("containers:")
    for container in translation.containers:
        name = container["name"]
        lines.append(f"  {name}")
        lines.append(f"    image: {container['image']}")
        if name in translation.build:
            build = translation.build[name]
            lines.append(f"    build: {build.context} ({build.dockerfile})")
        ports = [
            f"{m['containerPort']}" + ("" if m["protocol"] == "tcp" else f"/{m['protocol']}")
            for m in container.get("portMappings", [])
        ]
        lines.append(f"    ports: {', '.join(ports) if ports else 'none'}")
        for key, label in (("command", "command"), ("entryPoint", "entrypoint")):
            if key in container:
                lines.append(f"    {label}: {container[key]}")
        if container.get("environment"):
            names = ", ".join(entry["name"] + (" (sensitive)" if is_secret_entry(entry) else "")
                              for entry in container["environment"])
            lines.append(f"    environment: {names}")
        if container.get("secrets"):
            names = ", ".join(entry["name"] for entry in container["secrets"])
            lines.append(f"    secrets: {names} (from Secrets Manager)")
        if "healthCheck" in container:
            lines.append(f"    health check: {container['healthCheck']['command']}")
        if container.get("dependsOn"):
            waits = ", ".join(f"{d['containerName']} ({d['condition']})"
                              for d in container["dependsOn"])
            lines.append(f"    starts after: {waits}")
        if container.get("essential") is False:
            lines.append("    essential: no (runs to completion)")
    if translation.notes:
        lines.append("notes:")
        lines.extend(f"  - {note}" for note in translation.notes)
    if translation.warnings:
        lines.append(f"warnings ({len(translation.warnings)}):")
        lines.extend(f"  - {warning}" for warning in translation.warnings)
    return "\n".join(lines) + "\n"
