"""Accounts and sessions: registration, log-in, refresh, profile, password and e-mail
tokens, and the account and session replies."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from taskcore.schemas.fields import Email, Instant, JsonDict, LeadMinutes, Name, Password, TimeZone
from taskcore.schemas.validation import StrictModel


class RegisterRequest(StrictModel):
    """Body of ``POST /v1/auth/register``."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "email": "ann@example.com",
                    "password": "correct horse battery",
                    "name": "Ann",
                    "timezone": "Europe/Paris",
                }
            ]
        }
    )

    email: Email
    password: Password
    name: Name = ""
    timezone: TimeZone = "UTC"


class LoginRequest(StrictModel):
    """Body of ``POST /v1/auth/login``."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"email": "ann@example.com", "password": "correct horse battery"}]
        }
    )

    email: Email
    password: Annotated[str, Field(min_length=1, max_length=256)]


class RefreshRequest(StrictModel):
    """Body of ``POST /v1/auth/refresh``."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"refresh_token": "01JQ5Z7A0B1C2D3E4F5G6H7J8K.fam.c2VjcmV0"}]
        }
    )

    refresh_token: Annotated[str, Field(min_length=1, max_length=512)]


class LogoutRequest(StrictModel):
    """Body of ``POST /v1/auth/logout`` (optional)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"refresh_token": "01JQ5Z7A0B1C2D3E4F5G6H7J8K.fam.c2VjcmV0"}]
        }
    )

    refresh_token: Annotated[str | None, Field(max_length=512)] = None


class ProfileUpdate(StrictModel):
    """Body of ``PATCH /v1/me``."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"timezone": "America/New_York", "reminder_lead_minutes": 30}]
        }
    )

    name: Name | None = None
    timezone: TimeZone | None = None
    reminder_lead_minutes: LeadMinutes | None = None


class DeleteAccountRequest(StrictModel):
    """Body of ``DELETE /v1/me``: the password, asked again (without it, or with a wrong
    one, the reply is 401 ``invalid_credentials``)."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"password": "correct horse battery"}]}
    )

    password: Annotated[str, Field(max_length=256, description="The account's password")] = ""


EmailedToken = Annotated[
    str,
    Field(
        min_length=1,
        max_length=256,
        description="The code from the e-mail (single use; a newer e-mail replaces it)",
    ),
]


class PasswordChange(StrictModel):
    """Body of ``POST /v1/auth/password``."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"current_password": "correct horse battery", "new_password": "a new passphrase"}
            ]
        }
    )
    current_password: Annotated[str, Field(min_length=1, max_length=256)]
    new_password: Password


class PasswordResetRequest(StrictModel):
    """Body of ``POST /v1/auth/password-reset``."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"email": "ann@example.com"}]})
    email: Email


class PasswordResetConfirm(StrictModel):
    """Body of ``POST /v1/auth/password-reset/confirm``."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"token": "01J0ABC.the-code-from-the-e-mail", "new_password": "a new one"}]
        }
    )
    token: EmailedToken
    new_password: Password


class EmailTokenRequest(StrictModel):
    """Body of ``POST /v1/auth/verify-email``."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"token": "01J0ABC.the-code-from-the-e-mail"}]}
    )
    token: EmailedToken


class Accepted(BaseModel):
    """Reply of a request whose e-mail is sent later (the same whatever the outcome)."""

    status: Literal["accepted"]


# Replies.
_USER_EXAMPLE: JsonDict = {
    "id": "01JQ5Z7A0B1C2D3E4F5G6H7J8K",
    "email": "ann@example.com",
    "name": "Ann",
    "timezone": "Europe/Paris",
    "reminder_lead_minutes": 60,
    "email_verified": True,
    "created_at": "2026-03-01T11:58:00.000Z",
}


class User(BaseModel):
    """An account as the API returns it."""

    model_config = ConfigDict(json_schema_extra={"examples": [_USER_EXAMPLE]})

    id: str
    email: Annotated[str, Field(json_schema_extra={"format": "email"})]
    name: str
    timezone: str
    reminder_lead_minutes: int
    email_verified: bool = Field(
        description="Whether the owner confirmed the address with an e-mailed token"
    )
    created_at: Instant


class Session(BaseModel):
    """Reply of register, login and refresh."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "user": _USER_EXAMPLE,
                    "access_token": "eyJhbGciOiJIUzI1NiIsImtpZCI6Ii4uLiJ9.eyJzdWIiOiIuLi4ifQ.c2ln",
                    "refresh_token": "01JQ5Z7A0B1C2D3E4F5G6H7J8K.fam.c2VjcmV0",
                    "token_type": "Bearer",
                    "expires_in": 900,
                }
            ]
        }
    )

    user: User
    access_token: Annotated[str, Field(description="Send as 'Authorization: Bearer ...'")]
    refresh_token: Annotated[str, Field(description="Spend at POST /v1/auth/refresh")]
    token_type: Literal["Bearer"]
    expires_in: Annotated[int, Field(description="Seconds the access token is valid")]
