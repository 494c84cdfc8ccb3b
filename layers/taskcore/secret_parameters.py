"""Secrets read once per process (cold start): the JWT signing secret from SSM Parameter
Store, the Redis AUTH token from Secrets Manager.

On AWS the functions get ``JWT_SECRET_PARAMETER``
(the name of a SecureString parameter) instead of the secret itself, so the secret is never
in the Lambda configuration or the template. :func:`apply_jwt_secret_parameter` turns that
into the ``JWT_SECRET`` that :class:`taskcore.config.Settings` reads; elsewhere (local stacks,
tests) ``JWT_SECRET_PARAMETER`` is unset and nothing changes, and boto3 is not even imported.
:func:`apply_redis_auth_secret` does the same for ``REDIS_AUTH_SECRET`` (a secret the
template generates) and ``REDIS_AUTH_TOKEN``.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Mapping, MutableMapping
from typing import Any, Protocol

from taskcore.errors import ConfigurationError

SECRET_VARIABLE = "JWT_SECRET"  # noqa: S105 (a variable name, not a secret)
PARAMETER_VARIABLE = "JWT_SECRET_PARAMETER"
REDIS_TOKEN_VARIABLE = "REDIS_AUTH_TOKEN"  # noqa: S105 (a variable name, not a secret)
REDIS_SECRET_VARIABLE = "REDIS_AUTH_SECRET"  # noqa: S105 (a variable name, not a secret)

log = logging.getLogger(__name__)
_values: dict[str, str] = {}


class ParameterClient(Protocol):
    """The part of a boto3 SSM client used here (tests pass a fake)."""

    def get_parameter(self, *, Name: str, WithDecryption: bool) -> Mapping[str, Any]: ...


class SecretClient(Protocol):
    """The part of a boto3 Secrets Manager client used here (tests pass a fake)."""

    def get_secret_value(self, *, SecretId: str) -> Mapping[str, Any]: ...


def get_parameter(name: str, client: ParameterClient | None = None) -> str:
    """The decrypted value of an SSM parameter, fetched once per process."""
    if name not in _values:
        client = client or _ssm_client()
        try:
            reply = client.get_parameter(Name=name, WithDecryption=True)
        except Exception as error:  # botocore's errors; the message names the cause
            raise ConfigurationError(f"cannot read SSM parameter {name}: {error}") from error
        _values[name] = str(reply["Parameter"]["Value"])
    return _values[name]


def apply_jwt_secret_parameter(
    environ: MutableMapping[str, str] | None = None, client: ParameterClient | None = None
) -> None:
    """Set the signing keys from the parameter ``JWT_SECRET_PARAMETER`` names, if that is
    set and ``JWT_SECRET`` is not (an explicit secret wins). Call before building the
    settings.

    The parameter holds either one secret (``JWT_SECRET``) or a key ring, the JSON
    ``{"jwt": ["newest", "older"], "cursor": "..."}`` (``JWT_SECRETS`` and
    ``CURSOR_SECRET``): what a production stage needs, and what lets the JWT key rotate.
    """
    environ = os.environ if environ is None else environ
    name = environ.get(PARAMETER_VARIABLE)
    if not name or environ.get(SECRET_VARIABLE):
        return
    value = get_parameter(name, client)
    if not value.lstrip().startswith("{"):
        environ[SECRET_VARIABLE] = value
        return
    try:
        ring = json.loads(value)
        jwt_keys = [str(key) for key in ring["jwt"]]
        cursor = str(ring["cursor"])
    except (ValueError, KeyError, TypeError):
        raise ConfigurationError(f"SSM parameter {name} is not a valid key ring") from None
    environ["JWT_SECRETS"] = ",".join(jwt_keys)
    environ["CURSOR_SECRET"] = cursor


def apply_redis_auth_secret(
    environ: MutableMapping[str, str] | None = None, client: SecretClient | None = None
) -> None:
    """Set ``REDIS_AUTH_TOKEN`` from the Secrets Manager secret ``REDIS_AUTH_SECRET`` names
    (its plain ``SecretString``), if that is set and the token is not. Call before
    building the settings.

    Redis is optional (DESIGN.md 4): a secret that cannot be read is logged and the
    process runs without the cache (``REDIS_URL`` removed) rather than refusing to serve.
    """
    environ = os.environ if environ is None else environ
    secret_id = environ.get(REDIS_SECRET_VARIABLE)
    if not secret_id or environ.get(REDIS_TOKEN_VARIABLE):
        return
    key = f"secretsmanager:{secret_id}"
    if key not in _values:
        try:
            reply = (client or _secrets_client()).get_secret_value(SecretId=secret_id)
            _values[key] = str(reply["SecretString"])
        except Exception as error:  # botocore's errors, or a secret without a string
            log.error(
                "cannot read the Redis AUTH token; running without the cache",
                extra={"secret": secret_id, "error": str(error)},
            )
            environ.pop("REDIS_URL", None)
            return
    environ[REDIS_TOKEN_VARIABLE] = _values[key]


def _client_config() -> Any:
    from botocore.config import Config

    # Short timeouts and few retries: a cold start must fail fast rather than hang when an
    # endpoint is unreachable.
    return Config(
        connect_timeout=2, read_timeout=3, retries={"mode": "standard", "max_attempts": 3}
    )


def _ssm_client() -> ParameterClient:
    # Imported here: only processes configured with a parameter pay for boto3's import.
    import boto3

    client: ParameterClient = boto3.client("ssm", config=_client_config())
    return client


def _secrets_client() -> SecretClient:
    import boto3

    client: SecretClient = boto3.client("secretsmanager", config=_client_config())
    return client
