"""Loading the JWT secret from SSM Parameter Store."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import pytest

from taskcore import secret_parameters as secrets
from taskcore.config import Settings
from taskcore.errors import ConfigurationError


class FakeSsm:
    """Records calls; answers from a dict, or raises like botocore for unknown names."""

    def __init__(self, values: dict[str, str]) -> None:
        self.values = values
        self.calls: list[tuple[str, bool]] = []

    def get_parameter(self, *, Name: str, WithDecryption: bool) -> Mapping[str, Any]:
        self.calls.append((Name, WithDecryption))
        if Name not in self.values:
            raise RuntimeError("ParameterNotFound")
        return {"Parameter": {"Name": Name, "Type": "SecureString", "Value": self.values[Name]}}


@pytest.fixture(autouse=True)
def _empty_cache() -> Iterator[None]:
    secrets._values.clear()
    yield
    secrets._values.clear()


def test_sets_jwt_secret_from_the_named_parameter_with_decryption() -> None:
    ssm = FakeSsm({"/taskapp/dev/jwt-secret": "s" * 48})
    environ = {"JWT_SECRET_PARAMETER": "/taskapp/dev/jwt-secret"}
    secrets.apply_jwt_secret_parameter(environ, ssm)
    assert environ.get("JWT_SECRET") == "s" * 48
    assert ssm.calls == [("/taskapp/dev/jwt-secret", True)]


def test_fetches_once_per_process() -> None:
    ssm = FakeSsm({"/p": "value"})
    assert secrets.get_parameter("/p", ssm) == "value"
    assert secrets.get_parameter("/p", ssm) == "value"
    assert len(ssm.calls) == 1


def test_an_explicit_jwt_secret_wins_and_ssm_is_not_called() -> None:
    ssm = FakeSsm({})
    environ = {"JWT_SECRET_PARAMETER": "/p", "JWT_SECRET": "explicit"}
    secrets.apply_jwt_secret_parameter(environ, ssm)
    assert environ.get("JWT_SECRET") == "explicit"
    assert ssm.calls == []


def test_without_a_parameter_nothing_changes() -> None:
    environ: dict[str, str] = {}
    secrets.apply_jwt_secret_parameter(environ, FakeSsm({}))
    assert environ == {}


def test_an_unreadable_parameter_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="/missing"):
        secrets.apply_jwt_secret_parameter({"JWT_SECRET_PARAMETER": "/missing"}, FakeSsm({}))


def test_the_default_client_reads_ssm_through_boto3(monkeypatch: pytest.MonkeyPatch) -> None:
    moto = pytest.importorskip("moto")
    import boto3

    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with moto.mock_aws():
        boto3.client("ssm").put_parameter(Name="/p", Value="from-ssm", Type="SecureString")
        environ = {"JWT_SECRET_PARAMETER": "/p"}
        secrets.apply_jwt_secret_parameter(environ)
    assert environ.get("JWT_SECRET") == "from-ssm"


def test_a_key_ring_parameter_sets_the_rotating_keys_and_the_cursor_key() -> None:
    ring = '{"jwt": ["' + "n" * 40 + '", "' + "o" * 40 + '"], "cursor": "' + "c" * 40 + '"}'
    environ = {"JWT_SECRET_PARAMETER": "/ring"}
    secrets.apply_jwt_secret_parameter(environ, FakeSsm({"/ring": ring}))
    assert environ["JWT_SECRETS"] == "n" * 40 + "," + "o" * 40
    assert environ["CURSOR_SECRET"] == "c" * 40
    assert "JWT_SECRET" not in environ
    with pytest.raises(ConfigurationError, match="key ring"):
        secrets.apply_jwt_secret_parameter(
            {"JWT_SECRET_PARAMETER": "/bad"}, FakeSsm({"/bad": '{"jwt": "x"}'})
        )


# --- the Redis AUTH token, from Secrets Manager ---------------------------------------------------

SECRET_ARN = "arn:aws:secretsmanager:us-east-1:000000000000:secret:taskapp-redis-AbCdEf"


class FakeSecretsManager:
    """Records calls; answers from a dict, or raises like botocore for unknown ids."""

    def __init__(self, values: dict[str, str]) -> None:
        self.values = values
        self.calls: list[str] = []

    def get_secret_value(self, *, SecretId: str) -> Mapping[str, Any]:
        self.calls.append(SecretId)
        if SecretId not in self.values:
            raise RuntimeError("ResourceNotFoundException")
        return {"ARN": SecretId, "SecretString": self.values[SecretId]}


def test_the_redis_token_comes_from_its_secret_once_and_goes_into_the_url() -> None:
    manager = FakeSecretsManager({SECRET_ARN: "t0ken/with+chars"})
    environ = {"REDIS_AUTH_SECRET": SECRET_ARN, "REDIS_URL": "rediss://cache.internal:6379/0"}
    secrets.apply_redis_auth_secret(environ, manager)
    secrets.apply_redis_auth_secret(dict(environ, REDIS_AUTH_TOKEN=""), manager)
    assert environ["REDIS_AUTH_TOKEN"] == "t0ken/with+chars"
    assert manager.calls == [SECRET_ARN]
    settings = Settings(**{k: v for k, v in environ.items() if k != "REDIS_AUTH_SECRET"})
    assert settings.redis_url == "rediss://cache.internal:6379/0"  # the token is not in it
    assert settings.redis_connection_url == "rediss://:t0ken%2Fwith%2Bchars@cache.internal:6379/0"
    assert "t0ken" not in repr(settings)


def test_an_explicit_redis_token_wins_and_nothing_else_changes() -> None:
    manager = FakeSecretsManager({})
    environ = {"REDIS_AUTH_SECRET": SECRET_ARN, "REDIS_AUTH_TOKEN": "explicit"}
    secrets.apply_redis_auth_secret(environ, manager)
    secrets.apply_redis_auth_secret(without := {"REDIS_URL": "redis://x:6379"}, manager)
    assert environ["REDIS_AUTH_TOKEN"] == "explicit" and without == {"REDIS_URL": "redis://x:6379"}
    assert manager.calls == []
    assert Settings(REDIS_URL="redis://x:6379").redis_connection_url == "redis://x:6379"


def test_an_unreadable_redis_secret_means_running_without_the_cache(
    caplog: pytest.LogCaptureFixture,
) -> None:
    environ = {"REDIS_AUTH_SECRET": SECRET_ARN, "REDIS_URL": "rediss://cache.internal:6379/0"}
    secrets.apply_redis_auth_secret(environ, FakeSecretsManager({}))
    assert environ == {"REDIS_AUTH_SECRET": SECRET_ARN}  # no cache rather than no service
    assert "cannot read the Redis AUTH token" in caplog.text


def test_the_default_client_reads_the_secret_through_boto3(monkeypatch: pytest.MonkeyPatch) -> None:
    moto = pytest.importorskip("moto")
    import boto3

    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with moto.mock_aws():
        arn = boto3.client("secretsmanager").create_secret(Name="r", SecretString="s3cret")["ARN"]
        environ = {"REDIS_AUTH_SECRET": arn}
        secrets.apply_redis_auth_secret(environ)
    assert environ.get("REDIS_AUTH_TOKEN") == "s3cret"
