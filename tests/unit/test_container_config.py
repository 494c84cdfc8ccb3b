"""Static checks of the container build and the compose stack (no Docker needed)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml  # type: ignore[import-untyped, unused-ignore]
from local import entrypoint

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "local" / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(COMPOSE.read_text())
    return data


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = compose["services"]
    return result


def test_compose_has_the_whole_topology(services: dict[str, Any]) -> None:
    assert set(services) == {"dynamodb", "redis", "tables", "app", "scheduler", "nginx", "mail"}


def _image_tag(image: str) -> str:
    name, _, tag = image.rpartition(":")
    assert name and tag, f"{image} has no tag"
    return tag


@pytest.mark.parametrize("service", ["dynamodb", "redis", "nginx"])
def test_third_party_images_are_pinned(services: dict[str, Any], service: str) -> None:
    tag = _image_tag(services[service]["image"])
    assert tag != "latest"
    assert re.match(r"\d+\.\d+\.\d+", tag), f"{service}: {tag} is not an exact version"


def test_nginx_is_the_only_published_port(services: dict[str, Any]) -> None:
    published = {name: svc["ports"] for name, svc in services.items() if "ports" in svc}
    assert list(published) == ["nginx"]
    assert [str(p).endswith("8080:8080") for p in published["nginx"]] == [True]


def test_nginx_renders_the_shared_template(services: dict[str, Any]) -> None:
    nginx = services["nginx"]
    assert "./nginx.conf:/etc/nginx/templates/nginx.conf.template:ro" in nginx["volumes"]
    env = nginx["environment"]
    assert env["NGINX_ENVSUBST_OUTPUT_DIR"] == "/etc/nginx"
    assert env["LB_LISTEN"] == "8080"
    # Docker DNS, re-resolved, so every replica gets traffic.
    assert "resolver 127.0.0.11" in env["LB_UPSTREAM_SERVERS"]
    assert "server app:3000 resolve" in env["LB_UPSTREAM_SERVERS"]
    # Every placeholder of the template has a value.
    template = (ROOT / "local" / "nginx.conf").read_text()
    placeholders = set(re.findall(r"\$\{(LB_[A-Z_]+)\}", template))
    assert placeholders <= set(env)
    assert all(re.match(env["NGINX_ENVSUBST_FILTER"], name) for name in placeholders)


def test_upstream_health_matches_the_native_stack(services: dict[str, Any]) -> None:
    text = (ROOT / "local" / "stack" / "config.py").read_text()
    native = re.search(r'^UPSTREAM_HEALTH = "([^"]+)"', text, re.M)
    assert native is not None
    assert native.group(1) in services["nginx"]["environment"]["LB_UPSTREAM_SERVERS"]


@pytest.mark.parametrize(
    ("service", "needle"),
    [("dynamodb", "/dev/tcp/127.0.0.1/8000"), ("redis", "ping"), ("app", "/v1/health")],
)
def test_health_checks(services: dict[str, Any], service: str, needle: str) -> None:
    check = services[service]["healthcheck"]
    assert needle in " ".join(check["test"])
    assert check["interval"] and check["retries"] >= 3


def test_nginx_health_check(services: dict[str, Any]) -> None:
    assert "http://127.0.0.1:8080/v1/health" in services["nginx"]["healthcheck"]["test"]


def test_start_order(services: dict[str, Any]) -> None:
    assert services["tables"]["depends_on"] == {"dynamodb": {"condition": "service_healthy"}}
    for name in ("app", "scheduler"):
        assert services[name]["depends_on"] == {
            "tables": {"condition": "service_completed_successfully"},
            "redis": {"condition": "service_healthy"},
            # The sender needs the SMTP server; the app does not (the outbox waits).
            **({"mail": {"condition": "service_started"}} if name == "scheduler" else {}),
        }
    assert services["nginx"]["depends_on"] == {"app": {"condition": "service_healthy"}}


def test_app_replicas_and_environment(services: dict[str, Any]) -> None:
    app = services["app"]
    assert app["deploy"]["replicas"] == 3
    assert app["build"]["target"] == "http"
    assert app["build"]["context"] == ".."
    env = app["environment"]
    assert env["DYNAMODB_ENDPOINT_URL"] == "http://dynamodb:8000"
    assert env["REDIS_URL"] == "redis://redis:6379/0"
    assert env["TASKAPP_STAGE"] == "local"
    assert env["TABLE_PREFIX"] == "taskapp-local-"
    # Refuses to start without a secret rather than using a well-known default.
    assert env["JWT_SECRET"].startswith("${JWT_SECRET:?")


def test_one_shot_tables_and_scheduler_commands(services: dict[str, Any]) -> None:
    assert services["tables"]["command"] == ["taskapp-admin", "create-tables"]
    assert services["tables"]["restart"] == "no"
    assert services["scheduler"]["command"][:2] == ["python", "local/scheduler.py"]
    app_env = services["app"]["environment"]
    for name in ("tables", "scheduler"):
        # The same settings as the app, minus the HTTP server's own.
        env = services[name]["environment"]
        assert env.items() <= app_env.items()
        assert set(app_env) - set(env) == {"PORT", "WEB_CONCURRENCY"}


def test_dynamodb_local_keeps_data_in_a_named_volume(
    compose: dict[str, Any], services: dict[str, Any]
) -> None:
    dynamodb = services["dynamodb"]
    assert dynamodb["command"] == [
        "-jar",
        "DynamoDBLocal.jar",
        "-sharedDb",
        "-dbPath",
        "/home/dynamodblocal/data",
    ]
    assert "dynamodb-data:/home/dynamodblocal/data" in dynamodb["volumes"]
    assert "dynamodb-data" in compose["volumes"]


# -- Dockerfile ---------------------------------------------------------------------------


def _instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, with line continuations joined."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    result = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            keyword, _, rest = stripped.partition(" ")
            result.append((keyword.upper(), rest.strip()))
    return result


def _stages() -> list[tuple[str, str, list[tuple[str, str]]]]:
    """(name, base image, instructions) for every stage, in order."""
    args = dict(
        rest.split("=", 1) for keyword, rest in _instructions() if keyword == "ARG" and "=" in rest
    )
    stages: list[tuple[str, str, list[tuple[str, str]]]] = []
    for keyword, rest in _instructions():
        if keyword == "FROM":
            match = re.fullmatch(r"(\S+)\s+AS\s+(\S+)", rest, re.IGNORECASE)
            assert match, f"unnamed stage: FROM {rest}"
            image = re.sub(r"\$\{(\w+)\}", lambda m: args[m.group(1)], match.group(1))
            stages.append((match.group(2), image, []))
        elif stages:
            stages[-1][2].append((keyword, rest))
    return stages


def test_dockerfile_targets_with_http_last() -> None:
    names = [name for name, _, _ in _stages()]
    assert {"http", "lambda"} <= set(names)
    assert names[-1] == "http", "http must be the default target (the last stage)"


def test_base_images_are_pinned() -> None:
    for name, image, _ in _stages():
        if image in {stage for stage, _, _ in _stages()}:
            continue  # built on an earlier stage
        tag = _image_tag(image)
        assert tag != "latest" and re.match(r"\d+\.\d+\.\d+", tag), f"{name}: {image}"
    bases = {name: image for name, image, _ in _stages()}
    assert bases["http"].startswith("python:3.11.") and "slim-bookworm" in bases["http"]
    assert "lambda-python:3.11." in bases["lambda"]


def _stage(name: str) -> list[tuple[str, str]]:
    return next(instructions for stage, _, instructions in _stages() if stage == name)


def test_http_stage_runs_as_non_root_on_port_3000_with_a_health_check() -> None:
    http = _stage("http")
    users = [rest for keyword, rest in http if keyword == "USER"]
    assert users, "no USER in the http stage"
    assert users[-1].split(":")[0] not in {"root", "0"}
    assert ("EXPOSE", "3000") in http
    healthcheck = " ".join(rest for keyword, rest in http if keyword == "HEALTHCHECK")
    assert "/v1/health" in healthcheck and "urllib" in healthcheck
    assert "curl" not in healthcheck
    # The entrypoint ends in gunicorn with the shared settings file.
    assert ("CMD", '["python", "-m", "local.entrypoint"]') in http
    assert entrypoint.GUNICORN[1:] == [
        "-m",
        "gunicorn",
        "--config",
        str(ROOT / "functions" / "gunicorn.conf.py"),
    ]


def _copied(stage: str) -> set[str]:
    """Every source path a stage copies from the build context."""
    paths: set[str] = set()
    for keyword, rest in _stage(stage):
        if keyword == "COPY" and not rest.startswith("--from"):
            paths.update(rest.split()[:-1])
    return paths


def test_the_http_image_holds_what_its_entrypoint_runs() -> None:
    copied = _copied("http")
    ignored = (ROOT / ".dockerignore").read_text().split()
    needed = {
        "functions",
        "local/entrypoint.py",
        "local/keyfile.py",  # imported by the entrypoint
        "local/dynamodb_emulator.py",  # the embedded store
        "local/scheduler.py",  # docker compose's scheduler service
    }
    assert needed <= copied
    assert not needed & set(ignored)
    # Whatever the image's local modules import from local/, at any depth, is in it too.
    for module in sorted(path for path in copied if path.startswith("local/")):
        source = (ROOT / module).read_text()
        imported = set(re.findall(r"^\s*from local(?:\.(\w+))? import (\w+)", source, re.M))
        names = {f"local/{sub or name}.py" for sub, name in imported}
        assert names <= copied, (module, names - copied)
    assert entrypoint.EMULATOR == ROOT / "local" / "dynamodb_emulator.py"
    # The launcher of the native stack stays out of the image.
    assert "local/stack" in ignored


def test_the_runtime_user_owns_the_data_volume() -> None:
    http = _stage("http")
    keywords = [keyword for keyword, _ in http]
    assert ("VOLUME", "/data") in http
    (made,) = [rest for keyword, rest in http if keyword == "RUN" and "/data" in rest]
    assert "mkdir -p /data" in made and "chown app:app /data" in made
    assert "useradd" in made  # the user exists before the chown
    # Changes under a volume after VOLUME are discarded: ownership first, then VOLUME.
    assert http.index(("RUN", made)) < http.index(("VOLUME", "/data"))
    assert keywords.index("VOLUME") < keywords.index("USER")
    env = " ".join(rest for keyword, rest in http if keyword == "ENV")
    assert "TASKAPP_DATA_DIR=/data" in env
    assert entrypoint.DEFAULT_DATA_DIR == "/data"


def test_moto_is_in_the_http_image_only() -> None:
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert re.search(r'^local = \["moto\[server', pyproject, re.MULTILINE)
    build = " ".join(rest for keyword, rest in _stage("build") if keyword == "RUN")
    assert '".[serve,local]"' in build
    lambda_installs = [rest for keyword, rest in _stage("lambda") if keyword == "RUN"]
    assert lambda_installs and all("[" not in rest for rest in lambda_installs)
    assert all("moto" not in rest for rest in lambda_installs)


def test_lambda_stage_handler_is_the_chalice_app() -> None:
    lambda_stage = _stage("lambda")
    assert ("CMD", '["app.app"]') in lambda_stage


def test_dockerignore_keeps_the_context_small() -> None:
    ignored = (ROOT / ".dockerignore").read_text().split()
    for entry in (".git", ".venv", ".run", "tests", "**/__pycache__"):
        assert entry in ignored


# -- the image's command: which store -----------------------------------------------------


def _never_called() -> bool:
    raise AssertionError("credentials must not be looked up")


def test_no_endpoint_and_no_credentials_start_the_embedded_store() -> None:
    assert entrypoint.wants_embedded_store({}, lambda: False)


def test_aws_credentials_or_an_endpoint_use_that_store() -> None:
    assert not entrypoint.wants_embedded_store({}, lambda: True)
    endpoint = {"DYNAMODB_ENDPOINT_URL": "http://dynamodb:8000"}
    assert not entrypoint.wants_embedded_store(endpoint, _never_called)


def test_the_choice_can_be_forced() -> None:
    forced_on = {"TASKAPP_EMBEDDED_DYNAMODB": "1", "DYNAMODB_ENDPOINT_URL": "http://x:8000"}
    assert entrypoint.wants_embedded_store(forced_on, _never_called)
    assert not entrypoint.wants_embedded_store({"TASKAPP_EMBEDDED_DYNAMODB": "0"}, _never_called)


def test_compose_services_never_start_the_embedded_store(services: dict[str, Any]) -> None:
    # The app runs the image's command, which sees DynamoDB Local's endpoint and execs
    # gunicorn; the one-shot and scheduler services replace the command altogether.
    assert "command" not in services["app"]
    assert "entrypoint" not in services["app"]
    env = {k: str(v) for k, v in services["app"]["environment"].items()}
    assert not entrypoint.wants_embedded_store(env, _never_called)
    assert services["tables"]["command"][0] == "taskapp-admin"
    assert services["scheduler"]["command"][:2] == ["python", "local/scheduler.py"]


def test_the_entrypoint_finds_no_credentials_without_aws(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("AWS_SECURITY_TOKEN", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent/config")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    assert not entrypoint.aws_credentials_available()
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    assert entrypoint.aws_credentials_available()


def test_the_mail_service_keeps_messages_on_the_host(services: dict[str, Any]) -> None:
    mail = services["mail"]
    assert mail["command"][:4] == ["python", "local/mailserver.py", "--maildir", "/mail"]
    assert mail["volumes"] == ["../.run/compose-mail:/mail"]
    environment = services["app"]["environment"]
    assert (environment["SMTP_HOST"], environment["SMTP_PORT"]) == ("mail", "1025")
    assert "local/mailserver.py" in (ROOT / "Dockerfile").read_text()
