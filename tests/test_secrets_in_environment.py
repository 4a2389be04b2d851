"""A password in plain `environment:` (or from .env) reaches the task definition, as the user asked,
but no output shows it: render (text, json, yaml), validate, plan (create and update), apply with
debug logs, status and delete all print `(sensitive)` instead; one warning recommends a .secret- file."""
from __future__ import annotations

import json

from reconciler.cli import main
from reconciler.naming import cluster_name
from tests.support import write_app

PASSWORD = "hunter2-plain-text"
TOKEN = "tok-from-dotenv-s3cr3t"
COMPOSE = """\
services:
  web:
    image: nginx
    ports: ["8080:8080"]
    environment:
      DB_PASSWORD: {password}
      API_TOKEN: ${{API_TOKEN}}
      LOG_LEVEL: info
"""


class Outputs(dict):
    """Every command's stdout + stderr, by command, to search for secrets at the end."""

    def __init__(self, capsys) -> None:
        super().__init__()
        self.capsys = capsys

    def run(self, name: str, *argv: str) -> tuple[int, str]:
        code = main(list(argv))
        captured = self.capsys.readouterr()
        self[name] = captured.out + captured.err
        return code, captured.out


def test_secret_looking_values_never_appear_in_any_output(moto_server, aws, tmp_path, capsys):
    spec = write_app(tmp_path, "web", compose=COMPOSE.format(password=PASSWORD), files={"src/.env": f"API_TOKEN={TOKEN}\n"})
    target = ["--target", moto_server.url]
    outputs = Outputs(capsys)

    for output in ("text", "json", "yaml"):
        assert outputs.run(f"render -o {output}", "render", str(spec), "-o", output)[0] == 0
    assert outputs["render -o text"].count("look secret") == 1
    assert "(sensitive)" in outputs["render -o json"] and "(sensitive)" in outputs["render -o yaml"]
    assert outputs.run("validate", "validate", str(spec))[0] == 0
    assert outputs["validate"].count("warning: ") == 1 and ".secret- file" in outputs["validate"]
    outputs.run("validate -o json", "validate", str(spec), "-o", "json")
    outputs.run("plan", "plan", str(spec), *target)
    code, out = outputs.run("plan -o json", "plan", str(spec), "-o", "json", *target)
    assert code == 0 and "(sensitive)" in out

    code, _ = outputs.run("apply", "--once", str(spec), "--timeout", "60", "-o", "json",
                          "--log-level", "debug", "--log-format", "json", *target)
    assert code == 0, outputs["apply"]
    outputs.run("status", "status", str(spec), "-o", "json", *target)

    # The task definition got what the user asked for.
    ecs = aws.client("ecs")
    service = ecs.describe_services(cluster=cluster_name("dev"), services=["web"])["services"][0]
    registered = ecs.describe_task_definition(taskDefinition=service["taskDefinition"])["taskDefinition"]
    environment = {e["name"]: e["value"] for e in registered["containerDefinitions"][0]["environment"]}
    assert environment["DB_PASSWORD"] == PASSWORD and environment["API_TOKEN"] == TOKEN

    # A changed password plans an update that shows neither the old value nor the new one.
    (spec.parent / "src/docker-compose.yml").write_text(COMPOSE.format(password="new-" + PASSWORD))
    code, out = outputs.run("plan -o json (update)", "plan", str(spec), "-o", "json", *target)
    (change,) = [c for c in json.loads(out)["changes"] if c["kind"] == "ecs.task_definition"]
    assert "(sensitive)" in json.dumps(change["changes"])
    outputs.run("plan (update)", "plan", str(spec), *target)
    assert "(sensitive)" in outputs["plan (update)"]

    code, out = outputs.run("delete -o json", "delete", str(spec), "-o", "json", "--timeout", "60", *target)
    deletion = json.loads(out)
    assert code == 0 and deletion["done"] is True and deletion["failures"] == {}
    assert any(name.startswith("ecs.service/") for name in deletion["deleted"])

    for name, text in outputs.items():
        assert PASSWORD not in text and TOKEN not in text, f"`{name}` shows a secret:\n{text}"
