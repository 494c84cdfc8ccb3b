"""DynamoDB storage: models, table binding and creation, request counting."""

from __future__ import annotations

from taskcore.storage.calls import DynamoCallCounter
from taskcore.storage.models import ALL_MODELS, AuthModel, OutboxModel, TaskModel, UserModel
from taskcore.storage.tables import bind, create_tables, delete_tables

__all__ = [
    "ALL_MODELS",
    "AuthModel",
    "DynamoCallCounter",
    "OutboxModel",
    "TaskModel",
    "UserModel",
    "bind",
    "create_tables",
    "delete_tables",
]
