"""Domain errors. The HTTP layer maps each class to one status code, in one place."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldError:
    """One invalid field of a request."""

    field: str
    message: str


class DomainError(Exception):
    """Base of every error the core raises on purpose.

    ``code`` is the stable, machine-readable name of the problem (DESIGN §3, Errors): a
    class default that a raising site may refine (``Conflict(..., code="email_taken")``),
    so clients branch on it rather than on the English ``detail``.
    """

    title = "Error"
    code = "internal"

    def __init__(self, detail: str = "", *, code: str | None = None) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        if code is not None:
            self.code = code


class ConfigurationError(DomainError):
    """The process is configured in a way that must not serve traffic."""

    title = "Configuration error"
    code = "dependency_unavailable"


class BadRequest(DomainError):
    """Malformed input that is not a validation failure (bad query, foreign cursor)."""

    title = "Bad request"
    code = "invalid_query"


class PayloadTooLarge(DomainError):
    """A request body over the size the API accepts."""

    title = "Payload too large"
    code = "payload_too_large"


class UnsupportedMediaType(DomainError):
    """A request body that is not declared as JSON in UTF-8."""

    title = "Unsupported media type"
    code = "unsupported_media_type"


# A reply lists at most this many field errors (DESIGN §3): a body with thousands of
# unknown keys gets a short answer, not one that grows with the attack.
MAX_FIELD_ERRORS = 20


class ValidationFailed(DomainError):
    """Well-formed input that breaks the documented rules (the first
    :data:`MAX_FIELD_ERRORS` of them; ``omitted`` says how many more there were)."""

    title = "Validation failed"
    code = "validation_failed"

    def __init__(
        self, errors: list[FieldError], detail: str = "", *, code: str | None = None
    ) -> None:
        shown = errors[:MAX_FIELD_ERRORS]
        self.omitted = len(errors) - len(shown)
        more = f"; and {self.omitted} more" if self.omitted else ""
        super().__init__(
            detail or "; ".join(f"{e.field}: {e.message}" for e in shown) + more, code=code
        )
        self.errors = shown


class Unauthorized(DomainError):
    """Missing, invalid, expired or revoked credentials."""

    title = "Unauthorized"
    code = "unauthenticated"


class NotFound(DomainError):
    """No such resource for this user."""

    title = "Not found"
    code = "not_found"


class Conflict(DomainError):
    """The request conflicts with existing state (duplicate email, idempotency key)."""

    title = "Conflict"
    code = "conflict"


class PreconditionFailed(DomainError):
    """``If-Match`` does not match the current version."""

    title = "Precondition failed"
    code = "version_mismatch"


class Gone(DomainError):
    """The requested history is no longer kept."""

    title = "Gone"
    code = "sync_expired"


class RateLimited(DomainError):
    """Too many requests; retry after ``retry_after`` seconds."""

    title = "Too many requests"
    code = "rate_limited"

    def __init__(self, retry_after: int, detail: str = "", *, code: str | None = None) -> None:
        super().__init__(detail or "Too many requests; slow down", code=code)
        self.retry_after = retry_after


class DependencyUnavailable(DomainError):
    """A backing service stayed unavailable after retries."""

    title = "Service unavailable"
    code = "dependency_unavailable"

    def __init__(self, detail: str = "", retry_after: int = 1, *, code: str | None = None) -> None:
        super().__init__(detail or "A dependency is temporarily unavailable", code=code)
        self.retry_after = retry_after
