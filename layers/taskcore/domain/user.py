"""The account entity, as the services see it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class User:
    """An account: profile, password hash and the counters that order its writes.

    ``change_seq`` numbers the account's writes (see :mod:`taskcore.services.sync`);
    ``task_count`` bounds its tasks. Both advance only inside the store's transactions.
    ``list_count`` (v1.1) bounds its lists; ``lists_ready`` says that the account has its
    Inbox and every task in the list index (accounts from before lists get there on
    first use).
    """

    id: str
    email: str
    name: str
    timezone: str
    reminder_lead_minutes: int
    password_hash: str
    created_at: str
    updated_at: str
    change_seq: int = 0
    task_count: int = 0
    # Whether the owner proved to receive mail at ``email`` (a token from a message sent
    # there). Accounts from before verification existed read as ``False``.
    email_verified: bool = False
    list_count: int = 0
    lists_ready: bool = False

    def to_public(self) -> dict[str, object]:
        """The account as the API returns it (never the password hash)."""
        return {
            "id": self.id,
            "email": self.email,
            "name": self.name,
            "timezone": self.timezone,
            "reminder_lead_minutes": self.reminder_lead_minutes,
            "email_verified": self.email_verified,
            "created_at": self.created_at,
        }
