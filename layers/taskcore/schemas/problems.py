"""Problem replies: the RFC 9457 document every error is, and its field errors."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field


class FieldProblem(BaseModel):
    """One invalid field of a request."""

    field: Annotated[str, Field(examples=["title"])]
    message: Annotated[str, Field(examples=["String should have at least 1 character"])]


class Problem(BaseModel):
    """An RFC 9457 problem document. Branch on ``code``; ``detail`` is for people."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "type": "/v1/problems/validation_failed",
                    "title": "Validation failed",
                    "status": 422,
                    "code": "validation_failed",
                    "detail": "title: String should have at least 1 character",
                    "request_id": "4f1c2a9e0b7d4e8f9a6b3c5d2e1f0a9b",
                    "errors": [
                        {"field": "title", "message": "String should have at least 1 character"}
                    ],
                }
            ]
        }
    )

    type: Annotated[
        str,
        Field(
            json_schema_extra={"format": "uri-reference"},
            description="/v1/problems/<code>: a page explaining the code",
        ),
    ]
    title: str
    status: int
    code: Annotated[
        str,
        Field(
            pattern="^[a-z][a-z0-9_]*$",
            description="The stable, machine-readable name of the problem; new codes may be "
            "added, so treat an unknown one by its status. The codes are listed at /v1/docs.",
            examples=["validation_failed", "token_expired"],
        ),
    ]
    detail: Annotated[str | None, Field(description="What went wrong, for people")] = None
    request_id: str
    errors: Annotated[
        list[FieldProblem] | None, Field(description="Only for validation_failed (at most 20)")
    ] = None
