"""Domain errors. The HTTP layer maps each class to one status code, in one place."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldError:
    """One invalid field of a request."""

    field: str
    message: str


class DomainError(Exception):
    """Base of every error the core raises on purpose."""

    title = "Error"

    def __init__(self, detail: str = "") -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title


class ConfigurationError(DomainError):
    """The process is configured in a way that must not serve traffic."""

    title = "Configuration error"


class BadRequest(DomainError):
    """Malformed input that is not a validation failure (bad query, foreign cursor)."""

    title = "Bad request"


class PayloadTooLarge(DomainError):
    """A request body over the size the API accepts."""

    title = "Payload too large"


class UnsupportedMediaType(DomainError):
    """A request body that is not declared as JSON in UTF-8."""

    title = "Unsupported media type"


# A reply lists at most this many field errors (DESIGN §3): a body with thousands of
# unknown keys gets a short answer, not one that grows with the attack.
MAX_FIELD_ERRORS = 20


class ValidationFailed(DomainError):
    """Well-formed input that breaks the documented rules (the first
    :data:`MAX_FIELD_ERRORS` of them; ``omitted`` says how many more there were)."""

    title = "Validation failed"

    def __init__(self, errors: list[FieldError], detail: str = "") -> None:
        shown = errors[:MAX_FIELD_ERRORS]
        self.omitted = len(errors) - len(shown)
        more = f"; and {self.omitted} more" if self.omitted else ""
        super().__init__(detail or "; ".join(f"{e.field}: {e.message}" for e in shown) + more)
        self.errors = shown


class Unauthorized(DomainError):
    """Missing, invalid, expired or revoked credentials."""

    title = "Unauthorized"


class NotFound(DomainError):
    """No such resource for this user."""

    title = "Not found"


class Conflict(DomainError):
    """The request conflicts with existing state (duplicate email, idempotency key)."""

    title = "Conflict"


class PreconditionFailed(DomainError):
    """``If-Match`` does not match the current version."""

    title = "Precondition failed"


class Gone(DomainError):
    """The requested history is no longer kept."""

    title = "Gone"


class RateLimited(DomainError):
    """Too many requests; retry after ``retry_after`` seconds."""

    title = "Too many requests"

    def __init__(self, retry_after: int, detail: str = "") -> None:
        super().__init__(detail or "Too many requests; slow down")
        self.retry_after = retry_after


class DependencyUnavailable(DomainError):
    """A backing service stayed unavailable after retries."""

    title = "Service unavailable"

    def __init__(self, detail: str = "", retry_after: int = 1) -> None:
        super().__init__(detail or "A dependency is temporarily unavailable")
        self.retry_after = retry_after
