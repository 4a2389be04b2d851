"""Compose read the way Docker Compose v2 reads it: files, overrides, profiles, depends_on, types.

(Field-by-field agreement with Docker Compose itself is in conformance/; these tests cover
what a spec adds: naming files, activating profiles, and what render says about it.)
"""

from __future__ import annotations

from specs import json_schema, render_text

from .helpers import one

WEB = "services:\n  web:\n    image: nginx\n    ports: ['80']\n"


def test_spec_source_can_name_the_compose_file_itself(project):
    project.write("deploy/compose.prod.yaml", "services:\n  api:\n    image: httpd\n"
                  "    ports: ['8080']\n")
    project.write("deploy/compose.override.yaml", "services:\n  api:\n    image: ignored\n")
    project.spec("spec:\n  source: ./deploy/compose.prod.yaml\n")
    translation = project.translate()
    assert [c["image"] for c in translation.containers] == ["httpd"]  # -f FILE reads no override
    assert translation.sources == ["deploy/compose.prod.yaml"]


def test_spec_source_can_name_a_dockerfile(project):
    project.write("app/Dockerfile.prod", "FROM alpine\nEXPOSE 9000\n")
    project.spec("spec:\n  source: ./app/Dockerfile.prod\n")
    translation = project.translate()
    assert translation.build["app"].dockerfile == "Dockerfile.prod"
    assert translation.entrypoint.port == 9000


def test_compose_files_are_merged_in_order_like_dash_f(project):
    project.compose(WEB + "    environment: {MODE: dev, KEEP: 'yes'}\n",
                    spec="spec:\n  source: ./src\n  compose:\n"
                         "    files: [docker-compose.yml, prod.yaml]\n")
    project.write("src/prod.yaml", "services:\n  web:\n    environment: {MODE: prod}\n"
                  "    ports: ['443']\n")
    translation = project.translate()
    (web,) = translation.containers
    assert web["environment"] == [{"name": "KEEP", "value": "yes"},
                                  {"name": "MODE", "value": "prod"}]
    assert [m["containerPort"] for m in web["portMappings"]] == [80, 443]
    one(translation.notes, "merged in order", "-f docker-compose.yml -f prod.yaml")


def test_a_missing_compose_file_is_an_error_at_its_line(project):
    project.compose(WEB, spec="spec:\n  source: ./src\n  compose:\n    files:\n"
                              "      - docker-compose.yml\n      - nope.yaml\n")
    (error,) = project.errors()
    assert error.startswith("spec.yaml:10:9: spec.compose.files[1]: compose file 'nope.yaml' "
                            "does not exist")


def test_override_file_is_merged_by_default_and_render_says_so(project):
    project.compose(WEB)
    project.write("src/docker-compose.override.yml",
                  "services:\n  web:\n    environment: {DEBUG: '1'}\n")
    translation = project.translate()
    assert translation.containers[0]["environment"] == [{"name": "DEBUG", "value": "1"}]
    text = render_text(translation)
    assert "source: src/docker-compose.yml + src/docker-compose.override.yml" in text
    assert "docker-compose.override.yml is merged over docker-compose.yml, as Docker Compose " \
           "does by default" in text


def test_errors_in_an_override_file_point_at_that_file(project):
    project.compose(WEB)
    project.write("src/compose.override.yaml", "services:\n  web:\n    ports: ['http']\n")
    (error,) = project.errors()
    assert error.startswith("src/compose.override.yaml:3:13: services.web.ports[1]: ")


def test_services_of_inactive_profiles_are_left_out_with_a_note(project):
    project.compose(WEB + "  debug:\n    image: busybox\n    profiles: [debug]\n")
    translation = project.translate()
    assert [c["name"] for c in translation.containers] == ["web"]
    note = one(translation.notes, "left out")
    assert note.endswith("(active: none; set spec.compose.profiles): debug")
    assert "notes:" in render_text(translation)


def test_spec_activates_profiles(project):
    project.compose(WEB + "  debug:\n    image: busybox\n    profiles: [debug]\n",
                    spec="spec:\n  source: ./src\n  compose:\n    profiles: [debug]\n")
    assert [c["name"] for c in project.translate().containers] == ["web", "debug"]


def test_depends_on_becomes_ecs_depends_on(project):
    project.compose("""\
        services:
          web:
            image: nginx
            ports: ['80']
            depends_on:
              db: {condition: service_healthy}
              migrate: {condition: service_completed_successfully}
              cache: {condition: service_started}
          db:
            image: postgres
            healthcheck: {test: ['CMD', 'pg_isready']}
          migrate:
            image: migrator
          cache:
            image: redis
        """)
    translation = project.translate()
    containers = {c["name"]: c for c in translation.containers}
    assert containers["web"]["dependsOn"] == [
        {"containerName": "cache", "condition": "START"},
        {"containerName": "db", "condition": "HEALTHY"},
        {"containerName": "migrate", "condition": "SUCCESS"},
    ]
    assert containers["migrate"]["essential"] is False  # it exits; the task must not stop
    assert containers["db"]["essential"] is True
    one(translation.notes, "container 'migrate' is not essential")
    assert "starts after: cache (START), db (HEALTHY), migrate (SUCCESS)" in render_text(translation)
    assert not any("depends_on" in warning for warning in translation.warnings)


def test_healthy_dependency_needs_a_healthcheck(project):
    project.compose(WEB + "    depends_on:\n      db: {condition: service_healthy}\n"
                    "  db:\n    image: postgres\n")
    (error,) = project.errors()
    assert error.startswith("src/docker-compose.yml:6:12: services.web.depends_on.db.condition: "
                            "service 'db' has no healthcheck")


def test_values_from_variables_get_composes_types(project):
    project.write("src/.env", "N=3\nR=4\nP=8080\n")
    project.compose("""\
        services:
          web:
            image: nginx
            ports: [{target: "${P}"}]
            healthcheck: {test: ['CMD', 'true'], retries: "${R}", interval: "${I:-15s}"}
            deploy: {replicas: "${N:-1}"}
        """)
    translation = project.translate()
    assert translation.replicas == 3
    (web,) = translation.containers
    assert web["healthCheck"] == {"command": ["CMD", "true"], "interval": 15, "retries": 4}
    assert web["portMappings"][0]["containerPort"] == 8080


def test_environment_names_docker_accepts_are_kept(project):
    project.compose(WEB + "    environment: [discovery.type=single-node, lower-case=1]\n")
    (web,) = project.translate().containers
    assert {e["name"] for e in web["environment"]} == {"discovery.type", "lower-case"}


def test_schema_documents_the_compose_fields():
    spec = json_schema()["$defs"]["ComposeSpec"]["properties"]
    assert "docker compose -f a -f b" in str(spec["files"])
    assert "profiles" in spec


def test_compose_profiles_in_dotenv_are_active_unless_the_spec_names_profiles(project):
    project.write("src/.env", "COMPOSE_PROFILES=debug\n")
    project.compose(WEB + "  debug:\n    image: busybox\n    profiles: [debug]\n")
    translation = project.translate()
    assert [c["name"] for c in translation.containers] == ["web", "debug"]
    one(translation.notes, "COMPOSE_PROFILES in .env")
    project.spec("spec:\n  source: ./src\n  compose:\n    profiles: [other]\n")
    assert [c["name"] for c in project.translate().containers] == ["web"]


def test_compose_file_in_dotenv_names_the_files(project):
    project.write("src/.env", "COMPOSE_FILE=base.yaml:extra.yaml\n")
    project.compose("services:\n  ignored:\n    image: x\n")
    project.write("src/base.yaml", WEB)
    project.write("src/extra.yaml", "services:\n  web:\n    environment: {LEVEL: extra}\n")
    translation = project.translate()
    assert translation.sources == ["src/base.yaml", "src/extra.yaml"]
    assert translation.containers[0]["environment"] == [{"name": "LEVEL", "value": "extra"}]
    one(translation.notes, "COMPOSE_FILE in .env")


def test_included_files_are_read_from_their_own_folder(project):
    project.compose("include:\n  - api/compose.yaml\n" + WEB)
    project.write("src/api/compose.yaml", "services:\n  api:\n    build: ./app\n"
                  "    env_file: api.env\n")
    project.write("src/api/app/Dockerfile", "FROM alpine\n")
    project.write("src/api/api.env", "ROLE=api\n")
    translation = project.translate()
    assert translation.build["api"].context == "api/app"
    api = next(c for c in translation.containers if c["name"] == "api")
    assert api["environment"] == [{"name": "ROLE", "value": "api"}]
    assert not any("include" in warning for warning in translation.warnings)
