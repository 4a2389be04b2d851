"""Per-service compose keys: what is honoured and how, and what is reported."""

from __future__ import annotations

import pytest

from specs import AwsLocation

from .helpers import one


def container(project, service_yaml: str, extra: str = "") -> dict:
    project.compose("services:\n  web:\n" + service_yaml + extra)
    return project.translate().containers[0]


def test_build_string_is_the_context(project):
    project.write("src/api/Dockerfile", "FROM node\n")
    project.compose("services:\n  api:\n    build: ./api\n    ports: ['8080']\n")
    translation = project.translate()
    assert translation.build["api"].render() == {"context": "api", "dockerfile": "Dockerfile",
                                                 "args": {}}
    assert translation.containers[0]["image"] == \
        "123456789012.dkr.ecr.us-east-1.amazonaws.com/dev/demo/api:latest"
    assert translation.repositories == {"api": "dev/demo/api"}


def test_build_mapping_with_dockerfile_and_args(project):
    project.write("src/.env", "NODE_VERSION=22\n")
    project.write("src/api/Dockerfile.prod", "FROM node\n")
    project.compose("""\
        services:
          api:
            build:
              context: api
              dockerfile: Dockerfile.prod
              args:
                - MODE=production=yes
                - NODE_VERSION
                - UNSET_ARG
            ports: ['8080']
        """)
    translation = project.translate()
    assert translation.build["api"].render() == {
        "context": "api", "dockerfile": "Dockerfile.prod",
        "args": {"MODE": "production=yes", "NODE_VERSION": "22"}}
    one(translation.warnings, "build arg 'UNSET_ARG' has no value")


def test_build_args_as_mapping(project):
    project.compose("services:\n  web:\n    build:\n      context: .\n      args:\n"
                    "        A: 1\n        B: 'two'\n    ports: ['80']\n")
    assert project.translate().build["web"].args == {"A": "1", "B": "two"}


def test_build_image_uses_the_given_location(project):
    project.compose("services:\n  web:\n    build: .\n    ports: ['80']\n")
    image = project.translate(AwsLocation("999988887777", "eu-west-1")).containers[0]["image"]
    assert image == "999988887777.dkr.ecr.eu-west-1.amazonaws.com/dev/demo/web:latest"


def test_build_and_image_together_build_wins_with_warning(project):
    project.compose("services:\n  web:\n    build: .\n    image: myorg/web:dev\n    ports: ['80']\n")
    translation = project.translate()
    assert translation.containers[0]["image"].endswith(".amazonaws.com/dev/demo/web:latest")
    assert translation.warnings == [
        "src/docker-compose.yml:4:5: service 'web': has both 'build' and 'image'; the image is "
        "built and pushed to ECR, so 'myorg/web:dev' is only a local tag"]


def test_image_only_container_keeps_its_image_and_is_not_built(project):
    project.compose("services:\n  web:\n    image: public.ecr.aws/nginx/nginx:1.27\n    ports: ['80']\n")
    translation = project.translate()
    assert translation.containers[0]["image"] == "public.ecr.aws/nginx/nginx:1.27"
    assert translation.build == {} and translation.repositories == {}


def test_build_context_outside_the_source_folder_is_an_error(project):
    project.write("elsewhere/Dockerfile", "FROM node\n")
    project.compose("services:\n  web:\n    build: ../elsewhere\n    ports: ['80']\n")
    (error,) = project.errors()
    assert error.startswith("src/docker-compose.yml:3:5: services.web.build: build context "
                            "'../elsewhere' is outside the source folder")


def test_missing_build_context_and_dockerfile_are_errors(project):
    project.write("src/api/README", "no dockerfile here\n")
    project.compose("services:\n  web:\n    build: ./nothing\n    ports: ['80']\n"
                    "  api:\n    build: ./api\n")
    errors = project.errors()
    one(errors, "services.web.build", "build context './nothing' does not exist")
    one(errors, "services.api.build", "dockerfile 'Dockerfile' does not exist")


def test_service_with_neither_build_nor_image_is_an_error(project):
    project.compose("services:\n  web:\n    ports: ['80']\n")
    assert project.errors() == ["src/docker-compose.yml:2:3: services.web: service 'web' needs "
                                "'build' or 'image'"]


def test_command_and_entrypoint_strings_are_split_like_a_shell(project):
    definition = container(project, "    image: node\n    ports: ['80']\n"
                           "    command: npm start -- --name 'my app'\n"
                           "    entrypoint: /bin/sh -c\n")
    assert definition["command"] == ["npm", "start", "--", "--name", "my app"]
    assert definition["entryPoint"] == ["/bin/sh", "-c"]


def test_command_list_is_kept(project):
    definition = container(project, "    image: node\n    ports: ['80']\n"
                           "    command: [\"node\", \"server.js --port 80\"]\n")
    assert definition["command"] == ["node", "server.js --port 80"]


def test_environment_list_keeps_equals_signs_and_sorts_by_name(project):
    project.write("src/.env", "FROM_DOTENV=yes-please\n")
    project.compose("""\
        services:
          web:
            image: node
            ports: ['80']
            environment:
              - QUERY=a=b=c
              - FROM_DOTENV
              - MISSING
              - EMPTY=
        """)
    translation = project.translate()
    assert translation.containers[0]["environment"] == [
        {"name": "EMPTY", "value": ""},
        {"name": "FROM_DOTENV", "value": "yes-please"},
        {"name": "QUERY", "value": "a=b=c"},
    ]
    assert one(translation.warnings, "MISSING") == (
        "src/docker-compose.yml:8:9: service 'web': environment variable 'MISSING' has no "
        "value and is not set in .env; dropped")


def test_environment_mapping_with_nulls_and_scalars(project):
    definition = container(project, "    image: node\n    ports: ['80']\n    environment:\n"
                           "      DEBUG: true\n      WORKERS: 4\n      NOTHING:\n")
    assert definition["environment"] == [{"name": "DEBUG", "value": "true"},
                                         {"name": "WORKERS", "value": "4"}]


def test_env_files_merge_in_order_and_environment_wins(project):
    project.write("src/common.env", "A=common\nB=common\nC=common\n")
    project.write("src/local.env", "B=local\nC=local\n")
    project.compose("""\
        services:
          web:
            image: node
            ports: ['80']
            env_file:
              - common.env
              - path: local.env
              - path: optional.env
                required: false
            environment:
              C: explicit
        """)
    environment = project.translate().containers[0]["environment"]
    assert environment == [{"name": "A", "value": "common"}, {"name": "B", "value": "local"},
                           {"name": "C", "value": "explicit"}]


def test_env_file_string_form(project):
    project.write("src/web.env", "ONLY=1\n")
    definition = container(project, "    image: node\n    ports: ['80']\n    env_file: web.env\n")
    assert definition["environment"] == [{"name": "ONLY", "value": "1"}]


def test_missing_required_env_file_is_an_error(project):
    project.compose("services:\n  web:\n    image: node\n    ports: ['80']\n"
                    "    env_file: [missing.env]\n")
    assert project.errors() == [
        "src/docker-compose.yml:5:16: services.web.env_file[0]: env_file 'missing.env' does not "
        "exist (set 'required: false' to make it optional)"]


@pytest.mark.parametrize("test,expected", [
    ('["CMD", "curl", "-f", "http://localhost"]', ["CMD", "curl", "-f", "http://localhost"]),
    ('["CMD-SHELL", "curl -f http://localhost || exit 1"]',
     ["CMD-SHELL", "curl -f http://localhost || exit 1"]),
    ("curl -f http://localhost", ["CMD-SHELL", "curl -f http://localhost"]),
])
def test_healthcheck_test_forms(project, test, expected):
    definition = container(project, "    image: node\n    ports: ['80']\n    healthcheck:\n"
                           f"      test: {test}\n")
    assert definition["healthCheck"] == {"command": expected}


def test_healthcheck_durations_become_whole_seconds(project):
    definition = container(project, """\
    image: node
    ports: ['80']
    healthcheck:
      test: ["CMD", "true"]
      interval: 1m30s
      timeout: 2500ms
      start_period: 1h
      retries: 5
""")
    assert definition["healthCheck"] == {"command": ["CMD", "true"], "interval": 90,
                                         "timeout": 3, "startPeriod": 300, "retries": 5}


def test_healthcheck_values_outside_ecs_ranges_are_clamped_with_a_warning(project):
    project.compose("services:\n  web:\n    image: node\n    ports: ['80']\n    healthcheck:\n"
                    "      test: ['CMD', 'true']\n      interval: 1s\n      timeout: 2m\n")
    translation = project.translate()
    assert translation.containers[0]["healthCheck"]["interval"] == 5
    assert translation.containers[0]["healthCheck"]["timeout"] == 60
    one(translation.warnings, "src/docker-compose.yml:7:7", "'healthcheck.interval' of 1s",
        "using 5s")
    one(translation.warnings, "'healthcheck.timeout' of 120s", "using 60s")


@pytest.mark.parametrize("healthcheck", ["      test: ['NONE']\n",
                                         "      test: ['CMD', 'true']\n      disable: true\n"])
def test_disabled_healthcheck_gives_none(project, healthcheck):
    definition = container(project, "    image: node\n    ports: ['80']\n    healthcheck:\n"
                           + healthcheck)
    assert "healthCheck" not in definition


def test_bad_healthcheck_duration_is_an_error(project):
    project.compose("services:\n  web:\n    image: node\n    ports: ['80']\n    healthcheck:\n"
                    "      test: ['CMD', 'true']\n      interval: 30\n")
    assert project.errors() == ["src/docker-compose.yml:7:7: services.web.healthcheck.interval: "
                                "must be a duration such as '30s' or '1m30s'"]


def test_working_dir_and_user(project):
    definition = container(project, "    image: node\n    ports: ['80']\n"
                           "    working_dir: /app\n    user: '1000:1000'\n")
    assert definition["workingDirectory"] == "/app" and definition["user"] == "1000:1000"


def test_container_name_names_the_ecs_container(project):
    project.compose("services:\n  web:\n    container_name: frontend\n    build: .\n"
                    "    ports: ['80']\n")
    translation = project.translate()
    assert translation.containers[0]["name"] == "frontend"
    assert translation.repositories == {"frontend": "dev/demo/frontend"}
    assert translation.entrypoint.container == "frontend"


def test_invalid_ecs_container_name_is_an_error(project):
    project.compose("services:\n  web.app:\n    image: nginx\n    ports: ['80']\n")
    (error,) = project.errors()
    assert error.startswith("src/docker-compose.yml:2:3: services.web.app: container name "
                            "'web.app' is not valid on ECS")


def test_every_container_is_essential_and_empty_keys_are_omitted(project):
    definition = container(project, "    image: nginx\n    ports: ['80']\n")
    assert definition == {"name": "web", "image": "nginx", "essential": True,
                          "portMappings": [{"containerPort": 80, "hostPort": 80, "protocol": "tcp"}]}


@pytest.mark.parametrize("key,value,reason", [
    ("volumes", "['./data:/data']", "no volumes are mounted"),
    ("restart", "always", "ECS replaces stopped tasks itself"),
    ("expose", "['9000']", "only 'ports' are mapped"),
    ("labels", "{a: b}", "container labels are not set"),
    ("logging", "{driver: json-file}", "CloudWatch Logs"),
    ("extra_hosts", "['a:1.2.3.4']", "Fargate does not support extra host entries"),
    ("cap_add", "[NET_ADMIN]", "Linux capabilities are not changed"),
    ("ulimits", "{nofile: 1024}", "the Fargate defaults apply"),
    ("links", "[db]", "localhost"),
    ("tmpfs", "/run", "Fargate does not support tmpfs mounts"),
    ("dns", "8.8.8.8", "the VPC's DNS resolver"),
    ("configs", "[cfg]", "configs are not mounted"),
    ("networks", "[public]", "share one network namespace"),
    ("stdin_open", "true", "it has no equivalent"),
])
def test_ignored_service_keys_warn_once_naming_service_and_key(project, key, value, reason):
    project.compose(f"services:\n  web:\n    image: nginx\n    ports: ['80']\n    {key}: {value}\n"
                    "  db:\n    image: postgres\n")
    warnings = project.warnings()
    warning = one(warnings, f"'{key}'")
    assert warning.startswith(f"src/docker-compose.yml:5:5: service 'web': '{key}' is ignored: ")
    assert reason in warning


def test_ignored_deploy_keys_warn_and_replicas_are_honoured(project):
    project.compose("""\
        services:
          web:
            image: nginx
            ports: ['80']
            deploy:
              replicas: 3
              resources: {limits: {cpus: '0.5'}}
              placement: {constraints: []}
        """)
    translation = project.translate()
    assert translation.replicas == 3
    one(translation.warnings, "'deploy.resources' is ignored: size the whole task with spec.task")
    one(translation.warnings, "'deploy.placement' is ignored")


def test_extension_keys_are_silently_fine(project):
    project.compose("x-common: {a: 1}\nservices:\n  web:\n    image: nginx\n    ports: ['80']\n"
                    "    x-note: hello\n")
    assert project.warnings() == []


def test_unhonoured_build_keys_warn(project):
    project.compose("services:\n  web:\n    build:\n      context: .\n      network: host\n"
                    "    ports: ['80']\n")
    assert project.warnings() == ["src/docker-compose.yml:5:7: service 'web': 'build.network' is "
                                  "ignored"]


def test_build_target_is_the_stage_the_pipeline_builds(project):
    project.compose("services:\n  web:\n    build:\n      context: .\n      target: prod\n"
                    "    ports: ['80']\n")
    translation = project.translate()
    assert translation.build["web"].target == "prod"
    assert translation.render()["build"]["web"]["target"] == "prod"


def test_service_without_settings_is_an_error(project):
    project.compose("services:\n  web:\n")
    assert project.errors() == ["src/docker-compose.yml:2:3: services.web: must be a mapping "
                                "with 'build' or 'image'"]


def test_healthcheck_list_must_start_with_cmd(project):
    project.compose("services:\n  web:\n    image: node\n    ports: ['80']\n    healthcheck:\n"
                    "      test: ['curl', 'localhost']\n")
    (error,) = project.errors()
    assert error.startswith("src/docker-compose.yml:6:7: services.web.healthcheck.test: a list "
                            "must be [\"CMD\", ...]")


def test_unterminated_quote_in_command_is_an_error(project):
    project.compose("services:\n  web:\n    image: node\n    ports: ['80']\n"
                    "    command: echo 'oops\n")
    (error,) = project.errors()
    assert error.startswith("src/docker-compose.yml:5:5: services.web.command: cannot split")


def test_multiline_volumes_give_a_single_warning(project):
    project.compose("services:\n  web:\n    image: nginx\n    ports: ['80']\n"
                    "    volumes:\n      - a:/a\n      - b:/b\n      - c:/c\n")
    assert len(project.warnings()) == 1
