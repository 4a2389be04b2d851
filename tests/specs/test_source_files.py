"""Files outside the source folder: env files refused unless the spec opts in; build contexts,
Dockerfiles and .env always refused (the pipeline only receives the source folder)."""

from __future__ import annotations

import os

from specs import render_text

COMPOSE = "services:\n  web:\n    image: nginx\n    ports: ['80:80']\n"


def test_env_file_outside_the_source_folder_is_refused_at_its_line(project):
    project.write("shared/common.env", "LEVEL=info\n")
    project.compose(COMPOSE + "    env_file: [../shared/common.env]\n")
    (error,) = project.errors()
    assert error.startswith("src/docker-compose.yml:5:16: services.web.env_file[0]: env_file "
                            "'../shared/common.env' (")
    assert error.endswith("is outside the source folder; move it inside, or list it (or its folder) in "
                          "spec.envFilesOutsideSource to allow it")


def test_host_files_never_reach_the_task_definition_by_default(project):
    project.compose(COMPOSE + "    env_file: [/etc/hostname]\n")
    assert "env_file '/etc/hostname'" in project.errors()[0]


def test_an_env_file_listed_in_the_opt_in_is_read(project):
    project.write("shared/common.env", "LEVEL=info\n")
    project.compose(COMPOSE + "    env_file: [../shared/common.env]\n",
                    spec="spec:\n  source: ./src\n  envFilesOutsideSource: [shared]\n")
    (container,) = project.translate().containers
    assert container["environment"] == [{"name": "LEVEL", "value": "info"}]


def test_a_symlink_inside_the_folder_that_leads_out_is_outside(project):
    project.write("shared/common.env", "LEVEL=info\n")
    project.compose(COMPOSE + "    env_file: [app.env]\n")
    os.symlink("../shared/common.env", project.root / "src/app.env")
    assert "env_file 'app.env'" in project.errors()[0] and "is outside the source folder" in project.errors()[0]


def test_a_dotenv_that_links_out_of_the_folder_is_refused(project):
    project.compose(COMPOSE)
    os.symlink("/etc/hostname", project.root / "src/.env")
    (error,) = project.errors()
    assert error.startswith("src/.env: .env '.env' (/etc/hostname) is outside the source folder; compose variables")


def test_a_lone_dockerfile_that_links_out_of_the_folder_is_refused(project):
    project.spec()
    project.write("Dockerfile", "FROM scratch\nEXPOSE 80\n")
    (project.root / "src").mkdir()
    os.symlink("../Dockerfile", project.root / "src/Dockerfile")
    (error,) = project.errors()
    assert error.startswith("src/Dockerfile: Dockerfile 'Dockerfile' (") and "which is all the image pipeline receives" in error


def test_a_build_dockerfile_outside_the_folder_is_refused(project):
    project.write("Dockerfile", "FROM scratch\n")
    project.compose("services:\n  web:\n    build: {context: ., dockerfile: ../Dockerfile}\n    ports: ['80:80']\n")
    (error,) = project.errors()
    assert error.startswith("src/docker-compose.yml:3:25: services.web.build.dockerfile: dockerfile '../Dockerfile'")


def test_a_compose_file_that_is_a_symlink_loop_is_one_error(project):
    project.spec()
    (project.root / "src").mkdir()
    os.symlink("docker-compose.yml", project.root / "src/docker-compose.yml")
    assert project.errors() == ["src/docker-compose.yml: cannot read it: it is a symbolic link loop "
                                "(a link that points back to itself)"]


def test_secret_looking_environment_is_sensitive_in_render_and_warned_about_once(project):
    project.write("src/.env", "TOKEN_FROM_ENV=s3cr3t-from-dotenv\n")
    project.compose(COMPOSE + "    environment:\n      DB_PASSWORD: hunter2\n      API_TOKEN: ${TOKEN_FROM_ENV}\n"
                    "      LOG_LEVEL: info\n")
    translation = project.translate()
    (container,) = translation.containers  # the task definition gets what the user asked for
    assert {e["name"]: e["value"] for e in container["environment"]}["DB_PASSWORD"] == "hunter2"
    rendered = translation.render()["taskDefinition"]["containerDefinitions"][0]["environment"]
    assert {e["name"]: e["value"] for e in rendered} == {
        "API_TOKEN": "(sensitive)", "DB_PASSWORD": "(sensitive)", "LOG_LEVEL": "info"}
    text = render_text(translation)
    assert "API_TOKEN (sensitive), DB_PASSWORD (sensitive), LOG_LEVEL" in text
    assert "hunter2" not in text + str(translation.render()) and "s3cr3t" not in text + str(translation.render())
    (warning,) = [w for w in translation.warnings if "look secret" in w]
    assert warning.startswith("src/docker-compose.yml:")
    assert "(DB_PASSWORD, API_TOKEN)" in warning and ".secret- file" in warning
