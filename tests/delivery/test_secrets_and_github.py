"""Secrets end to end: the compose secret's value goes to Secrets Manager and nowhere else (no
stdout, stderr, JSON log, plan, status, render, logs, task definition), a changed value rolls the
service, --skip-secrets wires the references and leaves the value to someone else. GitHub mode:
the token stored, the pipeline's GitHub source and webhook configured, the token never printed."""
from __future__ import annotations

import json

from reconciler.errors import EXIT_BUILD_FAILED, EXIT_OK, EXIT_TIMEOUT
from tests.delivery.helpers import (
    SECRET_VALUE,
    TOKEN_VALUE,
    client,
    container,
    executions,
    once,
    revisions,
    run,
    service,
    shop,
    task_definition,
)
from tests.support import write_app


def test_a_secret_value_reaches_secrets_manager_and_no_output(moto_server, tmp_path, capsys):
    url = moto_server.reset() or moto_server.url
    spec = shop(tmp_path)
    outputs = []
    assert once(url, spec, extra=["--log-format", "json", "--log-level", "debug", "-o", "json"]) == EXIT_OK
    outputs.append(capsys.readouterr())
    for command in (["plan", spec, "-o", "json"], ["plan", spec], ["status", spec, "-o", "json"], ["status", spec],
                    ["logs", spec], ["history", spec]):
        run(url, *command)
        outputs.append(capsys.readouterr())
    from reconciler.cli import main

    for output in ("json", "text", "yaml"):
        main(["render", str(spec), "-o", output])
        outputs.append(capsys.readouterr())
    main(["validate", str(spec)])
    outputs.append(capsys.readouterr())
    for captured in outputs:
        assert SECRET_VALUE not in captured.out and SECRET_VALUE not in captured.err
    sm = client(url, "secretsmanager")
    assert sm.get_secret_value(SecretId="dev/shop/PASSWORD")["SecretString"] == SECRET_VALUE  # one newline dropped
    tags = {t["Key"]: t["Value"] for t in sm.describe_secret(SecretId="dev/shop/PASSWORD")["Tags"]}
    assert len(tags["reconcile.dev/value-hash"]) == 64 and SECRET_VALUE not in json.dumps(tags)
    assert SECRET_VALUE not in json.dumps(task_definition(url), default=str)
    assert SECRET_VALUE not in json.dumps(client(url, "logs").filter_log_events(logGroupName="/ecs/dev/shop/web"), default=str)


def test_a_changed_secret_value_is_written_once_and_rolls_the_service(moto_server, tmp_path, capsys):
    url = moto_server.reset() or moto_server.url
    spec = shop(tmp_path)
    assert once(url, spec) == EXIT_OK
    sm = client(url, "secretsmanager")
    versions_before = len(sm.list_secret_version_ids(SecretId="dev/shop/PASSWORD")["Versions"])
    label = container(task_definition(url), "web")["dockerLabels"]["reconcile.dev/secret-version.PASSWORD"]
    assert once(url, spec) == EXIT_OK  # unchanged: not written again
    assert len(sm.list_secret_version_ids(SecretId="dev/shop/PASSWORD")["Versions"]) == versions_before

    (spec.parent / "secrets/.secret-password").write_text("another-value\n")
    capsys.readouterr()
    assert run(url, "plan", spec) == EXIT_OK
    plan = capsys.readouterr().out
    assert "~ secrets.secret/dev/shop/PASSWORD" in plan and "(sensitive)" in plan and "another-value" not in plan
    assert once(url, spec) == EXIT_OK
    assert sm.get_secret_value(SecretId="dev/shop/PASSWORD")["SecretString"] == "another-value"
    web = container(task_definition(url), "web")
    assert web["dockerLabels"]["reconcile.dev/secret-version.PASSWORD"] != label
    assert revisions(url) == 2 and service(url)["taskDefinition"].endswith(":2")
    assert len(executions(url)) == 1  # a new secret is not a new build


def test_skip_secrets_wires_the_reference_and_waits_for_someone_to_put_a_value(moto_server, tmp_path, capsys):
    url = moto_server.reset() or moto_server.url
    spec = shop(tmp_path)
    assert run(url, "--once", spec, "--skip-secrets", "--timeout", "8") == EXIT_TIMEOUT
    sm = client(url, "secretsmanager")
    assert "SecretVersionsToStages" not in sm.list_secrets()["SecretList"][0]  # created, no value
    capsys.readouterr()
    assert run(url, "status", spec, "-o", "json") != EXIT_OK
    assert json.loads(capsys.readouterr().out)["specs"]["dev/shop"]["secretsWithoutValue"] == ["PASSWORD"]
    sm.put_secret_value(SecretId="dev/shop/PASSWORD", SecretString="put-by-the-team")
    assert run(url, "--once", spec, "--skip-secrets", "--timeout", "60") == EXIT_OK
    assert sm.get_secret_value(SecretId="dev/shop/PASSWORD")["SecretString"] == "put-by-the-team"  # left alone


GITHUB = """\
build:
  mode: github
  repository: https://github.com/acme/shop
  branch: release
  path: services/shop
  tokenSecret: ./secrets/.secret-github
"""


def test_github_mode_stores_the_token_and_configures_the_source_and_webhook_without_printing_it(moto_server, tmp_path,
                                                                                                  capsys):
    url = moto_server.reset() or moto_server.url
    spec = write_app(tmp_path, "shop", spec_extra=GITHUB, files={"secrets/.secret-github": TOKEN_VALUE + "\n"})
    # The embedded AWS cannot reach GitHub: the pipeline's first run fails its Source stage, at once.
    assert run(url, "--once", spec, "--timeout", "60", "--log-format", "json", "--log-level", "debug") == EXIT_BUILD_FAILED
    captured = capsys.readouterr()
    assert "cannot fetch GitHub" in captured.err
    assert client(url, "secretsmanager").get_secret_value(SecretId="sc-dev-shop-github-token")["SecretString"] == TOKEN_VALUE
    codepipeline = client(url, "codepipeline")
    source = codepipeline.get_pipeline(name="sc-dev-shop")["pipeline"]["stages"][0]["actions"][0]
    assert source["actionTypeId"] == {"category": "Source", "owner": "ThirdParty", "provider": "GitHub", "version": "1"}
    assert {k: source["configuration"][k] for k in ("Owner", "Repo", "Branch", "PollForSourceChanges")} == {
        "Owner": "acme", "Repo": "shop", "Branch": "release", "PollForSourceChanges": "false"}
    [webhook] = codepipeline.list_webhooks()["webhooks"]
    assert webhook["definition"]["targetPipeline"] == "sc-dev-shop"
    assert webhook["definition"]["filters"] == [{"jsonPath": "$.ref", "matchEquals": "refs/heads/{Branch}"}]
    project = client(url, "codebuild").batch_get_projects(names=["sc-dev-shop"])["projects"][0]
    assert "services/shop/Dockerfile" in project["source"]["buildspec"]
    assert "$CODEBUILD_RESOLVED_SOURCE_VERSION" in project["source"]["buildspec"]  # the tag is the commit
    actions = codepipeline.list_action_executions(pipelineName="sc-dev-shop")["actionExecutionDetails"]
    assert TOKEN_VALUE not in json.dumps(actions, default=str)
    capsys.readouterr()
    run(url, "plan", spec, "-o", "json")
    planned = capsys.readouterr()
    # The pipeline as created is in sync (the token answered masked is no drift); only what waits
    # for an image (the task definition, the service) is still to come.
    assert {c["kind"] for c in json.loads(planned.out)["changes"]} == {"ecs.task_definition", "ecs.service"}
    run(url, "status", spec, "-o", "json")
    for output in (captured, planned, capsys.readouterr()):
        assert TOKEN_VALUE not in output.out and TOKEN_VALUE not in output.err
