"""Lists: create, update and move bodies, and the list replies."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field

from taskcore.schemas.fields import Instant, ItemId, ListName
from taskcore.schemas.validation import StrictModel


class ListCreate(StrictModel):
    """Body of ``POST /v1/lists``."""

    name: ListName


class ListUpdate(StrictModel):
    """Body of ``PATCH /v1/lists/{id}``."""

    name: ListName | None = None


class ListMove(StrictModel):
    """Body of ``POST /v1/lists/{id}/move``: exactly one of ``after_id`` (null = to the
    end) or ``before_id`` (null = to the start)."""

    after_id: ItemId | None = None
    before_id: ItemId | None = None


class ListOut(BaseModel):
    """A list as the API returns it."""

    id: str
    name: str
    is_inbox: bool
    position: str
    created_at: Instant
    updated_at: Instant
    version: Annotated[int, Field(description="Increases by one on every change; the ETag")]


class ListPage(BaseModel):
    """Reply of ``GET /v1/lists``: the lists in manual order."""

    items: list[ListOut]
    next_cursor: str | None
