"""Settings, read from environment variables only."""

from __future__ import annotations

import hashlib
from typing import Literal
from urllib.parse import quote, urlsplit, urlunsplit

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from taskcore.errors import ConfigurationError

Stage = Literal["local", "test", "dev", "prod"]

# The development default is public knowledge (it is in this file), so it may only be
# used where nothing real is protected by it.
DEV_JWT_SECRET = "dev-only-insecure-secret-change-me-0123456789"  # noqa: S105
_RELAXED_STAGES = frozenset({"local", "test"})
# The due-date job's progress marks name a shard with four digits (repositories/
# notifications.py); the partition keys take any number.
MAX_DUE_INDEX_SHARDS = 4096


class Settings(BaseSettings):
    """Runtime configuration. Every field maps to an upper-case environment variable."""

    model_config = SettingsConfigDict(env_prefix="", case_sensitive=False, extra="ignore")

    stage: Stage = Field(default="local", alias="TASKAPP_STAGE")
    aws_region: str = Field(default="us-east-1", alias="AWS_DEFAULT_REGION")
    dynamodb_endpoint_url: str | None = Field(default=None, alias="DYNAMODB_ENDPOINT_URL")
    table_prefix: str = Field(default="taskapp-local-", alias="TABLE_PREFIX")
    redis_url: str | None = Field(default=None, alias="REDIS_URL")
    # ElastiCache's AUTH token (on AWS read at cold start from the Secrets Manager secret
    # REDIS_AUTH_SECRET names); it goes into the connection URL, never into REDIS_URL.
    redis_auth_token: SecretStr | None = Field(default=None, alias="REDIS_AUTH_TOKEN")
    redis_key_prefix: str = Field(default="taskapp:", alias="REDIS_KEY_PREFIX")
    redis_timeout_seconds: float = Field(default=0.05, gt=0, alias="REDIS_TIMEOUT_SECONDS")
    jwt_secret: SecretStr = Field(default=SecretStr(DEV_JWT_SECRET), alias="JWT_SECRET")
    # Key rotation: several keys, comma separated; the first signs, every one verifies.
    jwt_secrets: SecretStr | None = Field(default=None, alias="JWT_SECRETS")
    # Signs list cursors and sync tokens (and derives refresh-token successors): a key of
    # its own, so rotating the JWT keys never invalidates a client's sync point.
    cursor_secret: SecretStr | None = Field(default=None, alias="CURSOR_SECRET")
    jwt_issuer: str = Field(default="task-management-backend", alias="JWT_ISSUER")
    jwt_audience: str = Field(default="task-management-clients", alias="JWT_AUDIENCE")
    access_token_ttl_seconds: int = Field(default=900, ge=60, alias="ACCESS_TOKEN_TTL_SECONDS")
    refresh_token_ttl_seconds: int = Field(
        default=30 * 24 * 3600, ge=300, alias="REFRESH_TOKEN_TTL_SECONDS"
    )
    bcrypt_cost: int = Field(default=12, ge=4, le=16, alias="BCRYPT_COST")
    max_tasks_per_user: int = Field(default=10_000, ge=1, alias="MAX_TASKS_PER_USER")
    max_lists_per_user: int = Field(default=500, ge=1, le=500, alias="MAX_LISTS_PER_USER")
    # Brute-force limits on the credential endpoints (fixed windows; see SECURITY.md).
    login_max_failures_per_account: int = Field(
        default=10, ge=1, alias="LOGIN_MAX_FAILURES_PER_ACCOUNT"
    )
    login_account_window_seconds: int = Field(
        default=15 * 60, ge=1, alias="LOGIN_ACCOUNT_WINDOW_SECONDS"
    )
    login_max_attempts_per_client: int = Field(
        default=30, ge=1, alias="LOGIN_MAX_ATTEMPTS_PER_CLIENT"
    )
    login_client_window_seconds: int = Field(default=60, ge=1, alias="LOGIN_CLIENT_WINDOW_SECONDS")
    register_max_per_client: int = Field(default=10, ge=1, alias="REGISTER_MAX_PER_CLIENT")
    register_client_window_seconds: int = Field(
        default=3600, ge=1, alias="REGISTER_CLIENT_WINDOW_SECONDS"
    )
    # Task writes (create, change, complete, reopen, delete) per user: bounds the
    # DynamoDB work one account can cause (see SECURITY.md).
    task_write_max_per_user: int = Field(default=120, ge=1, alias="TASK_WRITE_MAX_PER_USER")
    task_write_window_seconds: int = Field(default=60, ge=1, alias="TASK_WRITE_WINDOW_SECONDS")
    # Account e-mails (password reset, address verification): floods of them are bounded
    # per client address and per account (see SECURITY.md).
    password_reset_max_per_account: int = Field(
        default=3, ge=1, alias="PASSWORD_RESET_MAX_PER_ACCOUNT"
    )
    password_reset_max_per_client: int = Field(
        default=20, ge=1, alias="PASSWORD_RESET_MAX_PER_CLIENT"
    )
    password_reset_window_seconds: int = Field(
        default=3600, ge=1, alias="PASSWORD_RESET_WINDOW_SECONDS"
    )
    verification_max_per_account: int = Field(default=3, ge=1, alias="VERIFICATION_MAX_PER_ACCOUNT")
    verification_window_seconds: int = Field(
        default=3600, ge=1, alias="VERIFICATION_WINDOW_SECONDS"
    )
    verification_token_ttl_seconds: int = Field(
        default=48 * 3600, ge=600, alias="VERIFICATION_TOKEN_TTL_SECONDS"
    )
    # Delivery: "smtp" (the local stacks' server, or any relay) or "ses" (on AWS).
    mail_transport: Literal["smtp", "ses"] = Field(default="smtp", alias="MAIL_TRANSPORT")
    smtp_host: str = Field(default="127.0.0.1", alias="SMTP_HOST")
    smtp_port: int = Field(default=1025, ge=1, le=65535, alias="SMTP_PORT")
    smtp_starttls: bool = Field(default=False, alias="SMTP_STARTTLS")
    smtp_timeout_seconds: float = Field(default=10.0, gt=0, alias="SMTP_TIMEOUT_SECONDS")
    mail_from_address: str = Field(default="no-reply@localhost", alias="MAIL_FROM_ADDRESS")
    product_name: str = Field(default="Tasks", min_length=1, alias="PRODUCT_NAME")
    # The web app the messages link to (".../reset-password#token=..."); empty: no link,
    # the message carries the code alone.
    public_base_url: str = Field(default="", alias="PUBLIC_BASE_URL")
    log_level: str = Field(default="INFO", alias="LOG_LEVEL")
    # The due-date job (DESIGN §4, v1.1): how many shards the due-time index has (it may
    # grow without a migration, never shrink: taskcore.domain.reminders.shard_of), how
    # many shards one worker invocation handles, and, on AWS, the SQS queue the
    # coordinator sends the workers' shard ranges to (unset: no queue; see
    # functions/chalicelib/fanout.py for who runs the workers then).
    due_index_shards: int = Field(
        default=64, ge=1, le=MAX_DUE_INDEX_SHARDS, alias="DUE_INDEX_SHARDS"
    )
    due_job_shards_per_worker: int = Field(
        default=8, ge=1, le=MAX_DUE_INDEX_SHARDS, alias="DUE_JOB_SHARDS_PER_WORKER"
    )
    due_job_queue_url: str | None = Field(default=None, alias="DUE_JOB_QUEUE_URL")

    @model_validator(mode="after")
    def _refuse_weak_production_settings(self) -> Settings:
        if self.stage in _RELAXED_STAGES:
            return self
        for secret in self.signing_keys:
            if secret == DEV_JWT_SECRET or len(secret) < 32:
                raise ConfigurationError(
                    f"JWT_SECRET (or each of JWT_SECRETS) must be a random value of at least "
                    f"32 characters in stage {self.stage!r}"
                )
        cursor = self.cursor_secret.get_secret_value() if self.cursor_secret else ""
        if len(cursor) < 32 or cursor in self.signing_keys:
            raise ConfigurationError(
                f"CURSOR_SECRET must be a random value of at least 32 characters, other than "
                f"the JWT keys, in stage {self.stage!r}"
            )
        if self.bcrypt_cost < 10:
            raise ConfigurationError(f"BCRYPT_COST below 10 is refused in stage {self.stage!r}")
        return self

    @property
    def signing_keys(self) -> list[str]:
        """The JWT keys: the first signs, every one verifies."""
        if self.jwt_secrets is not None:
            keys = [k.strip() for k in self.jwt_secrets.get_secret_value().split(",")]
            if any(keys):
                return [k for k in keys if k]
        return [self.jwt_secret.get_secret_value()]

    @property
    def cursor_key(self) -> str:
        """The key of cursors and sync tokens. Without ``CURSOR_SECRET`` (allowed in the
        local and test stages only) it is derived from the JWT key."""
        if self.cursor_secret is not None:
            return self.cursor_secret.get_secret_value()
        material = f"cursor-key\n{self.signing_keys[-1]}".encode()
        return hashlib.sha256(material).hexdigest()

    @property
    def redis_connection_url(self) -> str | None:
        """``REDIS_URL`` with the AUTH token as its password, when there is a token and
        the URL names no password of its own."""
        if not self.redis_url or self.redis_auth_token is None:
            return self.redis_url
        parts = urlsplit(self.redis_url)
        if parts.password is not None:
            return self.redis_url
        user, _, host = parts.netloc.rpartition("@")
        token = quote(self.redis_auth_token.get_secret_value(), safe="")
        return urlunsplit(parts._replace(netloc=f"{user}:{token}@{host}"))

    def table_name(self, base: str) -> str:
        """The physical DynamoDB table name for a logical table."""
        return f"{self.table_prefix}{base}"
