"""Static checks of the container build and the compose stack (no Docker needed)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml  # type: ignore[import-untyped, unused-ignore]

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
    assert set(services) == {"dynamodb", "redis", "tables", "app", "scheduler", "nginx"}


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
    command = next(rest for keyword, rest in http if keyword == "CMD")
    assert "gunicorn" in command and "functions/gunicorn.conf.py" in command


def test_lambda_stage_handler_is_the_chalice_app() -> None:
    lambda_stage = _stage("lambda")
    assert ("CMD", '["app.app"]') in lambda_stage


def test_dockerignore_keeps_the_context_small() -> None:
    ignored = (ROOT / ".dockerignore").read_text().split()
    for entry in (".git", ".venv", ".run", "tests", "**/__pycache__"):
        assert entry in ignored
